//! Memory footprint: making the selected allocator give back what it caches, asking it how much
//! it holds, and naming the allocator versions linked into this binary.
//!
//! A footprint measurement compares the resident set before and after some code. Allocators keep
//! freed memory to reuse it: jemalloc in thread caches and dirty pages that decay over 10 s,
//! mimalloc in pages it purges after a delay (1 s in v3), glibc in free chunks below the top of
//! its heaps. So the resident set a region *starts* from depends on whatever ran before it, and a
//! growth figure is only comparable across allocators if each starts from the same state:
//! [`release_free_memory`] gets there. [`allocator_memory`] is the allocator's own account of what
//! it holds, to record next to the resident set (the resident set also counts code, stacks and
//! other allocators; the allocator's figure counts only its own memory). [`versions`] records
//! which allocators these are, because their caching and purging policies change between
//! versions (mimalloc's purge delay went from 10 ms in v2 to 1 s in v3; glibc gained per-thread
//! caches in 2.26), so a footprint is only interpretable next to the version that produced it.
//!
//! `release_free_memory` and `allocator_memory` act on the *selected* allocator only
//! ([`crate::selected`]): another allocator holds nothing of this process's heap, and its figure
//! would only describe its own bookkeeping. `versions` reads all three, whichever is selected.

use serde::{Deserialize, Serialize};

use crate::select::{self, Allocator};

/// The memory the selected allocator says it holds from the operating system, by its own account.
///
/// Each allocator counts differently, so `source` names the figure; compare `bytes` only between
/// figures with the same `source`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AllocatorMemory {
    /// Which figure this is: `jemalloc stats.resident`, `mimalloc committed` or
    /// `glibc mallinfo2 arena+hblkhd` (see [`allocator_memory`]).
    pub source: &'static str,
    /// The figure, in bytes.
    pub bytes: u64,
}

/// The versions of the allocators linked into this binary (`None`: not linked or not readable).
///
/// Recorded with results because allocators' caching and purging policies change between versions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocatorVersions {
    /// jemalloc's own version string (mallctl `version`), e.g. `5.3.0-1-ge13ca993…`.
    pub jemalloc: Option<String>,
    /// mimalloc's version as `major.minor.patch`, e.g. `3.3.2`, decoded from `mi_version()`.
    pub mimalloc: Option<String>,
    /// glibc's version (`gnu_get_libc_version`), e.g. `2.36`; `None` off glibc.
    pub glibc: Option<String>,
}

/// Asks the selected allocator to return its free memory to the operating system now.
///
/// Call it before the "before" reading of a resident-set measurement, on the thread that will run
/// the measured code, while other threads are quiet, so that growth does not depend on what
/// earlier code left cached. What each allocator releases, and what it cannot:
///
/// - **jemalloc**: flushes *this thread's* cache (`thread.tcache.flush`) back to its arena, then
///   purges every arena (`arena.4096.purge`, 4096 being `MALLCTL_ARENAS_ALL`): all unused dirty
///   pages are returned with `madvise(MADV_DONTNEED)` at once instead of decaying over
///   `dirty_decay_ms` (10 s; with the default `muzzy_decay_ms` of 0 they skip `MADV_FREE`). Other threads' caches are not flushed (only a thread can flush its own),
///   so blocks they cache, and the slabs those blocks keep partly used, stay.
/// - **mimalloc**: `mi_collect(true)`: frees *this thread's* empty pages and delayed frees, then
///   purges (decommits, `MADV_DONTNEED` on Linux) all free arena memory of the process now rather
///   than after `purge_delay`. Pages owned by other threads' heaps stay until those threads
///   collect or exit.
/// - **glibc** (`system` on a glibc target): `malloc_trim(0)`: consolidates the fast bins and
///   `madvise(MADV_DONTNEED)`s the whole free pages inside free chunks of *every* arena, and
///   shrinks the main heap's top with `sbrk`. Blocks in per-thread caches (tcache, up to 7 blocks
///   per size up to 1 KiB per thread) count as in use and stay, as does the top chunk of a
///   non-main arena (which glibc already trims when blocks are freed).
/// - **system** elsewhere: nothing (there is no portable call).
///
/// Memory still in use is never released, and fragmentation can pin pages: a single live block
/// keeps its whole page (and, in jemalloc and mimalloc, its slab or page) resident.
pub fn release_free_memory() {
    match select::selected() {
        Allocator::System => glibc::trim(),
        Allocator::Jemalloc => jemalloc::release(),
        Allocator::Mimalloc => mimalloc::collect(),
    }
}

/// The selected allocator's own figure of the memory it holds from the operating system.
///
/// Unlike the resident set, it leaves out code, stacks and other allocators' memory. But each
/// allocator counts differently, and only jemalloc's figure falls when [`release_free_memory`]
/// returns pages with `madvise`: read the resident set to see a release, and this to see what the
/// allocator has set up.
///
/// - **jemalloc**: `stats.resident` after advancing the statistics epoch (its statistics are
///   snapshots refreshed only by an epoch advance): pages of metadata, of live blocks and unused
///   dirty pages not yet purged. An upper bound (it counts mapped pages, touched or not); falls
///   when pages are purged.
/// - **mimalloc**: the committed bytes of `mi_process_info` (`current_commit`): memory mimalloc
///   has made readable and writable. On Linux mimalloc purges with `madvise(MADV_DONTNEED)`, after
///   which the pages need no recommit, so it keeps counting them as committed: the figure falls
///   only when memory is unmapped, and is closer to the most arena memory mimalloc has used than
///   to what it holds now.
/// - **glibc**: `mallinfo2`'s `arena + hblkhd`: the size of glibc's heaps (the `sbrk` heap and
///   per-thread-arena heaps) plus its `mmap`ped large blocks. Pages `malloc_trim` returns with
///   `madvise` stay inside the heaps and so stay counted; the figure falls only when a heap's top
///   shrinks or a large block is unmapped.
///
/// `None` for `system` off glibc, or if jemalloc does not answer.
pub fn allocator_memory() -> Option<AllocatorMemory> {
    match select::selected() {
        Allocator::System => glibc::memory(),
        Allocator::Jemalloc => jemalloc::memory(),
        Allocator::Mimalloc => Some(mimalloc::memory()),
    }
}

/// The versions of jemalloc, mimalloc and glibc linked into this binary, whichever is selected.
///
/// Reading jemalloc's version is one `mallctl` call: in a process not running on jemalloc it makes
/// jemalloc initialise its own metadata (as [`proof`](crate::proof()) does anyway), but never
/// makes it serve an allocation. mimalloc's and glibc's are constants in the libraries, read
/// without initialising anything.
pub fn versions() -> AllocatorVersions {
    AllocatorVersions {
        jemalloc: jemalloc::version(),
        mimalloc: Some(mimalloc::version()),
        glibc: glibc::version(),
    }
}

mod jemalloc {
    use std::ffi::CStr;
    use std::ptr;

    use super::AllocatorMemory;

    /// `arena.<MALLCTL_ARENAS_ALL>.purge`: 4096 is jemalloc's `MALLCTL_ARENAS_ALL`, the arena
    /// index meaning "every arena" (a C macro that tikv-jemalloc-sys does not export).
    pub(super) const PURGE_ALL: &CStr = c"arena.4096.purge";

    /// Calls a mallctl that takes and returns nothing; true if jemalloc accepted it.
    ///
    /// tikv-jemalloc-ctl 0.6 has no such call: its `raw::write` always passes a value, and
    /// jemalloc rejects any buffer given to these controls with EPERM.
    pub(super) fn void_mallctl(name: &CStr) -> bool {
        // SAFETY: `name` is NUL-terminated. Null `oldp`/`oldlenp`/`newp` with `newlen` 0 is how
        // jemalloc's manual says to call a control that neither reads nor writes a value; jemalloc
        // validates the name and returns an error code for an unknown one. Safe to call whether or
        // not jemalloc serves this process (it initialises itself if needed).
        let rc = unsafe {
            tikv_jemalloc_sys::mallctl(
                name.as_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                0,
            )
        };
        rc == 0
    }

    pub(super) fn release() {
        // Failure is not an error for a best-effort release: `thread.tcache.flush` fails (EFAULT)
        // on a thread without a cache, and the purge still helps.
        void_mallctl(c"thread.tcache.flush");
        void_mallctl(PURGE_ALL);
    }

    pub(super) fn memory() -> Option<AllocatorMemory> {
        tikv_jemalloc_ctl::epoch::advance().ok()?;
        let bytes = tikv_jemalloc_ctl::stats::resident::read().ok()?;
        Some(AllocatorMemory {
            source: "jemalloc stats.resident",
            bytes: bytes as u64,
        })
    }

    pub(super) fn version() -> Option<String> {
        // tikv-jemalloc-ctl 0.6 keeps the C string's terminating NUL in the `&str` it returns.
        let version = tikv_jemalloc_ctl::version::read().ok()?;
        Some(version.trim_end_matches('\0').to_owned())
    }
}

mod mimalloc {
    use std::ptr;

    use super::AllocatorMemory;

    pub(super) fn collect() {
        // SAFETY: `mi_collect` takes no pointers; it collects the calling thread's heap (set up on
        // demand) and purges mimalloc's arenas under their own locks. Safe from any thread.
        unsafe { libmimalloc_sys::mi_collect(true) }
    }

    pub(super) fn memory() -> AllocatorMemory {
        let mut commit: usize = 0;
        // SAFETY: every output pointer of `mi_process_info` may be null (it checks each); the one
        // given points to a live local. It only reads mimalloc's process-wide atomic statistics
        // and `getrusage`.
        unsafe {
            libmimalloc_sys::mi_process_info(
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                ptr::null_mut(),
                &mut commit,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        AllocatorMemory {
            source: "mimalloc committed",
            bytes: commit as u64,
        }
    }

    pub(super) fn version() -> String {
        // SAFETY: `mi_version` takes no arguments and returns a compile-time constant.
        decode_version(unsafe { libmimalloc_sys::mi_version() })
    }

    /// `mi_version()` as `major.minor.patch`.
    ///
    /// mimalloc changed the encoding: older releases used major·100 + minor·10 + patch (`217` is
    /// 2.1.7, as libmimalloc-sys's docs still say), the bundled ones major·10000 + minor·100 +
    /// patch (`30302` is 3.3.2, `20302` is 2.3.2). A number that fits neither is given as is.
    pub(super) fn decode_version(v: libc::c_int) -> String {
        match v {
            10_000.. => format!("{}.{}.{}", v / 10_000, v / 100 % 100, v % 100),
            100..=999 => format!("{}.{}.{}", v / 100, v / 10 % 10, v % 10),
            _ => v.to_string(),
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    use std::ffi::CStr;

    use super::AllocatorMemory;

    pub(super) fn trim() {
        // SAFETY: `malloc_trim` takes no pointers; it locks each arena in turn and only returns
        // free memory. Safe at any time, whether or not glibc malloc was used.
        unsafe { libc::malloc_trim(0) };
    }

    pub(super) fn memory() -> Option<AllocatorMemory> {
        // SAFETY: as in `proof::glibc_in_use`: no arguments, only reads glibc's statistics under
        // its arena locks, safe at any time.
        let info = unsafe { libc::mallinfo2() };
        Some(AllocatorMemory {
            source: "glibc mallinfo2 arena+hblkhd",
            bytes: (info.arena + info.hblkhd) as u64,
        })
    }

    pub(super) fn version() -> Option<String> {
        // SAFETY: `gnu_get_libc_version` takes no arguments and returns a pointer to a static
        // NUL-terminated string, valid for the life of the process.
        let version = unsafe { CStr::from_ptr(libc::gnu_get_libc_version()) };
        version.to_str().ok().map(str::to_owned)
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod glibc {
    use super::AllocatorMemory;

    pub(super) fn trim() {}

    pub(super) fn memory() -> Option<AllocatorMemory> {
        None
    }

    pub(super) fn version() -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mimalloc_versions_decode() {
        assert_eq!(mimalloc::decode_version(217), "2.1.7");
        assert_eq!(mimalloc::decode_version(188), "1.8.8");
        assert_eq!(mimalloc::decode_version(20302), "2.3.2");
        assert_eq!(mimalloc::decode_version(30302), "3.3.2");
        assert_eq!(mimalloc::decode_version(31012), "3.10.12");
        assert_eq!(mimalloc::decode_version(42), "42");
    }

    /// jemalloc accepts the purge of every arena as a void call (a misspelt name or a buffer
    /// where it wants none would be refused), even in a process that does not allocate with it.
    #[test]
    fn jemalloc_accepts_the_void_purge() {
        assert!(jemalloc::void_mallctl(jemalloc::PURGE_ALL));
        assert!(!jemalloc::void_mallctl(c"arena.4096.no_such_control"));
    }

    /// The unit-test binary runs on Rust's default allocator (system): every call works, and the
    /// versions are read whatever is selected.
    #[test]
    fn callable_without_perflab_allocator() {
        release_free_memory();
        let v = versions();
        let jem = v.jemalloc.as_deref().unwrap();
        assert!(jem.starts_with("5.") && !jem.contains('\0'), "{jem:?}");
        let mi = v.mimalloc.as_deref().unwrap();
        assert_eq!(mi.split('.').count(), 3, "{mi}");
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            assert!(
                v.glibc.as_deref().is_some_and(|g| g.starts_with("2.")),
                "{v:?}"
            );
            // Decided from the environment here; only system is known to be Rust's default.
            if crate::selected() == Allocator::System {
                let m = allocator_memory().expect("glibc answers");
                assert_eq!(m.source, "glibc mallinfo2 arena+hblkhd");
            }
        }
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<AllocatorVersions>(&json).unwrap(), v);
    }
}
