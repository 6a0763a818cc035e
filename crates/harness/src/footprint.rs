//! How much memory a cell takes from the operating system: peak resident-set growth, next to the
//! peak live bytes the program asked for.
//!
//! People switch allocators for their memory as often as for their speed (glibc's per-thread
//! arenas of up to 64 MiB, up to 8 per core, are the usual story), and the figure that matters
//! there is what the process holds, not what it asked for. Hoard (Berger et al., ASPLOS 2000)
//! calls their ratio fragmentation: the most memory taken from the OS over the most memory the
//! program needed at once.
//!
//! On Linux the kernel keeps a process's peak resident set (`VmHWM` in `/proc/self/status`) and
//! lets the process reset it to the current resident set (writing `5` to
//! `/proc/self/clear_refs`, Linux 4.0+), so the peak of one region can be read exactly, with no
//! sampling thread. Elsewhere the figures are unknown (`None`), never guessed.

use serde::{Deserialize, Serialize};

/// The process's resident set now and at its peak since the last [`reset_peak`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResidentSet {
    /// Bytes resident now (`VmRSS`).
    pub current: u64,
    /// The most bytes resident since the process started or [`reset_peak`] (`VmHWM`).
    pub peak: u64,
}

impl ResidentSet {
    /// Reads `/proc/self/status`; `None` where there is no such file or it lacks the lines.
    pub fn read() -> Option<ResidentSet> {
        let text = std::fs::read_to_string("/proc/self/status").ok()?;
        parse_status(&text)
    }
}

/// `VmRSS` and `VmHWM` of a `/proc/PID/status` text, in bytes.
fn parse_status(text: &str) -> Option<ResidentSet> {
    let kib = |name: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let value = line[name.len()..].trim().trim_end_matches("kB").trim();
        value.parse::<u64>().ok().map(|k| k * 1024)
    };
    Some(ResidentSet {
        current: kib("VmRSS:")?,
        peak: kib("VmHWM:")?,
    })
}

/// Makes the peak resident set equal to the current one, so that the next [`ResidentSet::read`]'s
/// peak belongs to what ran in between. Returns whether the kernel accepted it.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// The memory an allocator itself says it holds from the OS (see `perflab_alloc::allocator_memory`):
/// jemalloc's `stats.resident`, mimalloc's committed bytes, glibc's `mallinfo2` arena + mmapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocatorMemory {
    /// Which figure it is, e.g. `jemalloc stats.resident`.
    pub source: String,
    /// Bytes.
    pub bytes: u64,
}

/// What one footprint pass of a cell found (the peer's answer; the engine turns it into a
/// results cell's `footprint`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FootprintTally {
    /// Calls each thread made.
    pub iters: u64,
    /// Peak resident-set growth over the resident set before the first call, bytes (`None`:
    /// the platform cannot tell).
    pub rss_growth: Option<u64>,
    /// Peak live heap bytes over the live bytes before the first call (`None`: nothing counts
    /// allocations in this process).
    pub peak_live: Option<u64>,
    /// The allocator's own figure before the first call and after the last.
    pub allocator_before: Option<AllocatorMemory>,
    /// See `allocator_before`.
    pub allocator_after: Option<AllocatorMemory>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_read_in_bytes() {
        let text = "Name:\tx\nVmPeak:\t  10 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
        assert_eq!(
            parse_status(text),
            Some(ResidentSet {
                current: 1 << 20,
                peak: 2 << 20
            })
        );
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn the_peak_follows_touched_memory_and_resets() {
        let Some(before) = ResidentSet::read() else {
            return;
        };
        assert!(before.peak >= before.current);
        assert!(reset_peak(), "clear_refs is writable on Linux 4.0+");
        let after_reset = ResidentSet::read().unwrap();
        // A fresh mapping of 32 MiB, every page touched: the peak rises by about that much
        // (other test threads may move the resident set by a little meanwhile).
        let mut v = vec![0u8; 32 << 20];
        for i in (0..v.len()).step_by(4096) {
            v[i] = 1;
        }
        std::hint::black_box(&v);
        let touched = ResidentSet::read().unwrap();
        drop(v);
        assert!(
            touched.peak >= after_reset.current + (24 << 20),
            "{after_reset:?} → {touched:?}"
        );
    }
}
