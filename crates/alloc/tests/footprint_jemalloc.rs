//! `release_free_memory` and `allocator_memory` under jemalloc (see `support/footprint.rs`).

use perflab_alloc::{Allocator, PerflabAllocator};

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::fixed(Allocator::Jemalloc);

#[path = "support/footprint.rs"]
mod footprint;

use footprint::Figure;

#[test]
fn release_returns_freed_memory() {
    footprint::check(
        Allocator::Jemalloc,
        "jemalloc stats.resident",
        Figure::Falls,
    );
}
