//! `cargo bench --bench system`: the whole catalogue under the platform allocator (glibc malloc).
//!
//! The allocator is fixed at compile time, so this target measures `system` whatever
//! `PERFLAB_ALLOCATOR` says; the benchmarks themselves live in `perflab_benches`.

#[global_allocator]
static GLOBAL: perflab_alloc::PerflabAllocator =
    perflab_alloc::PerflabAllocator::fixed(perflab_alloc::Allocator::System);

fn main() {
    perflab_benches::main(perflab_alloc::Allocator::System);
}
