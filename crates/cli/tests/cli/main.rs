//! The command line as a user meets it: every command's outputs, exit codes and refusals; runs
//! that are interrupted, crash, hang, are sharded, resumed or compared A/B; profiles; threads.
//! The test-only `selftest` workload supplies deliberately broken variants.
//!
//! One test binary, with a file per command (or per concern that spans commands: signals,
//! threads, results no reader accepts) and their helpers in `common`. Every file directly under
//! `tests/` would be a binary of its own: each linked separately, and run one after another by
//! `cargo test`. As modules of one binary they are linked once, and their tests run side by side.

mod common;

mod ab;
mod compare;
mod flame;
mod flame_report;
mod instructions;
mod list;
mod live;
mod merge;
mod readers;
mod resume;
mod run;
mod signals;
mod threads;
mod usage;
mod verify;
