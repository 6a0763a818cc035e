//! The results file: a versioned serde schema, read leniently and written atomically.
//!
//! `results.json` is the contract between `perflab run` and everything after it (report,
//! compare, merge, export, bencher.dev). Unknown fields are ignored on read, so newer writers can
//! add fields; a different schema *major* version is a clear error. Writes go to a temporary file
//! that is fsynced and renamed over the old one, so a run killed at any instant (even SIGKILL)
//! leaves either the previous complete file or the new complete file.
//!
//! The parts, each in its own file: [`cell`] (one measured cell and what it holds), [`environment`]
//! (the machine and build), [`config`] (how the run was asked for), [`validate`] (what serde cannot
//! check), [`io`] (reading, and the atomic write other crates use too) and [`schema`] (the JSON
//! Schema generated from these types); `fixture` (tests only, and behind the `fixture` feature)
//! builds synthetic results for the tests of every crate that reads them.

mod cell;
mod config;
mod environment;
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
mod io;
mod schema;
mod validate;

pub use cell::{
    AbRatios, AllocationCounts, AllocatorHeld, Benchmark, CellName, CellStatus, Contention,
    Footprint, PairedRatios, Threaded, Timing, cell_id,
};
pub use config::{RunConfig, ThreadedPlan};
pub use environment::{AllocatorVersions, Environment};
pub use io::{ResultsError, write_file_atomic};
pub use schema::{JSON_SCHEMA_PATH, json_schema};

use cell::{is_one_thread, one_thread};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The schema tag of the files this version writes.
pub const SCHEMA: &str = "perflab/results/v1";
/// The `schema` tags a reader of this major version accepts: [`SCHEMA`], or it with minor
/// versions (`perflab/results/v1.3`). What [`Results::parse`] checks, as the JSON Schema says it.
const SCHEMA_PATTERN: &str = r"^perflab/results/v1(\.[0-9]+)*$";

/// A whole results file.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "perflab results file (perflab/results/v1)",
    description = "What a perflab run measured (its results.json, or a merge of several runs' files): \
        the environment, the run's configuration and one entry per measured cell \
        (workload/variant/allocator/size). Readers ignore fields they do not know, so a newer \
        writer may add fields under a minor version (perflab/results/v1.N); another major \
        version is another schema. Generated from perflab-harness's types."
)]
pub struct Results {
    /// Always [`SCHEMA`] when written by this version.
    #[schemars(
        pattern(SCHEMA_PATTERN),
        description = "The schema tag: perflab/results/v1 as this version writes it, or with \
            minor versions (perflab/results/v1.3); any other major version is refused."
    )]
    pub schema: String,
    /// Where and with what it was measured.
    pub environment: Environment,
    /// How it was measured.
    pub config: RunConfig,
    /// One entry per measured cell, in measurement order.
    pub benchmarks: Vec<Benchmark>,
    /// The allocator comparison's negative control: of the cells that make no allocation, how
    /// many show an allocator effect anyway (see [`AllocatorControl`]). Absent when no such cell
    /// was measured under two allocators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocator_control: Option<AllocatorControl>,
    /// The same negative control among the cells measured at more than one thread, one entry per
    /// thread count (`allocator_control` is the one-thread cells').
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allocator_control_threaded: Vec<AllocatorControl>,
    /// A merge of files measured in different environments (shards that CI ran on different
    /// machines) lists every environment here, `environment` first, and each cell names the one
    /// it was measured in ([`Benchmark::environment`]). Empty when all cells share
    /// `environment`, as in every unmerged file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub environments: Vec<Environment>,
}

/// Cells that make no allocation at all cannot be sped up or slowed down by the allocator, so
/// any "allocator effect" they show is the measurement's own error: they are the allocator
/// comparison's built-in negative control. A user sees here, for their machine, how far the
/// allocator column can be trusted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AllocatorControl {
    /// The thread count of the cells counted (absent: one thread). Under contention a cell that
    /// allocates nothing still cannot be moved by the allocator, so the control holds at every
    /// thread count.
    #[serde(default = "one_thread", skip_serializing_if = "is_one_thread")]
    pub threads: u32,
    /// Non-system cells with zero allocations per iteration, no arena, and a `time_vs_system`.
    pub cells: usize,
    /// How many of them have a `time_vs_system` interval wholly beyond `threshold`, either way.
    pub beyond: usize,
    /// The threshold, as a fraction (0.03 = 3%).
    pub threshold: f64,
    /// Their ids.
    pub ids: Vec<String>,
}

impl Results {
    /// An empty results document.
    pub fn new(environment: Environment, config: RunConfig) -> Self {
        Results {
            schema: SCHEMA.to_owned(),
            environment,
            config,
            benchmarks: Vec::new(),
            allocator_control: None,
            allocator_control_threaded: Vec::new(),
            environments: Vec::new(),
        }
    }

    /// The environments cells refer to by [`Benchmark::environment`]: `environments` when the
    /// file is a merge of several, else just `environment`.
    pub fn cell_environments(&self) -> &[Environment] {
        if self.environments.is_empty() {
            std::slice::from_ref(&self.environment)
        } else {
            &self.environments
        }
    }

    /// The environment a cell was measured in.
    pub fn environment_of(&self, b: &Benchmark) -> &Environment {
        let envs = self.cell_environments();
        envs.get(b.environment.map_or(0, |k| k as usize))
            .unwrap_or(&self.environment)
    }

    /// Position of every cell by id, built in one pass: what readers of large files (compare,
    /// merge, report) look cells up with instead of [`Results::get`]'s scan. A repeated id maps
    /// to its last copy, as [`Results::upsert`] would have kept it.
    pub fn index(&self) -> std::collections::HashMap<&str, usize> {
        let mut index = std::collections::HashMap::with_capacity(self.benchmarks.len());
        for (i, b) in self.benchmarks.iter().enumerate() {
            index.insert(b.name.id.as_str(), i);
        }
        index
    }

    /// Inserts a cell, replacing any earlier cell with the same id (a resumed or re-run cell).
    pub fn upsert(&mut self, bench: Benchmark) {
        match self
            .benchmarks
            .iter_mut()
            .find(|b| b.name.id == bench.name.id)
        {
            Some(slot) => *slot = bench,
            None => self.benchmarks.push(bench),
        }
    }

    /// The cell with this id.
    pub fn get(&self, id: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.name.id == id)
    }
}
