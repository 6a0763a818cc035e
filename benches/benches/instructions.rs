//! `cargo bench --bench instructions`: callgrind instruction counts of every supported variant
//! at 64KiB, through gungraun (needs valgrind and `gungraun-runner` 0.20.0; see
//! `scripts/install-gungraun-runner.sh`).
//!
//! Benchmarks are generated at run time from the registry (`iter = cases(register)`), so they
//! are named `all_<n>` by position; `perflab_benches::instructions::describe(register)` (printed
//! by the `instruction_counts` test) maps each back to `workload/64KiB/variant`.

// gungraun's macros generate public modules, constants and functions without doc comments.
#![allow(missing_docs)]

perflab_benches::instructions!(perflab_catalog::register);
