//! `cargo bench --bench mimalloc`: the whole catalogue under mimalloc.
//!
//! The allocator is fixed at compile time, so this target measures `mimalloc` whatever
//! `PERFLAB_ALLOCATOR` says; the benchmarks themselves live in `perflab_benches`.

#[global_allocator]
static GLOBAL: perflab_alloc::PerflabAllocator =
    perflab_alloc::PerflabAllocator::fixed(perflab_alloc::Allocator::Mimalloc);

fn main() {
    perflab_benches::main(perflab_alloc::Allocator::Mimalloc);
}
