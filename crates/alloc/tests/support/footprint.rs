//! The body of the `footprint_*` tests, one test binary per allocator (a global allocator is
//! chosen once per process). Each binary has this one test, so no other test of the same process
//! allocates or frees while the resident set is read.

use std::hint::black_box;

use perflab_alloc::{
    Allocator, AllocatorMemory, allocator_memory, proof, release_free_memory, selection, versions,
};

const MIB: u64 = 1 << 20;

/// What the test allocates in all: enough to stand far above the noise of the test harness.
const TOTAL: usize = 64 << 20;

/// How far above its starting point the resident set may stay after the release: the tiny
/// blocks of the test harness and of this test (its list of blocks), plus allocator metadata.
const SLACK: u64 = 8 * MIB;

/// The process's resident set in bytes (`VmRSS`), on Linux.
#[cfg(target_os = "linux")]
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .expect("VmRSS line");
    let kib: u64 = line["VmRSS:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("VmRSS in kB");
    kib * 1024
}

#[cfg(not(target_os = "linux"))]
fn rss() -> u64 {
    0
}

fn memory() -> AllocatorMemory {
    allocator_memory().expect("the selected allocator reports its memory")
}

/// ~64 MiB in blocks of 1–64 KiB (sizes from a fixed pseudo-random sequence), every page written.
fn allocate() -> Vec<Vec<u8>> {
    let mut blocks = Vec::with_capacity(TOTAL / 1024);
    let mut total = 0;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    while total < TOTAL {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let size = 1024 + (state >> 33) as usize % (63 * 1024 + 1);
        // Not `vec![0; n]`: zeroed allocations may map fresh pages without touching them.
        blocks.push(black_box(vec![0xA5u8; size]));
        total += size;
    }
    blocks
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

/// Whether the allocator's own figure falls when it returns memory with `madvise`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[allow(dead_code, reason = "each test binary names one variant")]
pub enum Figure {
    /// jemalloc's `stats.resident` stops counting purged pages.
    Falls,
    /// glibc's heap size and mimalloc's committed bytes (on Linux, where mimalloc purges with
    /// `MADV_DONTNEED` and counts the pages as still committed) keep counting pages the release
    /// returned: only the resident set shows it. They must not rise, though.
    Stays,
}

/// Allocates, frees and releases under `expect`, and checks that the release brings the resident
/// set (and, where it counts released pages, the allocator's own figure) back near the start.
pub fn check(expect: Allocator, source: &str, figure: Figure) {
    assert_eq!(selection(), Ok(expect));
    let p = proof();
    assert!(p.confirmed(), "{p}");

    let v = versions();
    let jem = v.jemalloc.as_deref().expect("jemalloc is linked");
    assert!(
        jem.starts_with(|c: char| c.is_ascii_digit()) && !jem.contains('\0'),
        "{jem:?}"
    );
    let mi = v.mimalloc.as_deref().expect("mimalloc is linked");
    assert!(
        mi.split('.').count() == 3 && mi.split('.').all(|n| n.parse::<u32>().is_ok()),
        "{mi}"
    );
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        assert!(
            v.glibc.as_deref().is_some_and(|g| g.starts_with("2.")),
            "{v:?}"
        );
    }

    // Start from what the allocator holds once its free memory is gone.
    release_free_memory();
    let (rss_start, mem_start) = (rss(), memory());
    assert_eq!(mem_start.source, source);

    let blocks = allocate();
    let (rss_held, mem_held) = (rss(), memory());
    drop(blocks);
    let (rss_freed, mem_freed) = (rss(), memory());
    release_free_memory();
    let (rss_released, mem_released) = (rss(), memory());

    let report = format!(
        "{expect}: RSS MiB start {:.1}, held {:.1}, freed {:.1}, released {:.1}; \
         {source} MiB start {:.1}, held {:.1}, freed {:.1}, released {:.1}",
        mib(rss_start),
        mib(rss_held),
        mib(rss_freed),
        mib(rss_released),
        mib(mem_start.bytes),
        mib(mem_held.bytes),
        mib(mem_freed.bytes),
        mib(mem_released.bytes),
    );
    eprintln!("{report}; {v:?}");

    // The allocator saw the blocks: its figure rose by most of them while they were live.
    assert!(mem_held.bytes >= mem_start.bytes + 48 * MIB, "{report}");
    // The release never makes it hold more; where the figure counts released pages, it is back
    // near the start.
    assert!(mem_released.bytes <= mem_freed.bytes, "{report}");
    if figure == Figure::Falls {
        assert!(mem_released.bytes <= mem_start.bytes + SLACK, "{report}");
    }

    if cfg!(target_os = "linux") {
        // The pages really were resident (every one was written)...
        assert!(rss_held >= rss_start + 48 * MIB, "{report}");
        // ...and after the release they are gone again, whatever the allocator kept at free time.
        assert!(rss_released <= rss_start + SLACK, "{report}");
        assert!(rss_released <= rss_freed + MIB, "{report}");
    }
}
