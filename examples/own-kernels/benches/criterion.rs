//! `cargo bench`: criterion under system, jemalloc and mimalloc, generated from the registry.
perflab::bench!(own_kernels::register);
