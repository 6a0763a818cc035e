//! The results file: a versioned serde schema, read leniently and written atomically.
//!
//! `results.json` is the contract between `perflab run` and everything after it (report,
//! compare, merge, export, bencher.dev). Unknown fields are ignored on read, so newer writers can
//! add fields; a different schema *major* version is a clear error. Writes go to a temporary file
//! that is fsynced and renamed over the old one, so a run killed at any instant (even SIGKILL)
//! leaves either the previous complete file or the new complete file.

use crate::stats::{Estimate, Outliers};
use perflab_core::VariantKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The schema tag of the files this version writes.
pub const SCHEMA: &str = "perflab/results/v1";
/// The `schema` tags a reader of this major version accepts: [`SCHEMA`], or it with minor
/// versions (`perflab/results/v1.3`). What [`Results::parse`] checks, as the JSON Schema says it.
const SCHEMA_PATTERN: &str = r"^perflab/results/v1(\.[0-9]+)*$";
/// Where the JSON Schema of [`json_schema`] is checked in, relative to the repository's root.
pub const JSON_SCHEMA_PATH: &str = "schemas/perflab-results-v1.schema.json";

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

/// The machine and build that produced a results file. Results from different environments are
/// not comparable in wall time, so merge refuses to mix them unless forced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// CPU model name as the OS reports it.
    pub cpu_model: String,
    /// SIMD features detected at run time (the ones perflab's kernels dispatch on).
    pub simd_features: Vec<String>,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Operating system and kernel release.
    pub os: String,
    /// CPU architecture.
    pub arch: String,
    /// `rustc -V` of the compiler that built perflab.
    pub rustc: Option<String>,
    /// The git commit perflab was built from, when known.
    pub git_commit: Option<String>,
    /// perflab's version.
    pub perflab_version: String,
    /// The smallest step `Instant::now()` was seen to take, in ns (median of many trials).
    pub timer_precision_ns: f64,
    /// Time per iteration of the harness's timed loop around an empty kernel, in ns: what every
    /// measurement includes besides the kernel. Recorded, not subtracted.
    pub empty_loop_ns: f64,
    /// The CPUs this process was allowed to run on (its affinity mask when the run started):
    /// a threaded cell cannot have more of them than this.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_set: Vec<usize>,
    /// The versions of the allocators linked into perflab, and of the C library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocator_versions: Option<AllocatorVersions>,
    /// The environment variables that change how an allocator behaves, as set for the run
    /// (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`, `MALLOC_CONF`, `_RJEM_MALLOC_CONF`, `MIMALLOC_*`, …):
    /// glibc's arena count alone can change a threaded cell's footprint several times over.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub allocator_env: std::collections::BTreeMap<String, String>,
}

/// Versions of the allocators a build links, and of the C library behind `system`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AllocatorVersions {
    /// jemalloc's own version string (tikv-jemallocator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jemalloc: Option<String>,
    /// mimalloc's version, `major.minor.patch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mimalloc: Option<String>,
    /// glibc's version (`gnu_get_libc_version`), the `system` allocator on Linux.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glibc: Option<String>,
}

impl Environment {
    /// The fields that make two environments' wall times comparable: same CPU, features, cores,
    /// OS, architecture and compiler. The commit and the timer readings may differ.
    pub fn comparable_with(&self, other: &Environment) -> bool {
        self.cpu_model == other.cpu_model
            && self.simd_features == other.simd_features
            && self.cores == other.cores
            && self.os == other.os
            && self.arch == other.arch
            && self.rustc == other.rustc
    }
}

/// The run's configuration, recorded so a reader knows what the numbers mean.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunConfig {
    /// quick, ci or full.
    pub preset: String,
    /// What was measured: `time` (or `instructions`).
    pub measure: String,
    /// Workload filter (empty: all).
    pub workloads: Vec<String>,
    /// Variant filter (empty: all).
    pub variants: Vec<String>,
    /// Kind filter (empty: all).
    pub kinds: Vec<String>,
    /// Allocators measured.
    pub allocators: Vec<String>,
    /// Generated sizes in bytes (empty with an input file).
    pub sizes: Vec<u64>,
    /// The user's input file, when given.
    pub input: Option<String>,
    /// Generator seed.
    pub seed: u64,
    /// `I/N` when sharded.
    pub shard: Option<String>,
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

/// What became of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CellStatus {
    /// Verified and measured.
    Ok,
    /// Did not verify (wrong output), panicked, or its process crashed; see `error`.
    Failed,
    /// This CPU lacks what the variant needs.
    Unsupported,
}

/// One measured cell: `workload/variant/allocator/size`.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Benchmark {
    /// `workload/variant/allocator/size`, e.g. `search/simd-avx2/jemalloc/64KiB`.
    pub id: String,
    /// Workload name.
    pub workload: String,
    /// Variant name.
    pub variant: String,
    /// Variant kind.
    pub kind: VariantKind,
    /// Global allocator of the measuring process.
    pub allocator: String,
    /// Size label (`64KiB`, or `file` for a user's input).
    pub size: String,
    /// Bytes processed per iteration.
    pub size_bytes: u64,
    /// Outcome.
    pub status: CellStatus,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Per-iteration time of each sample, ns: process by process (each the same number of
    /// rounds, see `process_medians_ns`), round by round within a process.
    pub samples_ns: Vec<f64>,
    /// Iterations timed together in one sample.
    pub iters_per_sample: u64,
    /// The cell's time: the median of `samples_ns` pooled over its processes.
    pub median_ns: Option<f64>,
    /// Median absolute deviation of `samples_ns`.
    pub mad_ns: Option<f64>,
    /// 95% interval of the median, including the variation between processes (METHODOLOGY.md §5).
    pub ci95_ns: Option<[f64; 2]>,
    /// `size_bytes` per median time.
    pub throughput_bytes_per_s: Option<f64>,
    /// Global-allocator allocations per iteration (reallocations not included).
    pub allocs_per_iter: Option<f64>,
    /// Global-allocator reallocations per iteration.
    #[serde(default)]
    pub reallocs_per_iter: Option<f64>,
    /// Bytes requested from the global allocator per iteration.
    pub bytes_allocated_per_iter: Option<f64>,
    /// Peak live heap bytes above the level before a sample, the largest over all samples.
    pub peak_bytes: Option<u64>,
    /// Bytes the arena held at its fullest (arena variants), from the arena's own accounting.
    #[serde(default)]
    pub arena_bytes: Option<u64>,
    /// Instructions per iteration (instruction-count mode only).
    pub instructions: Option<f64>,
    /// Speed-up over naive (naive time / this time), paired round by round in each process and
    /// pooled over the processes.
    #[serde(default)]
    pub speedup_vs_naive: Option<Estimate>,
    /// Time under this allocator / time under `system` (same variant and size), paired within
    /// rounds and pooled over processes. `None` for system cells.
    #[serde(default)]
    pub time_vs_system: Option<Estimate>,
    /// The median time in each process that measured the cell, in the order of `samples_ns`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process_medians_ns: Vec<f64>,
    /// Samples beyond Tukey's fences (reported, not removed).
    #[serde(default)]
    pub outliers: Option<Outliers>,
    /// A/B runs only: this time / the base build's time, paired within rounds and pooled over
    /// processes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vs_base: Option<Estimate>,
    /// A/B runs only: when the group's first measurement showed a change beyond the threshold,
    /// it was measured again by fresh processes, and the attempt closer to "no change" is the
    /// one kept above; this is the other attempt's estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vs_base_other: Option<Estimate>,
    /// Merged files of mixed environments: the index in [`Results::environments`] of the
    /// environment this cell was measured in (absent: `environment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<u32>,
    /// The clock `samples_ns` were timed by, where it is not the run's (`config.clock`): the
    /// wall clock for cells at more than one thread, and for a workload whose kernels work on
    /// threads of their own (a pipeline), whose calling thread's CPU time would leave that work
    /// out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<crate::clock::Clock>,
    /// Threads that ran the variant at once, each on its own copy of the input with its own
    /// arena (absent in files from before threads: 1). At more than one thread `samples_ns`,
    /// `median_ns` and `ci95_ns` are wall time per call, from the first thread's start to the
    /// last one's end, and the id ends in `/{threads}t`.
    #[serde(default = "one_thread")]
    pub threads: u32,
    /// More than one thread: `threads × size_bytes` per median time per call, what the
    /// process got through in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_throughput_bytes_per_s: Option<f64>,
    /// More than one thread: time per call at `threads` ÷ time per call at one thread (both by
    /// the wall clock), paired within rounds in each process and pooled. 1.0 is perfect scaling;
    /// `threads` is no better than one thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaling_vs_one_thread: Option<Estimate>,
    /// More than one thread: where the threads' time went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contention: Option<Contention>,
    /// The memory running the cell took from the OS, next to the memory it needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Footprint>,
}

fn one_thread() -> u32 {
    1
}

fn is_one_thread(n: &u32) -> bool {
    *n == 1
}

/// How the threads of a threaded cell spent a call's wall time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Contention {
    /// Median over samples of the threads' mean CPU time per call, ns. Below the wall time per
    /// call when threads waited (for a lock, for each other, for a CPU).
    pub cpu_per_call_ns: Option<f64>,
    /// The process's system CPU time per call and thread, ns, over all samples: lock spinning
    /// and futex waits in the kernel show here. Charged by scheduler ticks, so only meaningful
    /// summed over many samples, as it is.
    pub system_per_call_ns: Option<f64>,
    /// Median over samples of CPU time ÷ wall time: 1.0 when every thread computed all the time.
    pub cpu_utilisation: Option<f64>,
    /// Median over samples of how far apart the threads started, ns (the barrier's release
    /// spread; part of every sample's wall time).
    #[serde(default)]
    pub start_skew_ns: Option<f64>,
}

/// The memory a cell took from the OS to run: measured in a pass of its own after sampling, in
/// the first process of its allocator, with the allocator's free memory released first and
/// every thread on an empty context (see METHODOLOGY.md, "Footprint").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Footprint {
    /// Calls each thread made.
    pub iters: u64,
    /// Peak resident-set growth over the resident set before the first call, bytes (Linux:
    /// `VmHWM` after `clear_refs`). `None` off Linux.
    pub rss_growth_bytes: Option<u64>,
    /// Peak live heap bytes over the live bytes before the first call, in the same pass.
    pub peak_live_bytes: Option<u64>,
    /// `rss_growth_bytes ÷ peak_live_bytes`: fragmentation in Hoard's sense (1 = the allocator
    /// took exactly what was needed). `None` when nothing live was counted.
    pub fragmentation: Option<f64>,
    /// The allocator's own figure of what it holds from the OS (jemalloc `stats.resident`,
    /// mimalloc committed, glibc `mallinfo2`), before the first call and after the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocator: Option<AllocatorHeld>,
}

/// An allocator's own figure of the memory it holds, around a footprint pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AllocatorHeld {
    /// Which figure (e.g. `jemalloc stats.resident`).
    pub source: String,
    /// Bytes before the first call (after the release).
    pub before_bytes: u64,
    /// Bytes after the last call (nothing released): what the allocator kept.
    pub after_bytes: u64,
}

impl Benchmark {
    /// A cell with no measurement yet: the starting point for every status.
    pub fn empty(
        workload: &str,
        variant: &str,
        kind: VariantKind,
        allocator: &str,
        size: &str,
        size_bytes: u64,
    ) -> Self {
        Benchmark {
            id: cell_id(workload, variant, allocator, size, 1),
            workload: workload.to_owned(),
            variant: variant.to_owned(),
            kind,
            allocator: allocator.to_owned(),
            size: size.to_owned(),
            size_bytes,
            status: CellStatus::Failed,
            error: None,
            samples_ns: Vec::new(),
            iters_per_sample: 0,
            median_ns: None,
            mad_ns: None,
            ci95_ns: None,
            throughput_bytes_per_s: None,
            allocs_per_iter: None,
            reallocs_per_iter: None,
            bytes_allocated_per_iter: None,
            peak_bytes: None,
            arena_bytes: None,
            instructions: None,
            speedup_vs_naive: None,
            time_vs_system: None,
            process_medians_ns: Vec::new(),
            outliers: None,
            vs_base: None,
            vs_base_other: None,
            environment: None,
            clock: None,
            threads: 1,
            aggregate_throughput_bytes_per_s: None,
            scaling_vs_one_thread: None,
            contention: None,
            footprint: None,
        }
    }
}

impl Benchmark {
    /// Whether the cell takes memory from the global allocator: allocations or reallocations
    /// per call, or an arena (whose chunks come from it). `None` when nothing was counted.
    ///
    /// Why: only such a cell can be made faster or slower by the allocator; the others are the
    /// allocator comparison's negative control.
    pub fn allocates(&self) -> Option<bool> {
        let allocs = self.allocs_per_iter?;
        Some(
            allocs > 0.0
                || self.reallocs_per_iter.unwrap_or(0.0) > 0.0
                || self.arena_bytes.unwrap_or(0) > 0,
        )
    }

    /// The same cell at `threads` threads (its id says so).
    pub fn at_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1) as u32;
        self.id = cell_id(
            &self.workload,
            &self.variant,
            &self.allocator,
            &self.size,
            threads,
        );
        self
    }

    /// What makes this cell impossible, if anything: a time that is not positive and finite, a
    /// negative count or rate, or an `ok` status without a measurement.
    fn problem(&self) -> Option<String> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        let not_negative = |x: f64| x.is_finite() && x >= 0.0;
        if let Some((i, x)) = self
            .samples_ns
            .iter()
            .enumerate()
            .find(|(_, x)| !positive(**x))
        {
            return Some(format!("samples_ns[{i}] is {x}, not a positive time"));
        }
        if let Some((i, x)) = self
            .process_medians_ns
            .iter()
            .enumerate()
            .find(|(_, x)| !positive(**x))
        {
            return Some(format!(
                "process_medians_ns[{i}] is {x}, not a positive time"
            ));
        }
        if self.threads == 0 {
            return Some("threads is 0".to_owned());
        }
        let times = [
            (
                "aggregate_throughput_bytes_per_s",
                self.aggregate_throughput_bytes_per_s,
            ),
            ("median_ns", self.median_ns),
            ("ci95_ns[0]", self.ci95_ns.map(|c| c[0])),
            ("ci95_ns[1]", self.ci95_ns.map(|c| c[1])),
            ("throughput_bytes_per_s", self.throughput_bytes_per_s),
        ];
        for (name, v) in times {
            if let Some(x) = v.filter(|x| !positive(*x)) {
                return Some(format!("{name} is {x}, not a positive number"));
            }
        }
        if let Some([lo, hi]) = self.ci95_ns.filter(|c| c[0] > c[1]) {
            return Some(format!(
                "ci95_ns [{lo}, {hi}] has its low end above its high end"
            ));
        }
        let counts = [
            ("mad_ns", self.mad_ns),
            ("allocs_per_iter", self.allocs_per_iter),
            ("reallocs_per_iter", self.reallocs_per_iter),
            ("bytes_allocated_per_iter", self.bytes_allocated_per_iter),
            ("instructions", self.instructions),
            (
                "footprint.fragmentation",
                self.footprint.as_ref().and_then(|f| f.fragmentation),
            ),
        ];
        for (name, v) in counts {
            if let Some(x) = v.filter(|x| !not_negative(*x)) {
                return Some(format!("{name} is {x}, not a count"));
            }
        }
        let ratios = [
            ("speedup_vs_naive", self.speedup_vs_naive),
            ("time_vs_system", self.time_vs_system),
            ("vs_base", self.vs_base),
            ("vs_base_other", self.vs_base_other),
            ("scaling_vs_one_thread", self.scaling_vs_one_thread),
        ];
        for (name, e) in ratios {
            let Some(e) = e else { continue };
            if ![e.median, e.ci95[0], e.ci95[1]].into_iter().all(positive) {
                return Some(format!(
                    "{name} {} [{}, {}] is not a positive ratio",
                    e.median, e.ci95[0], e.ci95[1]
                ));
            }
        }
        if self.status == CellStatus::Ok
            && self.samples_ns.is_empty()
            && self.instructions.is_none()
        {
            return Some(
                "status is ok but it has no samples (nor an instruction count)".to_owned(),
            );
        }
        None
    }
}

/// Whether a file's `schema` tag is of the major version this perflab reads: [`SCHEMA`] alone or
/// followed by minor versions, `.` and digits (`perflab/results/v1.3.1`), as [`SCHEMA_PATTERN`]
/// says it in the JSON Schema.
fn is_this_major(found: &str) -> bool {
    let Some(rest) = found.strip_prefix(SCHEMA) else {
        return false;
    };
    let mut minors = rest.split('.');
    minors.next() == Some("")
        && minors.all(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
}

/// The JSON Schema (draft 2020-12) of results files, generated by schemars from the very types
/// serde reads them into, so that it cannot drift from what perflab reads and writes. It describes
/// what a reader accepts (fields with defaults may be absent), leaves unknown fields allowed (as
/// readers ignore them), and pins `schema` to this major version.
///
/// Checked in at [`JSON_SCHEMA_PATH`] for tools that are not perflab (any JSON Schema validator,
/// in any language); a test fails when the file and this differ.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::Value::from(schemars::schema_for!(Results));
    schema["$id"] = format!("{}/{JSON_SCHEMA_PATH}", env!("CARGO_PKG_REPOSITORY")).into();
    // One order whatever serde_json's features: the checked-in file is compared as text.
    schema.sort_all_objects();
    schema
}

/// The id of a cell: `workload/variant/allocator/size`, and `/{threads}t` at more than one
/// thread (so one-thread ids are what they were before threads, and every id is unique).
pub fn cell_id(
    workload: &str,
    variant: &str,
    allocator: &str,
    size: &str,
    threads: usize,
) -> String {
    if threads > 1 {
        format!("{workload}/{variant}/{allocator}/{size}/{threads}t")
    } else {
        format!("{workload}/{variant}/{allocator}/{size}")
    }
}

/// Why a results file could not be read or written. Each names the path.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// Reading failed.
    #[error("cannot read results file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a results document.
    #[error("malformed results file {}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What serde said, with line and column.
        source: serde_json::Error,
    },
    /// The schema is of another major version or not perflab's.
    #[error("results file {} has schema `{found}`, this perflab reads `{SCHEMA}`", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// What it declared.
        found: String,
    },
    /// The file parses but says something no measurement can produce (a time that is not
    /// positive, an `ok` cell without a measurement, two cells with one id): reading on would
    /// turn it into a wrong verdict, so every reader refuses it, naming the cell.
    #[error("invalid results file {}: cell `{id}`: {what}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The cell's id.
        id: String,
        /// What is wrong with it.
        what: String,
    },
    /// Writing failed.
    #[error("cannot write results file {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
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

    /// Reads and checks a results file.
    pub fn read(path: &Path) -> Result<Self, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses a results document; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ResultsError> {
        // Check the schema first, so a file from another major version gets the schema message
        // rather than whatever field happens to fail.
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
        }
        let head: Head = serde_json::from_str(text).map_err(|source| ResultsError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let found = head.schema.unwrap_or_default();
        if !is_this_major(&found) {
            return Err(ResultsError::Schema {
                path: path.to_owned(),
                found,
            });
        }
        let results: Results =
            serde_json::from_str(text).map_err(|source| ResultsError::Parse {
                path: path.to_owned(),
                source,
            })?;
        results.validate(path)?;
        Ok(results)
    }

    /// Checks what serde cannot: every time is a positive number, every rate and count is not
    /// negative, an `ok` cell carries a measurement (samples or an instruction count), and no
    /// two cells share an id (which copy would a reader believe?). `path` is only for messages.
    ///
    /// Unknown fields stay ignored; this looks only at the values perflab's readers compute with.
    pub fn validate(&self, path: &Path) -> Result<(), ResultsError> {
        let mut seen = std::collections::HashSet::with_capacity(self.benchmarks.len());
        for b in &self.benchmarks {
            let invalid = |what: String| ResultsError::Invalid {
                path: path.to_owned(),
                id: b.id.clone(),
                what,
            };
            if !seen.insert(b.id.as_str()) {
                return Err(invalid("appears more than once".to_owned()));
            }
            if let Some(what) = b.problem() {
                return Err(invalid(what));
            }
            if let Some(k) = b
                .environment
                .filter(|&k| k as usize >= self.environments.len().max(1))
            {
                return Err(invalid(format!(
                    "environment {k} is not one of the file's {} environments",
                    self.environments.len().max(1)
                )));
            }
        }
        Ok(())
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
            index.insert(b.id.as_str(), i);
        }
        index
    }

    /// Writes the file atomically: temporary file in the same directory, fsync, rename, fsync of
    /// the directory.
    pub fn write_atomic(&self, path: &Path) -> Result<(), ResultsError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| ResultsError::Write {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
        write_file_atomic(path, &json).map_err(|source| ResultsError::Write {
            path: path.to_owned(),
            source,
        })
    }

    /// Inserts a cell, replacing any earlier cell with the same id (a resumed or re-run cell).
    pub fn upsert(&mut self, bench: Benchmark) {
        match self.benchmarks.iter_mut().find(|b| b.id == bench.id) {
            Some(slot) => *slot = bench,
            None => self.benchmarks.push(bench),
        }
    }

    /// The cell with this id.
    pub fn get(&self, id: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.id == id)
    }
}

/// Writes `bytes` to `path` so that readers see the old or the new contents, never a mix.
///
/// The bytes go to a temporary file in the same directory (a rename is atomic only within one
/// file system), which is fsynced and renamed over `path`; then the directory is fsynced, best
/// effort, so the rename survives a power cut too. The temporary file deletes itself on any error.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Named after its target, so that one left by a SIGKILL mid-write says what it was.
    let prefix = format!(
        ".{}.tmp-",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // The file keeps its mode when renamed into place: give it `File::create`'s (0o666 less the
    // umask), not tempfile's private 0o600, since reports and results are read by others.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Not all platforms can open a directory, so best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Results {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        let mut b = Benchmark::empty(
            "search",
            "naive",
            VariantKind::Naive,
            "system",
            "4KiB",
            4096,
        );
        b.status = CellStatus::Ok;
        b.samples_ns = vec![1.0, 2.0];
        r.upsert(b);
        r
    }

    #[test]
    fn round_trips_and_ignores_unknown_fields() {
        let dir = std::env::temp_dir().join(format!("perflab-results-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("results.json");
        sample().write_atomic(&path).unwrap();
        let back = Results::read(&path).unwrap();
        assert_eq!(back.benchmarks[0].id, "search/naive/system/4KiB");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        v["future_field"] = 1.into();
        v["benchmarks"][0]["another"] = "x".into();
        v["schema"] = "perflab/results/v1.3".into();
        assert!(Results::parse(&v.to_string(), &path).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_from_before_threads_reads_as_one_thread() {
        let mut v = serde_json::to_value(sample()).unwrap();
        let cell = v["benchmarks"][0].as_object_mut().unwrap();
        cell.remove("threads");
        let back = Results::parse(&v.to_string(), Path::new("old.json")).unwrap();
        assert_eq!(back.benchmarks[0].threads, 1);
        assert_eq!(back.benchmarks[0].id, "search/naive/system/4KiB");
        assert!(back.benchmarks[0].footprint.is_none());
        // Written again, a one-thread cell says it is one.
        let again = serde_json::to_value(&back).unwrap();
        assert_eq!(again["benchmarks"][0]["threads"], 1);
        assert_eq!(cell_id("w", "v", "a", "1MiB", 2), "w/v/a/1MiB/2t");
    }

    #[test]
    fn other_major_version_and_garbage_are_clear_errors() {
        let p = Path::new("x.json");
        let mut v = serde_json::to_value(sample()).unwrap();
        v["schema"] = "perflab/results/v2".into();
        let e = Results::parse(&v.to_string(), p).unwrap_err();
        assert!(e.to_string().contains("perflab/results/v2"), "{e}");
        assert!(matches!(
            Results::parse("", p),
            Err(ResultsError::Parse { .. })
        ));
        assert!(matches!(
            Results::parse("{\"benchmarks\": 3}", p),
            Err(ResultsError::Schema { .. })
        ));
        let missing = Results::read(Path::new("/no/such/results.json")).unwrap_err();
        assert!(missing.to_string().contains("/no/such/results.json"));
    }

    #[test]
    fn a_failed_write_is_an_error_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("perflab-atomic-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Into a directory that does not exist: nothing can be created.
        let missing = dir.join("no-such-dir/results.json");
        assert!(write_file_atomic(&missing, b"{}").is_err());
        assert!(!dir.join("no-such-dir").exists());
        // Over a directory: the temporary file is written, the rename fails, and it is removed.
        let target = dir.join("results.json");
        std::fs::create_dir(&target).unwrap();
        assert!(write_file_atomic(&target, b"{}").is_err());
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            ["results.json"],
            "only the directory it could not replace"
        );
        // And a write that succeeds leaves just its file, readable like any `File::create`d one.
        std::fs::remove_dir(&target).unwrap();
        write_file_atomic(&target, b"{}").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"{}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).unwrap().permissions().mode();
            let created = dir.join("created");
            std::fs::File::create(&created).unwrap();
            let want = std::fs::metadata(&created).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, want & 0o777, "{mode:o} vs {want:o}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The checked-in schema file.
    const SCHEMA_FILE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schemas/perflab-results-v1.schema.json"
    );

    #[test]
    fn checked_in_schema_is_the_generated_one() {
        assert!(SCHEMA_FILE.ends_with(JSON_SCHEMA_PATH));
        let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
        let path = Path::new(SCHEMA_FILE);
        if std::env::var_os("PERFLAB_UPDATE_SCHEMA").is_some_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            write_file_atomic(path, generated.as_bytes()).unwrap();
            return;
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        if checked_in != generated {
            let line = checked_in
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(checked_in.lines().count().min(generated.lines().count()));
            panic!(
                "{JSON_SCHEMA_PATH} is not the schema the results types generate (first \
                 difference at line {}); refresh it with\n\n    \
                 PERFLAB_UPDATE_SCHEMA=1 cargo test -p perflab-harness schema\n\n\
                 and commit it with the change to the types",
                line + 1
            );
        }
    }

    /// A results document with every optional field set, as an A/B run merged from machines of
    /// two environments could write it.
    fn filled() -> Results {
        let env = Environment {
            cpu_model: "Example CPU @ 3.0GHz".into(),
            simd_features: vec!["sse2".into(), "avx2".into()],
            cores: 4,
            os: "linux 6.1.0".into(),
            arch: "x86_64".into(),
            rustc: Some("rustc 1.89.0".into()),
            git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            perflab_version: "0.1.0".into(),
            timer_precision_ns: 20.0,
            empty_loop_ns: 0.8,
            cpu_set: vec![0, 1, 2, 3],
            allocator_versions: Some(AllocatorVersions {
                jemalloc: Some("5.3.0".into()),
                mimalloc: Some("2.1.7".into()),
                glibc: Some("2.36".into()),
            }),
            allocator_env: [("MALLOC_ARENA_MAX".to_owned(), "2".to_owned())].into(),
        };
        let config = RunConfig {
            preset: "ci".into(),
            measure: "time".into(),
            workloads: vec!["search".into()],
            variants: vec!["naive".into(), "simd".into()],
            kinds: vec!["naive".into(), "simd".into()],
            allocators: vec!["system".into(), "jemalloc".into()],
            sizes: vec![4096],
            input: Some("input.bin".into()),
            seed: 7,
            shard: Some("1/2".into()),
            budget_s: Some(60.0),
            sample_target_ns: 5_000_000,
            warmup_ns: 100_000_000,
            min_samples: 10,
            max_samples: 100,
            paired: Some("run-1".into()),
            pinned_cpus: vec![0, 1],
            clock: Some(crate::clock::Clock::Cpu),
            processes: Some(3),
            layout_seed: Some(42),
            threads: vec![2, 4],
            threaded: Some(ThreadedPlan {
                threads: vec![2],
                sizes: vec![65536],
            }),
        };
        let mut r = Results::new(env.clone(), config);
        let e = Estimate {
            median: 1.02,
            ci95: [1.01, 1.03],
        };
        let mut b = Benchmark::empty(
            "search",
            "simd",
            VariantKind::Simd,
            "jemalloc",
            "4KiB",
            4096,
        );
        b.status = CellStatus::Ok;
        b.error = Some("none, but the field is there".into());
        b.samples_ns = vec![100.0, 101.0, 99.0, 100.5, 100.2, 99.8];
        b.iters_per_sample = 1000;
        b.median_ns = Some(100.1);
        b.mad_ns = Some(0.3);
        b.ci95_ns = Some([99.5, 100.6]);
        b.throughput_bytes_per_s = Some(4.09e10);
        b.allocs_per_iter = Some(0.0);
        b.reallocs_per_iter = Some(0.0);
        b.bytes_allocated_per_iter = Some(0.0);
        b.peak_bytes = Some(0);
        b.arena_bytes = Some(128);
        b.instructions = Some(1234.0);
        b.speedup_vs_naive = Some(Estimate {
            median: 8.0,
            ci95: [7.5, 8.5],
        });
        b.time_vs_system = Some(e);
        b.process_medians_ns = vec![100.0, 100.2, 100.1];
        b.outliers = Some(Outliers {
            low_severe: 0,
            low_mild: 1,
            high_mild: 2,
            high_severe: 0,
        });
        b.vs_base = Some(e);
        b.vs_base_other = Some(e);
        b.environment = Some(1);
        b.footprint = Some(Footprint {
            iters: 16,
            rss_growth_bytes: Some(8192),
            peak_live_bytes: Some(4096),
            fragmentation: Some(2.0),
            allocator: Some(AllocatorHeld {
                source: "jemalloc stats.resident".into(),
                before_bytes: 1 << 20,
                after_bytes: 2 << 20,
            }),
        });
        let mut threaded = b.clone().at_threads(2);
        threaded.clock = Some(crate::clock::Clock::Wall);
        threaded.aggregate_throughput_bytes_per_s = Some(8.0e10);
        threaded.scaling_vs_one_thread = Some(e);
        threaded.contention = Some(Contention {
            cpu_per_call_ns: Some(95.0),
            system_per_call_ns: Some(1.5),
            cpu_utilisation: Some(0.95),
            start_skew_ns: Some(600.0),
        });
        r.upsert(b);
        r.upsert(threaded);
        r.allocator_control = Some(AllocatorControl {
            threads: 1,
            cells: 1,
            beyond: 0,
            threshold: 0.03,
            ids: vec!["search/simd/jemalloc/4KiB".into()],
        });
        r.allocator_control_threaded = vec![AllocatorControl {
            threads: 2,
            cells: 1,
            beyond: 1,
            threshold: 0.03,
            ids: vec!["search/simd/jemalloc/4KiB/2t".into()],
        }];
        r.environments = vec![
            env.clone(),
            Environment {
                cpu_model: "Another CPU".into(),
                ..env
            },
        ];
        r
    }

    fn validator() -> jsonschema::Validator {
        jsonschema::draft202012::new(&json_schema()).expect("the generated schema is valid")
    }

    fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
        validator()
            .iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    }

    #[test]
    fn schema_accepts_a_fully_filled_document() {
        let doc = serde_json::to_value(filled()).unwrap();
        assert_eq!(schema_errors(&doc), Vec::<String>::new());
        // ...which perflab reads too, and which really sets every field the schema names.
        assert!(Results::parse(&doc.to_string(), Path::new("filled.json")).is_ok());
        let schema = json_schema();
        let names = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        let defs = &schema["$defs"];
        for (value, props) in [
            (&doc, &schema["properties"]),
            (&doc["environment"], &defs["Environment"]["properties"]),
            (&doc["config"], &defs["RunConfig"]["properties"]),
            // The threaded cell: every field a cell can have.
            (&doc["benchmarks"][1], &defs["Benchmark"]["properties"]),
            (
                &doc["allocator_control_threaded"][0],
                &defs["AllocatorControl"]["properties"],
            ),
        ] {
            assert_eq!(names(value), names(props));
        }
        for v in doc["benchmarks"][1].as_object().unwrap().values() {
            assert!(!v.is_null(), "{doc}");
        }
        // And the minimal document this version writes for an empty run.
        let empty = Results::new(Environment::default(), RunConfig::default());
        assert_eq!(
            schema_errors(&serde_json::to_value(empty).unwrap()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn schema_refuses_what_perflab_cannot_read() {
        let doc = serde_json::to_value(filled()).unwrap();
        type Mutation = fn(&mut serde_json::Value);
        let mutations: [(&str, Mutation); 7] = [
            ("status weird", |d| {
                d["benchmarks"][0]["status"] = "weird".into()
            }),
            ("ci95_ns of 3", |d| {
                d["benchmarks"][0]["ci95_ns"] = serde_json::json!([1.0, 2.0, 3.0])
            }),
            ("schema v2", |d| d["schema"] = "perflab/results/v2".into()),
            ("median_ns a string", |d| {
                d["benchmarks"][0]["median_ns"] = "100".into()
            }),
            ("kind upper-case", |d| {
                d["benchmarks"][0]["kind"] = "Simd".into()
            }),
            ("clock unknown", |d| d["config"]["clock"] = "tsc".into()),
            ("no benchmarks", |d| {
                d.as_object_mut().unwrap().remove("benchmarks");
            }),
        ];
        for (what, mutate) in mutations {
            let mut bad = doc.clone();
            mutate(&mut bad);
            assert!(!schema_errors(&bad).is_empty(), "{what}: accepted");
            assert!(
                Results::parse(&bad.to_string(), Path::new("bad.json")).is_err(),
                "{what}: perflab reads it, the schema should not refuse it"
            );
        }
        // Unknown fields stay allowed: readers ignore them.
        let mut newer = doc;
        newer["future"] = 1.into();
        newer["benchmarks"][0]["another"] = "x".into();
        newer["environment"]["gpu"] = "none".into();
        assert_eq!(schema_errors(&newer), Vec::<String>::new());
    }

    #[test]
    fn schema_tag_pattern_and_parse_agree() {
        let base = serde_json::to_value(sample()).unwrap();
        for (tag, ok) in [
            ("perflab/results/v1", true),
            ("perflab/results/v1.3", true),
            ("perflab/results/v1.3.10", true),
            ("perflab/results/v2", false),
            ("perflab/results/v10", false),
            ("perflab/results/v01", false),
            ("perflab/results/v1.", false),
            ("perflab/results/v1.x", false),
            ("perflab/results/v1-beta", false),
            ("perflab/results/v1\n", false),
            ("perflab/results/v", false),
            ("other/results/v1", false),
            ("", false),
        ] {
            let mut doc = base.clone();
            doc["schema"] = tag.into();
            let read = Results::parse(&doc.to_string(), Path::new("x.json"));
            assert_eq!(read.is_ok(), ok, "{tag:?}: perflab");
            assert_eq!(schema_errors(&doc).is_empty(), ok, "{tag:?}: the schema");
        }
    }

    #[test]
    fn upsert_replaces_by_id() {
        let mut r = sample();
        let mut b = r.benchmarks[0].clone();
        b.samples_ns = vec![9.0];
        r.upsert(b);
        assert_eq!(r.benchmarks.len(), 1);
        assert_eq!(r.benchmarks[0].samples_ns, [9.0]);
    }
}
