//! `cargo bench --bench jemalloc`: the whole catalogue under jemalloc (tikv-jemallocator).
//!
//! The allocator is fixed at compile time, so this target measures `jemalloc` whatever
//! `PERFLAB_ALLOCATOR` says; the benchmarks themselves live in `perflab_benches`.

#[global_allocator]
static GLOBAL: perflab_alloc::PerflabAllocator =
    perflab_alloc::PerflabAllocator::fixed(perflab_alloc::Allocator::Jemalloc);

fn main() {
    perflab_benches::main(perflab_alloc::Allocator::Jemalloc);
}
