//! perflab-profile: from a slow cell in the report to the function that costs the time.
//!
//! A benchmark says *how fast*; a profile says *why*. This crate turns one cell
//! (`workload/variant` at a size) into a flamegraph, and a set of cells into a live puffin
//! profile that puffin_viewer watches or opens later:
//!
//! - [`cell`]: a prepared cell, run in the same statically dispatched loop the harness times;
//! - [`sampling`] (Unix): pprof samples the running cell's stacks; the harness's frames above
//!   the kernel are cut so the kernel's functions are the widest frames;
//! - [`scopes`]: the kernels' puffin scopes (`perflab_core::scope!`) folded into stacks by
//!   self time;
//! - [`folded`] and [`render`]: the collapsed-stack format every flamegraph tool reads, and
//!   inferno's SVG (plain or differential);
//! - [`live`] and [`capture`]: a puffin_http server fed one frame per round of the cells, and
//!   `.puffin` files that keep every scope's name however long the capture.
#![forbid(unsafe_code)]

pub mod after_run;
pub mod capture;
pub mod cell;
mod error;
pub mod folded;
pub mod live;
pub mod render;
#[cfg(unix)]
pub mod sampling;
pub mod scopes;

pub use cell::Cell;
pub use error::ProfileError;
pub use folded::Folded;
