//! How a run was asked for (preset, filters, sizes, seed, budget), recorded so that a reader
//! knows what the numbers mean and `run --resume` can continue it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The run's configuration, recorded so a reader knows what the numbers mean.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunConfig {
    /// quick, ci or full.
    pub preset: crate::plan::Preset,
    /// What was measured: `time` (or `instructions`).
    pub measure: crate::plan::Measure,
    /// Workload filter (empty: all).
    pub workloads: Vec<String>,
    /// Variant filter (empty: all).
    pub variants: Vec<String>,
    /// Kind filter (empty: all).
    pub kinds: Vec<perflab_core::VariantKind>,
    /// Allocators measured.
    pub allocators: Vec<String>,
    /// Generated sizes in bytes (empty with an input file).
    pub sizes: Vec<u64>,
    /// The user's input file, when given.
    pub input: Option<String>,
    /// Generator seed.
    pub seed: u64,
    /// `I/N` when sharded.
    #[schemars(with = "Option<String>")]
    pub shard: Option<crate::plan::Shard>,
    /// Total time budget, seconds.
    pub budget_s: Option<f64>,
    /// Target duration of one sample, ns.
    pub sample_target_ns: u64,
    /// Warm-up per cell, ns.
    pub warmup_ns: u64,
    /// Samples per cell: at least this many…
    pub min_samples: usize,
    /// …and at most this many.
    pub max_samples: usize,
    /// Paired runs: an id shared by the head and base files measured together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired: Option<String>,
    /// The CPUs the measuring processes were pinned to (replica `r` on the `r`-th, cycling);
    /// empty when unpinned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pinned_cpus: Vec<usize>,
    /// The clock samples were timed with (absent: wall, as files before the engine wrote).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<crate::clock::Clock>,
    /// Independent processes that measured each cell (absent: one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processes: Option<usize>,
    /// The seed the run drew its layouts (input page offsets, stack offsets) from: a fresh one
    /// every run, recorded so that a run's layouts can be drawn again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout_seed: Option<u64>,
    /// The thread counts asked for with `--threads` (besides 1, always measured), at every size;
    /// absent: the preset's (see `threaded_sizes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<u64>,
    /// The preset's thread counts, when `--threads` was not given, and the sizes they were
    /// measured at; absent: every size (or one thread only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threaded: Option<ThreadedPlan>,
}

/// Which cells a run measured at more than one thread.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadedPlan {
    /// Thread counts besides 1.
    pub threads: Vec<u64>,
    /// Generated sizes, bytes, they were measured at (empty: every size).
    pub sizes: Vec<u64>,
}
