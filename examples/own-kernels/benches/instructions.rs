//! `cargo bench --bench instructions`: callgrind instruction counts (valgrind, gungraun-runner).
perflab::bench::instructions!(own_kernels::register);
