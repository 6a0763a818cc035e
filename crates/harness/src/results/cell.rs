//! One measured cell (`workload/variant/allocator/size`, `/Nt` at N threads): its status, its
//! samples and estimates, its allocation counts and its footprint.
//!
//! The cell's fields are grouped by concern ([`CellName`], [`Timing`], [`AllocationCounts`],
//! [`PairedRatios`], [`AbRatios`], [`Threaded`]), each `#[serde(flatten)]`ed into
//! [`Benchmark`], so a file's keys, their order and their omissions are those of one flat object:
//! the groups are for the reader of the code, not of the file. A group sits where its fields
//! always stood in the file (which is why `process_medians_ns` and `outliers`, written after the
//! paired ratios, are not in [`Timing`]), and a field keeps its doc comment word for word, since
//! it is the field's description in the published JSON Schema. Flattening costs the reader a
//! buffer of each cell's grouped fields (serde's `Content`): a 200 000-cell file (420 MB) parses
//! in about 4 s instead of 3, a default run's file in milliseconds either way.

use crate::stats::{Estimate, Outliers};
use perflab_core::VariantKind;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    /// Which cell this is.
    #[serde(flatten)]
    pub name: CellName,
    /// Outcome.
    pub status: CellStatus,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Its samples and the time estimated from them.
    #[serde(flatten)]
    pub time: Timing,
    /// What it asked of the global allocator.
    #[serde(flatten)]
    pub alloc: AllocationCounts,
    /// Instructions per iteration (instruction-count mode only).
    pub instructions: Option<f64>,
    /// Its time against the run's other cells of the same variant or allocator.
    #[serde(flatten)]
    pub paired: PairedRatios,
    /// The median time in each process that measured the cell, in the order of `samples_ns`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub process_medians_ns: Vec<f64>,
    /// Samples beyond Tukey's fences (reported, not removed).
    #[serde(default)]
    pub outliers: Option<Outliers>,
    /// A/B runs only: its time against the base build's.
    #[serde(flatten)]
    pub ab: AbRatios,
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
    /// What only a cell at more than one thread has.
    #[serde(flatten)]
    pub threaded: Threaded,
    /// The memory running the cell took from the OS, next to the memory it needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footprint: Option<Footprint>,
}

/// Which cell a [`Benchmark`] is: its id and the coordinates in the matrix it is made of (all
/// but the thread count, [`Benchmark::threads`], which the file keeps further down).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CellName {
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
}

/// A cell's samples and the time estimated from them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timing {
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
}

/// What a cell asked of the global allocator, counted in a pass of its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AllocationCounts {
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
}

/// A cell's time against the run's other cells, paired round by round in each process and
/// pooled over the processes. Absent in files from before pairing: `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct PairedRatios {
    /// Speed-up over naive (naive time / this time), paired round by round in each process and
    /// pooled over the processes.
    pub speedup_vs_naive: Option<Estimate>,
    /// Time under this allocator / time under `system` (same variant and size), paired within
    /// rounds and pooled over processes. `None` for system cells.
    pub time_vs_system: Option<Estimate>,
}

/// A/B runs only: a cell's time against the base build's, paired within rounds and pooled over
/// processes. Absent from the file when not measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct AbRatios {
    /// A/B runs only: this time / the base build's time, paired within rounds and pooled over
    /// processes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_base: Option<Estimate>,
    /// A/B runs only: when the group's first measurement showed a change beyond the threshold,
    /// it was measured again by fresh processes, and the attempt closer to "no change" is the
    /// one kept above; this is the other attempt's estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_base_other: Option<Estimate>,
}

/// What only a cell at more than one thread has; absent from the file otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Threaded {
    /// More than one thread: `threads × size_bytes` per median time per call, what the
    /// process got through in all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate_throughput_bytes_per_s: Option<f64>,
    /// More than one thread: time per call at `threads` ÷ time per call at one thread (both by
    /// the wall clock), paired within rounds in each process and pooled. 1.0 is perfect scaling;
    /// `threads` is no better than one thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaling_vs_one_thread: Option<Estimate>,
    /// More than one thread: where the threads' time went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contention: Option<Contention>,
}

pub(super) fn one_thread() -> u32 {
    1
}

pub(super) fn is_one_thread(n: &u32) -> bool {
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
            name: CellName {
                id: cell_id(workload, variant, allocator, size, 1),
                workload: workload.to_owned(),
                variant: variant.to_owned(),
                kind,
                allocator: allocator.to_owned(),
                size: size.to_owned(),
                size_bytes,
            },
            status: CellStatus::Failed,
            error: None,
            time: Timing::default(),
            alloc: AllocationCounts::default(),
            instructions: None,
            paired: PairedRatios::default(),
            process_medians_ns: Vec::new(),
            outliers: None,
            ab: AbRatios::default(),
            environment: None,
            clock: None,
            threads: 1,
            threaded: Threaded::default(),
            footprint: None,
        }
    }

    /// Whether the cell takes memory from the global allocator ([`AllocationCounts::allocates`]).
    pub fn allocates(&self) -> Option<bool> {
        self.alloc.allocates()
    }

    /// The same cell at `threads` threads (its id says so).
    pub fn at_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1) as u32;
        let n = &self.name;
        self.name.id = cell_id(&n.workload, &n.variant, &n.allocator, &n.size, threads);
        self
    }
}

impl AllocationCounts {
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
