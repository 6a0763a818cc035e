//! `release_free_memory` and `allocator_memory` under mimalloc (see `support/footprint.rs`).

use perflab_alloc::{Allocator, PerflabAllocator};

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::fixed(Allocator::Mimalloc);

#[path = "support/footprint.rs"]
mod footprint;

use footprint::Figure;

#[test]
fn release_returns_freed_memory() {
    footprint::check(Allocator::Mimalloc, "mimalloc committed", Figure::Stays);
}
