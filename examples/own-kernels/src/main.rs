//! `cargo run --release -- run`: every perflab command on this crate's kernels.
perflab::main!(own_kernels::register);
