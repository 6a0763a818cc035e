//! perflab-harness: how perflab measures, and what it writes down.
//!
//! - [`subject`]: the one place where a variant is looked up, verified against naive, warmed up,
//!   timed, counted and moved to a new layout; [`crew`]: the threads that run it at N threads.
//! - [`footprint`]: the memory a cell takes from the OS (peak resident-set growth).
//! - [`engine`]: the measuring engine — peer processes per allocator (and build, and replica)
//!   sampling every cell of a group in lock step, with layouts re-drawn every round — and its
//!   modes: time, A/B, instruction counts.
//! - [`stats`]: pure statistics (median, MAD, intervals, pooling over processes, outliers).
//! - [`plan`]: the matrix of groups, filters, presets and deterministic sharding.
//! - [`results`]: the versioned results schema, read leniently and written atomically.
//! - [`compare`], [`summary`], [`merge`], [`export`]: what is made of results afterwards.
//! - [`resample`]: bootstrap medians drawn directly, so comparing 100 000 cells takes seconds.
//! - [`table`]: one table model, rendered for a terminal or as GitHub-flavoured Markdown.
//! - [`env`]: the environment, with the timer's precision and the loop's overhead measured.
#![forbid(unsafe_code)]

pub mod clock;
pub mod compare;
pub mod crew;
pub mod engine;
pub mod env;
pub mod export;
pub mod footprint;
pub mod merge;
pub mod plan;
pub mod probe;
pub mod resample;
pub mod results;
pub mod stats;
pub mod subject;
pub mod summary;
pub mod table;
