//! Allocation counting: a layer around any `GlobalAlloc` that counts what passes through it.
//!
//! The harness reports allocations, bytes allocated and peak live bytes per iteration for every
//! variant, so the counters must be exact across threads (atomic read-modify-writes: no event is
//! ever lost) and cheap enough to leave on (a handful of uncontended atomic adds per call; the
//! measured cost is in the crate docs).
//!
//! Exact definitions (all sizes are the `Layout::size()` the program *requested*, not the usable
//! size the allocator rounded up to, so the figures are the same under every allocator):
//! - `allocations`: successful `alloc` and `alloc_zeroed` calls.
//! - `deallocations`: `dealloc` calls.
//! - `reallocations`: successful `realloc` calls, growing or shrinking (not counted as allocations).
//! - `bytes_allocated`: sum of the sizes of successful allocations, plus `new_size - old_size` of
//!   every successful `realloc` that grows. (Shrinking and copying add nothing.)
//! - `live_bytes`: sizes currently allocated (allocated or grown, minus freed or shrunk).
//! - `peak_live_bytes`: the largest `live_bytes` seen since start or the last `reset_peak`.
//!
//! Failed allocations (null) are not counted.

use std::alloc::{GlobalAlloc, Layout};
use std::ops::Sub;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

use serde::Serialize;

/// A snapshot of the counters at one moment (see the module docs for the exact definitions).
///
/// Take one before and one after a measured region and subtract them (`after - before` or
/// [`delta`]). Counters are read one by one, so a snapshot taken while other threads allocate is
/// not a single consistent cut; each counter on its own is exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AllocStats {
    /// Successful `alloc`/`alloc_zeroed` calls.
    pub allocations: u64,
    /// `dealloc` calls.
    pub deallocations: u64,
    /// Successful `realloc` calls (grow or shrink).
    pub reallocations: u64,
    /// Requested bytes of allocations plus the growth of growing reallocations.
    pub bytes_allocated: u64,
    /// Requested bytes currently allocated.
    pub live_bytes: u64,
    /// Largest `live_bytes` since process start or the last `reset_peak`.
    pub peak_live_bytes: u64,
}

/// What happened between two [`AllocStats`] snapshots: `after - before`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AllocDelta {
    /// Allocations made in the region.
    pub allocations: u64,
    /// Deallocations made in the region.
    pub deallocations: u64,
    /// Reallocations made in the region.
    pub reallocations: u64,
    /// Bytes allocated in the region (allocations plus growth).
    pub bytes_allocated: u64,
    /// Change of live bytes over the region: positive if the region kept memory (a leak or a
    /// result it returned), negative if it freed memory allocated before it.
    pub live_bytes_change: i64,
    /// How far live bytes rose above their level at the start of the region, at the highest
    /// point: `after.peak_live_bytes - before.live_bytes`. Exact only if the peak was reset
    /// ([`reset_peak`](crate::reset_peak)) just before `before` was taken, as [`measure`] does.
    ///
    /// [`measure`]: crate::measure
    pub peak_growth_bytes: u64,
}

impl Sub for AllocStats {
    type Output = AllocDelta;

    /// `after - before`; counters that went backwards (a snapshot pair in the wrong order)
    /// saturate at zero rather than wrap.
    fn sub(self, before: AllocStats) -> AllocDelta {
        let after = self;
        AllocDelta {
            allocations: after.allocations.saturating_sub(before.allocations),
            deallocations: after.deallocations.saturating_sub(before.deallocations),
            reallocations: after.reallocations.saturating_sub(before.reallocations),
            bytes_allocated: after.bytes_allocated.saturating_sub(before.bytes_allocated),
            live_bytes_change: (after.live_bytes as i64).wrapping_sub(before.live_bytes as i64),
            peak_growth_bytes: after.peak_live_bytes.saturating_sub(before.live_bytes),
        }
    }
}

/// `after - before`, for callers who prefer a function to the `-` operator.
pub fn delta(before: AllocStats, after: AllocStats) -> AllocDelta {
    after - before
}

/// The counters themselves: atomics, so any number of threads can update them at once.
///
/// Aligned to 128 bytes so that the line every allocation writes does not share a cache line
/// (or an adjacent-line prefetch pair) with read-mostly data such as the allocator selection.
#[repr(align(128))]
#[derive(Debug)]
pub(crate) struct Counters {
    enabled: AtomicBool,
    allocations: AtomicU64,
    deallocations: AtomicU64,
    reallocations: AtomicU64,
    bytes_allocated: AtomicU64,
    // Signed: with counting switched off for a while, frees of blocks counted earlier are missed
    // and allocations are not, or the reverse, so live may dip below zero (reported as 0).
    live: AtomicI64,
    peak: AtomicI64,
}

impl Counters {
    pub(crate) const fn new() -> Self {
        Counters {
            enabled: AtomicBool::new(true),
            allocations: AtomicU64::new(0),
            deallocations: AtomicU64::new(0),
            reallocations: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            live: AtomicI64::new(0),
            peak: AtomicI64::new(0),
        }
    }

    #[inline]
    fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    #[inline]
    fn grow_live(&self, by: usize) {
        let by = by as i64;
        let now = self.live.fetch_add(by, Relaxed).wrapping_add(by);
        // The plain load skips the read-modify-write in the common case of no new peak.
        if now > self.peak.load(Relaxed) {
            self.peak.fetch_max(now, Relaxed);
        }
    }

    #[inline]
    fn on_alloc(&self, size: usize) {
        if self.enabled() {
            self.allocations.fetch_add(1, Relaxed);
            self.bytes_allocated.fetch_add(size as u64, Relaxed);
            self.grow_live(size);
        }
    }

    #[inline]
    fn on_dealloc(&self, size: usize) {
        if self.enabled() {
            self.deallocations.fetch_add(1, Relaxed);
            self.live.fetch_sub(size as i64, Relaxed);
        }
    }

    #[inline]
    fn on_realloc(&self, old: usize, new: usize) {
        if self.enabled() {
            self.reallocations.fetch_add(1, Relaxed);
            if new > old {
                self.bytes_allocated.fetch_add((new - old) as u64, Relaxed);
                self.grow_live(new - old);
            } else {
                self.live.fetch_sub((old - new) as i64, Relaxed);
            }
        }
    }

    pub(crate) fn snapshot(&self) -> AllocStats {
        AllocStats {
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
            reallocations: self.reallocations.load(Relaxed),
            bytes_allocated: self.bytes_allocated.load(Relaxed),
            live_bytes: self.live.load(Relaxed).max(0) as u64,
            peak_live_bytes: self.peak.load(Relaxed).max(0) as u64,
        }
    }

    pub(crate) fn reset_peak(&self) {
        self.peak.store(self.live.load(Relaxed), Relaxed);
        // An allocation racing with the store above may have raised live in between; keep it.
        self.peak.fetch_max(self.live.load(Relaxed), Relaxed);
    }

    pub(crate) fn set_enabled(&self, on: bool) -> bool {
        self.enabled.swap(on, Relaxed)
    }
}

/// Any allocator `A` with its own counters: `Counting::new(System)` counts the system allocator.
///
/// [`PerflabAllocator`](crate::PerflabAllocator) is this around the selected allocator with
/// process-wide counters; use `Counting` directly to count one allocator instance in isolation
/// (for example a test that calls it explicitly, unaffected by other threads' allocations).
#[derive(Debug)]
pub struct Counting<A> {
    inner: A,
    counters: Counters,
}

impl<A> Counting<A> {
    /// Wraps `inner` with zeroed counters, counting on. `const` so it can be a `static`.
    pub const fn new(inner: A) -> Self {
        Counting {
            inner,
            counters: Counters::new(),
        }
    }

    /// The wrapped allocator.
    pub fn inner(&self) -> &A {
        &self.inner
    }

    /// The counters now.
    pub fn snapshot(&self) -> AllocStats {
        self.counters.snapshot()
    }

    /// Sets the peak to the current live bytes, so that the next peak belongs to a new region.
    pub fn reset_peak(&self) {
        self.counters.reset_peak()
    }

    /// Turns counting on or off, returning the previous setting (see [`crate::set_counting`]).
    pub fn set_counting(&self, on: bool) -> bool {
        self.counters.set_enabled(on)
    }
}

// SAFETY: every method forwards its arguments unchanged to `inner`, which upholds the
// `GlobalAlloc` contract, and returns `inner`'s result unchanged; counting only touches atomics
// and never allocates, so it cannot re-enter the allocator.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size), forwarded as is.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            self.counters.on_alloc(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc_zeroed`'s contract, forwarded as is.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            self.counters.on_alloc(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.counters.on_dealloc(layout.size());
        // SAFETY: the caller guarantees `ptr` came from this allocator (so from `inner`) with
        // `layout`, forwarded as is.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `ptr`/`layout` describe a block of this allocator (so
        // of `inner`) and that `new_size` is valid for `layout.align()`; forwarded as is.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            self.counters.on_realloc(layout.size(), new_size);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    #[test]
    fn counts_exactly_on_a_private_instance() {
        let a = Counting::new(System);
        let l800 = Layout::from_size_align(800, 8).unwrap();
        let before = a.snapshot();
        // SAFETY: non-zero sizes; each pointer is freed once, with the layout it was made with.
        unsafe {
            let p = a.alloc(l800);
            let q = a.alloc_zeroed(Layout::from_size_align(200, 8).unwrap());
            let p2 = a.realloc(p, l800, 1000);
            let p3 = a.realloc(p2, Layout::from_size_align(1000, 8).unwrap(), 100);
            a.dealloc(q, Layout::from_size_align(200, 8).unwrap());
            a.dealloc(p3, Layout::from_size_align(100, 8).unwrap());
        }
        let d = a.snapshot() - before;
        assert_eq!(
            d,
            AllocDelta {
                allocations: 2,
                deallocations: 2,
                reallocations: 2,
                bytes_allocated: 800 + 200 + 200,
                live_bytes_change: 0,
                peak_growth_bytes: 1200,
            }
        );
        a.reset_peak();
        assert_eq!(a.snapshot().peak_live_bytes, 0);
    }

    #[test]
    fn switch_off_counts_nothing() {
        let a = Counting::new(System);
        assert!(a.set_counting(false));
        let l = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: non-zero size; freed once with the same layout.
        unsafe { a.dealloc(a.alloc(l), l) };
        assert_eq!(a.snapshot(), AllocStats::default());
        assert!(!a.set_counting(true));
    }

    #[test]
    fn delta_saturates_and_serializes() {
        let big = AllocStats {
            allocations: 5,
            live_bytes: 10,
            ..AllocStats::default()
        };
        let d = delta(big, AllocStats::default());
        assert_eq!(d.allocations, 0);
        assert_eq!(d.live_bytes_change, -10);
        let json = serde_json::to_string(&big).unwrap();
        assert!(json.contains("\"peak_live_bytes\":0"), "{json}");
    }
}
