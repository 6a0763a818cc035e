//! `release_free_memory` and `allocator_memory` under system (see `support/footprint.rs`).

use perflab_alloc::{Allocator, PerflabAllocator};

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::fixed(Allocator::System);

#[path = "support/footprint.rs"]
mod footprint;

use footprint::Figure;

#[test]
#[cfg_attr(
    not(all(target_os = "linux", target_env = "gnu")),
    ignore = "system has no figure or release call off glibc"
)]
fn release_returns_freed_memory() {
    footprint::check(
        Allocator::System,
        "glibc mallinfo2 arena+hblkhd",
        Figure::Stays,
    );
}
