//! The process's global allocator: the selected allocator behind the process-wide counters.
//!
//! The binary declares one `static` of [`PerflabAllocator`]; the free functions here read and
//! steer the counters of that one layer, so the harness needs no handle to the static.

use std::alloc::{GlobalAlloc, Layout, System};

use mimalloc::MiMalloc;
use tikv_jemallocator::Jemalloc;

use crate::counting::{AllocDelta, AllocStats, Counting};
use crate::select::{self, Allocator};

/// Forwards each call to the allocator chosen by `PERFLAB_ALLOCATOR`, without counting.
///
/// Zero-sized; the choice lives in a process-wide atomic decided on the first allocation, so every
/// instance (and every [`PerflabAllocator`]) agrees. Exposed so that the cost of counting can be
/// measured against the dispatch alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct Selected;

// SAFETY: `select::current` returns the same allocator for the whole life of the process (decided
// once, never changed), so every block is freed or resized by the allocator that made it, and each
// of `System`, `Jemalloc` and `MiMalloc` upholds the `GlobalAlloc` contract. Deciding never
// allocates, so the first call cannot re-enter.
unsafe impl GlobalAlloc for Selected {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `alloc` contract is forwarded unchanged to the selected allocator.
        unsafe {
            match select::current() {
                Allocator::System => System.alloc(layout),
                Allocator::Jemalloc => Jemalloc.alloc(layout),
                Allocator::Mimalloc => MiMalloc.alloc(layout),
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's `alloc_zeroed` contract is forwarded unchanged.
        unsafe {
            match select::current() {
                Allocator::System => System.alloc_zeroed(layout),
                Allocator::Jemalloc => Jemalloc.alloc_zeroed(layout),
                Allocator::Mimalloc => MiMalloc.alloc_zeroed(layout),
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was made by this allocator, i.e. by the one `current` returns (it never
        // changes), with `layout`; forwarded unchanged.
        unsafe {
            match select::current() {
                Allocator::System => System.dealloc(ptr, layout),
                Allocator::Jemalloc => Jemalloc.dealloc(ptr, layout),
                Allocator::Mimalloc => MiMalloc.dealloc(ptr, layout),
            }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller's `realloc` contract is forwarded unchanged.
        unsafe {
            match select::current() {
                Allocator::System => System.realloc(ptr, layout, new_size),
                Allocator::Jemalloc => Jemalloc.realloc(ptr, layout, new_size),
                Allocator::Mimalloc => MiMalloc.realloc(ptr, layout, new_size),
            }
        }
    }
}

/// The one counting layer of the process, shared by every [`PerflabAllocator`] value.
static GLOBAL: Counting<Selected> = Counting::new(Selected);

/// The global allocator for perflab binaries: the selected allocator, counted.
///
/// ```no_run
/// #[global_allocator]
/// static GLOBAL: perflab_alloc::PerflabAllocator = perflab_alloc::PerflabAllocator::new();
/// # fn main() {}
/// ```
///
/// All values share one set of process-wide counters, read with [`snapshot`].
///
/// [`PerflabAllocator::fixed`] instead pins one allocator at compile time, for build targets
/// that are one allocator by construction (a `cargo bench` target per allocator), while keeping
/// the counters, [`selection`](crate::selection) and [`proof`](crate::proof()) working.
#[derive(Clone, Copy, Debug, Default)]
pub struct PerflabAllocator {
    /// `None`: chosen by `PERFLAB_ALLOCATOR`; `Some(a)`: always `a`, the variable ignored.
    fixed: Option<Allocator>,
}

impl PerflabAllocator {
    /// The allocator value for the `#[global_allocator]` static: chosen by `PERFLAB_ALLOCATOR`.
    pub const fn new() -> Self {
        PerflabAllocator { fixed: None }
    }

    /// An allocator value that always uses `allocator`, ignoring `PERFLAB_ALLOCATOR`.
    ///
    /// ```
    /// use perflab_alloc::{Allocator, PerflabAllocator};
    /// #[global_allocator]
    /// static GLOBAL: PerflabAllocator = PerflabAllocator::fixed(Allocator::Mimalloc);
    ///
    /// fn main() {
    ///     // Right, even as the first thing in `main`, before anything else may have allocated.
    ///     assert_eq!(perflab_alloc::selection(), Ok(Allocator::Mimalloc));
    /// }
    /// ```
    pub const fn fixed(allocator: Allocator) -> Self {
        PerflabAllocator {
            fixed: Some(allocator),
        }
    }

    /// For a fixed allocator, makes it the process's decision before the first allocation
    /// (after that, one load of the decided state). Deallocation and reallocation need not
    /// call this: they only ever follow an allocation.
    #[inline]
    fn decide(&self) {
        if let Some(allocator) = self.fixed {
            select::decide(allocator);
        }
    }
}

// SAFETY: forwards every call unchanged to `GLOBAL`, a `Counting<Selected>`, which upholds the
// `GlobalAlloc` contract (see the impls of `Counting` and `Selected`).
unsafe impl GlobalAlloc for PerflabAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.decide();
        // SAFETY: forwarded unchanged.
        unsafe { GLOBAL.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.decide();
        // SAFETY: forwarded unchanged.
        unsafe { GLOBAL.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` was made by `GLOBAL` through this same type.
        unsafe { GLOBAL.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; `ptr` was made by `GLOBAL` through this same type.
        unsafe { GLOBAL.realloc(ptr, layout, new_size) }
    }
}

/// The process-wide counters now (all zero if [`PerflabAllocator`] is not the global allocator).
pub fn snapshot() -> AllocStats {
    GLOBAL.snapshot()
}

/// Sets the peak to the current live bytes, so the next [`snapshot`]'s peak belongs to a new region.
pub fn reset_peak() {
    GLOBAL.reset_peak()
}

/// Turns the process-wide counting on (the default) or off; returns the previous setting.
///
/// Off, each call costs one extra relaxed load and nothing is counted; live and peak bytes are
/// then exact again only for blocks allocated and freed after counting is back on. Meant for
/// timing-only runs on many threads, where the shared counters' cache line is contended.
pub fn set_counting(on: bool) -> bool {
    GLOBAL.set_counting(on)
}

/// Whether a [`PerflabAllocator`] is this process's global allocator.
///
/// Why: a binary that forgot its `#[global_allocator]` line still links this crate, so
/// [`selection`](crate::selection) would happily report the allocator `PERFLAB_ALLOCATOR` names
/// while every block really came from somewhere else, and the counters would read zero. Results
/// labelled `jemalloc` that ran on glibc, with "no allocations", would be worse than none. The
/// check allocates one small block with counting on and sees whether the counters moved: only
/// the layer behind a `PerflabAllocator` moves them.
pub fn installed() -> bool {
    let was = GLOBAL.set_counting(true);
    let before = GLOBAL.snapshot().allocations;
    // black_box keeps the compiler from eliding an allocation nobody reads.
    drop(std::hint::black_box(Box::new(std::hint::black_box(0u64))));
    let after = GLOBAL.snapshot().allocations;
    GLOBAL.set_counting(was);
    after > before
}

/// Runs `f` as a measured region: resets the peak, snapshots, runs, snapshots again.
///
/// Counts everything allocated in the process meanwhile, so run it when other threads are quiet.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, AllocDelta) {
    reset_peak();
    let before = snapshot();
    let out = f();
    let after = snapshot();
    (out, after - before)
}
