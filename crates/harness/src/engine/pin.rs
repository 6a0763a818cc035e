//! Which CPU the peers measure on.
//!
//! Every peer is pinned to one CPU, and all the peers of one replica (every allocator and build
//! whose samples are compared with each other) to the same CPU. Measured on a shared 2-core host:
//! unpinned, the scheduler tends to keep each process on "its" CPU, and the two CPUs of a virtual
//! machine are not equally fast (their siblings' tenants differ), so whole groups of an A/A run
//! came out 10–60% apart with tight intervals — a bias between *processes* that no amount of
//! sampling removes. Pinned to one CPU, the same groups agreed within 2% (METHODOLOGY.md §7).
//!
//! The replicas, though, are spread over the CPUs (`auto`): how fast a CPU is for a kernel
//! changes with its neighbours' load, on a scale of seconds, and a second CPU is a second,
//! independent draw of it, which the interval between replicas then sees. Peers answer one
//! command at a time, so sharing a CPU costs no time. Peers verify and warm up before they pin
//! themselves, so that this slow, untimed part runs on every core.

/// Where the peers may execute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinning {
    /// The last CPU this process may run on (CPU 0 takes most interrupts on Linux).
    Auto,
    /// This CPU.
    Cpu(usize),
    /// Let the scheduler place the peers.
    Off,
}

impl std::str::FromStr for Pinning {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Pinning::Auto),
            "off" | "none" => Ok(Pinning::Off),
            n => n
                .parse()
                .map(Pinning::Cpu)
                .map_err(|_| format!("`{text}` is not a CPU number, `auto` or `off`")),
        }
    }
}

/// A CPU the peers may not be pinned to.
#[derive(Debug, thiserror::Error)]
#[error("cannot pin to CPU {0}: this process may not run there")]
pub struct PinError(pub usize);

impl Pinning {
    /// The CPUs this setting means for this process, in the order replicas take them: every
    /// allowed CPU, the last first, for `auto`; the one named; none for `off` or where the
    /// platform cannot tell (the run then goes on unpinned: pinning sharpens a comparison, it is
    /// not needed for one).
    pub fn resolve(self) -> Result<Vec<usize>, PinError> {
        let allowed = || {
            let mut ids: Vec<usize> = core_affinity::get_core_ids()
                .unwrap_or_default()
                .iter()
                .map(|c| c.id)
                .collect();
            ids.sort_unstable_by(|a, b| b.cmp(a));
            ids
        };
        match self {
            Pinning::Off => Ok(Vec::new()),
            Pinning::Auto => Ok(allowed()),
            Pinning::Cpu(id) if allowed().contains(&id) => Ok(vec![id]),
            Pinning::Cpu(id) => Err(PinError(id)),
        }
    }
}

/// Pins the calling thread to `cpu`; returns it when that worked.
pub fn pin_to(cpu: usize) -> Option<usize> {
    core_affinity::set_for_current(core_affinity::CoreId { id: cpu }).then_some(cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_parses_and_refuses_a_cpu_it_may_not_use() {
        assert_eq!("auto".parse(), Ok(Pinning::Auto));
        assert_eq!("off".parse(), Ok(Pinning::Off));
        assert_eq!("3".parse(), Ok(Pinning::Cpu(3)));
        assert!("three".parse::<Pinning>().is_err());
        assert!(Pinning::Cpu(usize::MAX).resolve().is_err());
        assert!(Pinning::Off.resolve().unwrap().is_empty());
        let auto = Pinning::Auto.resolve().unwrap();
        assert!(auto.windows(2).all(|w| w[0] > w[1]), "{auto:?}");
    }
}
