//! `cargo bench --bench mimalloc`: the whole catalogue under mimalloc.
//!
//! The allocator is fixed at compile time, so this target measures `mimalloc` whatever
//! `PERFLAB_ALLOCATOR` says; the benchmarks themselves live in `perflab_benches`, and a user's
//! crate writes the same line with its own registration.

perflab_benches::main!(Mimalloc, perflab_catalog::register);
