//! One module per subcommand, plus the argument helpers they share.

pub mod child;
pub mod compare;
pub mod export;
pub mod flame;
pub mod list;
pub mod live;
pub mod merge;
pub mod report;
pub mod run;
pub mod verify;

use anyhow::{Result, bail};
use perflab_core::{DynWorkload, Registry};
use std::sync::Arc;

/// The workloads named by `--workload` (all when none), or a one-line error naming the valid ones.
pub fn select_workloads(
    registry: &Registry,
    names: &[String],
) -> Result<Vec<Arc<dyn DynWorkload>>> {
    if names.is_empty() {
        return Ok(registry.workloads().to_vec());
    }
    names
        .iter()
        .map(|name| match registry.get(name) {
            Some(w) => Ok(Arc::clone(w)),
            None => bail!(
                "unknown workload `{name}` (expected one of: {})",
                registry.names().join(", ")
            ),
        })
        .collect()
}

/// Parses a `--size` value for clap.
pub fn parse_size_arg(text: &str) -> Result<usize, String> {
    perflab_core::parse_size(text).map_err(|e| e.to_string())
}
