//! `cargo bench --bench instructions`: callgrind instruction counts of every supported variant
//! at 64KiB, through gungraun (needs valgrind and `gungraun-runner` 0.20.0; see
//! `scripts/install-gungraun-runner.sh`).
//!
//! Benchmarks are generated at run time from the registry (`iter = cases()`), so they are named
//! `all_<n>` by position; `perflab_benches::instructions::describe()` (printed by the
//! `instruction_counts` test) maps each back to `workload/64KiB/variant`.

// gungraun's macros generate public modules, constants and functions without doc comments.
#![allow(missing_docs)]

use gungraun::{library_benchmark, library_benchmark_group, main};
use perflab_benches::instructions::{self, Ready};
use std::hint::black_box;

#[library_benchmark]
#[benches::all(iter = instructions::cases(), setup = instructions::setup)]
fn variant(ready: Ready) -> Ready {
    black_box(instructions::run(black_box(ready)))
}

library_benchmark_group!(name = catalogue; benchmarks = variant);

main!(library_benchmark_groups = catalogue);
