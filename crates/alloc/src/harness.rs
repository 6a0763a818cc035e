//! The harness's view of these counters: [`HarnessProbe`] implements perflab-harness's
//! `AllocProbe`, so the measuring processes of `perflab run` and the counting pass of
//! `cargo bench` read allocations through the same probe. The harness cannot depend on this
//! crate (a binary owns the global allocator), so the bridge lives here, behind the `harness`
//! feature.

use perflab_harness::footprint::AllocatorMemory;
use perflab_harness::probe::{AllocCounts, AllocProbe};

/// perflab's global allocator's counters, as the harness reads them. Meaningful only in a
/// binary whose global allocator is [`crate::Allocator`] (see [`crate::installed`]); elsewhere
/// every count reads zero.
pub struct HarnessProbe;

impl AllocProbe for HarnessProbe {
    fn snapshot(&self) -> AllocCounts {
        let s = crate::snapshot();
        AllocCounts {
            allocs: s.allocations,
            deallocs: s.deallocations,
            reallocs: s.reallocations,
            bytes_allocated: s.bytes_allocated,
            live_bytes: s.live_bytes,
            peak_live_bytes: s.peak_live_bytes,
        }
    }

    fn reset_peak(&self) {
        crate::reset_peak();
    }

    fn set_counting(&self, on: bool) -> bool {
        crate::set_counting(on)
    }

    fn release_free_memory(&self) {
        crate::release_free_memory();
    }

    fn allocator_memory(&self) -> Option<AllocatorMemory> {
        crate::allocator_memory().map(|m| AllocatorMemory {
            source: m.source.to_owned(),
            bytes: m.bytes,
        })
    }
}
