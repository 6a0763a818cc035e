//! `cargo bench --bench mimalloc`: criterion under mimalloc, generated from the registry.
perflab::bench::main!(Mimalloc, own_kernels::register);
