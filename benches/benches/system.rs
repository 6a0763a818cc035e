//! `cargo bench --bench system`: the whole catalogue under the platform allocator (glibc malloc).
//!
//! The allocator is fixed at compile time, so this target measures `system` whatever
//! `PERFLAB_ALLOCATOR` says; the benchmarks themselves live in `perflab_benches`, and a user's
//! crate writes the same line with its own registration.

perflab_benches::main!(System, perflab_catalog::register);
