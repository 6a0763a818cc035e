//! perflab-harness: how perflab measures, and what it writes down.
//!
//! - [`stats`]: pure statistics (median, MAD, bootstrap CI, outliers, paired ratios).
//! - [`env`]: the environment, with the timer's precision and the loop's overhead measured.
//! - [`measure`]: verification, warm-up, calibration and interleaved sampling of a group of
//!   cells that are compared with each other.
//! - [`results`]: the versioned results schema, read leniently and written atomically.
//! - [`plan`]: the matrix of cells, filters, presets and deterministic sharding.
//! - [`merge`] and [`export`]: joining shard files; Bencher Metric Format.
#![forbid(unsafe_code)]

pub mod compare;
pub mod env;
pub mod export;
pub mod instructions;
pub mod measure;
pub mod merge;
pub mod paired;
pub mod plan;
pub mod results;
pub mod runner;
pub mod stats;
pub mod summary;
