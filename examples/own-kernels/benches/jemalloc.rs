//! `cargo bench --bench jemalloc`: criterion under jemalloc, generated from the registry.
perflab::bench::main!(Jemalloc, own_kernels::register);
