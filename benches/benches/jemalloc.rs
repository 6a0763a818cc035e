//! `cargo bench --bench jemalloc`: the whole catalogue under jemalloc (tikv-jemallocator).
//!
//! The allocator is fixed at compile time, so this target measures `jemalloc` whatever
//! `PERFLAB_ALLOCATOR` says; the benchmarks themselves live in `perflab_benches`, and a user's
//! crate writes the same line with its own registration.

perflab_benches::main!(Jemalloc, perflab_catalog::register);
