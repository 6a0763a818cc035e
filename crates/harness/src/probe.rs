//! The harness's view of a process's allocation counters.
//!
//! The harness cannot own the global allocator (a binary does), so it reads counters through
//! [`AllocProbe`], which the binary implements over perflab-alloc. Counting costs a few
//! nanoseconds per allocation, so it is switched off while samples are timed and on for a
//! separate, untimed counting pass.

use serde::{Deserialize, Serialize};

/// Iterations of a counting pass (and of the footprint pass after it), the same in `perflab
/// run` and `cargo bench`: enough to average out one-off growth, few enough to be cheap.
pub const COUNT_ITERS: u64 = 16;

/// Runs `f` (`iters` calls of a variant on `ctx`) as a counted region: the counters are on for
/// exactly that region and restored after, the peak is reset just before it, and the arena's own
/// peak is read for it alone. The one counting pass `perflab run`'s peers and `cargo bench` share.
pub fn counted<R>(
    probe: &dyn AllocProbe,
    iters: u64,
    ctx: &mut perflab_core::Ctx,
    f: impl FnOnce(&mut perflab_core::Ctx) -> R,
) -> (R, Tally) {
    let was = probe.set_counting(true);
    ctx.take_arena_peak();
    probe.reset_peak();
    let before = probe.snapshot();
    let out = f(ctx);
    let after = probe.snapshot();
    probe.set_counting(was);
    let arena_peak = ctx.take_arena_peak() as u64;
    (out, Tally::between(iters, before, after, arena_peak))
}

/// Counters of a counting global allocator, as read at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocations (not counting reallocations).
    pub allocs: u64,
    /// Deallocations.
    pub deallocs: u64,
    /// Reallocations.
    pub reallocs: u64,
    /// Bytes requested by allocations and by the growth of reallocations.
    pub bytes_allocated: u64,
    /// Bytes currently live.
    pub live_bytes: u64,
    /// The most bytes live since the last [`AllocProbe::reset_peak`].
    pub peak_live_bytes: u64,
}

/// Access to the process's allocation counters. The binary that owns the global allocator
/// implements it; the harness only reads it around untimed counting passes. `Sync`: the
/// footprint pass asks every measuring thread to release its allocator's free memory itself.
pub trait AllocProbe: Sync {
    /// The counters now. Must not allocate.
    fn snapshot(&self) -> AllocCounts;
    /// Makes the peak equal to the current live bytes, so a region's own peak can be read.
    fn reset_peak(&self);
    /// Turns counting on or off; returns the previous setting. Timed samples run with counting
    /// off (it costs a few ns per allocation), and allocations are counted in a separate pass.
    fn set_counting(&self, on: bool) -> bool;
    /// Asks the allocator to return the memory it holds free to the OS, so that a footprint
    /// measured next does not depend on what ran before in the process. Default: nothing.
    fn release_free_memory(&self) {}
    /// The allocator's own figure of the memory it holds from the OS, if it keeps one.
    fn allocator_memory(&self) -> Option<crate::footprint::AllocatorMemory> {
        None
    }
}

/// What one variant's counting pass found: totals over `iters` iterations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Iterations counted.
    pub iters: u64,
    /// Allocations (reallocations not included).
    pub allocs: u64,
    /// Reallocations.
    pub reallocs: u64,
    /// Bytes requested.
    pub bytes: u64,
    /// Peak live bytes above the level before the pass.
    pub peak: u64,
    /// Bytes the arena held at its fullest during the pass (arena variants).
    pub arena_peak: u64,
}

impl Tally {
    /// What happened between two snapshots of the counters around `iters` calls (reset the peak
    /// just before `before`, so that `after`'s peak is the region's own), with the arena's own
    /// figure beside it.
    pub fn between(iters: u64, before: AllocCounts, after: AllocCounts, arena_peak: u64) -> Tally {
        Tally {
            iters,
            allocs: after.allocs.saturating_sub(before.allocs),
            reallocs: after.reallocs.saturating_sub(before.reallocs),
            bytes: after.bytes_allocated.saturating_sub(before.bytes_allocated),
            peak: after.peak_live_bytes.saturating_sub(before.live_bytes),
            arena_peak,
        }
    }

    /// A per-iteration figure of one of the totals.
    pub fn per_iter(&self, total: u64) -> f64 {
        total as f64 / self.iters.max(1) as f64
    }
}
