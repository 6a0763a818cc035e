//! `cargo bench --bench system`: criterion under system, generated from the registry.
perflab::bench::main!(System, own_kernels::register);
