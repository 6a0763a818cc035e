//! What a sample's duration is read from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The clock samples are timed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// Elapsed (monotonic) time: what a user waits for.
    Wall,
    /// CPU time of the measuring thread: elapsed time minus the time the thread was not running.
    /// The default where the platform has it.
    ///
    /// Why: on a loaded machine a sample of a few milliseconds is often preempted for whole
    /// scheduler ticks (samples of one cell came out 5.4, 9.4, 13.4 and 17.3 ms under a parallel
    /// build: 4 ms steps), which no statistic on wall times separates from a slowdown. Thread CPU
    /// time does not count those ticks; it still counts everything the kernel does on the
    /// thread's behalf (page faults) and the cost of caches others evicted. Linux and other
    /// Unixes; elsewhere it is an error to ask for it.
    #[default]
    Cpu,
}

impl Clock {
    /// Both clocks, in the order `--help` lists them.
    pub const ALL: [Clock; 2] = [Clock::Wall, Clock::Cpu];

    /// The best clock this platform has: [`Clock::Cpu`] on Unix, [`Clock::Wall`] elsewhere.
    pub fn preferred() -> Clock {
        if cfg!(unix) { Clock::Cpu } else { Clock::Wall }
    }

    /// The clock's reading in ns from an arbitrary origin.
    pub fn now(self) -> Result<u64, String> {
        match self {
            Clock::Wall => {
                static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
                Ok(ORIGIN.get_or_init(Instant::now).elapsed().as_nanos() as u64)
            }
            Clock::Cpu => thread_cpu_ns(),
        }
    }

    /// The clock's name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Clock::Wall => "wall",
            Clock::Cpu => "cpu",
        }
    }
}

/// The calling thread's CPU time in ns, whatever clock a run times its samples with: a threaded
/// sample records every thread's, to tell time spent computing from time spent waiting.
pub fn thread_cpu_time_ns() -> Option<u64> {
    thread_cpu_ns().ok()
}

/// CPU time the whole process has spent in the kernel, ns (`getrusage`'s `ru_stime`).
///
/// Why: threads that contend for a lock the allocator holds spin or sleep in `futex` calls, and
/// both show up here, not in user time. The kernel charges it by scheduler ticks on most
/// configurations, so only its sum over many samples means anything, never one sample's.
#[cfg(unix)]
pub fn process_system_ns() -> Option<u64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let t = getrusage(UsageWho::RUSAGE_SELF).ok()?.system_time();
    Some(t.tv_sec() as u64 * 1_000_000_000 + t.tv_usec() as u64 * 1_000)
}

/// Not available off Unix.
#[cfg(not(unix))]
pub fn process_system_ns() -> Option<u64> {
    None
}

#[cfg(unix)]
fn thread_cpu_ns() -> Result<u64, String> {
    use nix::time::{ClockId, clock_gettime};
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_err(|e| format!("cannot read the thread's CPU time: {e}"))?;
    Ok(t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
}

#[cfg(not(unix))]
fn thread_cpu_ns() -> Result<u64, String> {
    Err("the cpu clock needs a Unix system; use the wall clock".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_clocks_advance() {
        for c in [Clock::Wall, Clock::preferred()] {
            let a = c.now().unwrap();
            let mut x = 0u64;
            for i in 0..200_000u64 {
                x = std::hint::black_box(x.wrapping_add(i));
            }
            assert!(c.now().unwrap() > a, "{}", c.as_str());
        }
    }
}
