//! The cell table of a workload's section: one row per cell of the matrix, every figure the
//! results hold for it, each a [`Sortable`]: formatted for reading, kept raw for sorting.

use super::baseline::{self, ChangeCell};
use super::sortable::Sortable;
use crate::RenderOptions;
use crate::change::Change;
use crate::fmt;
use perflab_harness::clock::Clock;
use perflab_harness::results::{Benchmark, CellName, CellStatus};

/// One table row: one cell of the matrix.
pub struct Row {
    /// The cell's id, variant, kind, allocator and size, as the results name them.
    pub name: CellName,
    pub status: &'static str,
    pub median: Sortable,
    pub ci: String,
    pub throughput: Sortable,
    pub speedup: Sortable,
    pub speedup_ci: String,
    pub allocs: Sortable,
    pub bytes_iter: Sortable,
    pub peak: Sortable,
    pub arena: Sortable,
    /// Threads that ran the variant at once (1 for files from before threads).
    pub threads: u32,
    /// The samples are wall time (the cell's own clock), not the run's clock.
    pub wall: bool,
    /// What the time and throughput are, for a cell at more than one thread or on the wall clock.
    pub time_title: String,
    pub throughput_title: String,
    /// Peak resident-set growth, peak live heap bytes, and their ratio.
    pub rss: Sortable,
    pub live: Sortable,
    pub frag: Sortable,
    /// The allocator's own figure of what it holds, and the pass's calls.
    pub memory_title: String,
    pub change: Option<ChangeCell>,
    pub profile: Option<String>,
    /// The fastest cell at its size.
    pub best: bool,
    pub error: String,
}

/// A cell's status as the page and its filters name it.
pub(super) fn status_str(s: CellStatus) -> &'static str {
    match s {
        CellStatus::Ok => "ok",
        CellStatus::Failed => "failed",
        CellStatus::Unsupported => "unsupported",
    }
}

/// Whether `b`'s samples are wall time while the run's clock is another: the page says so,
/// since such a time is not comparable with its neighbours'.
pub(super) fn on_wall_clock(b: &Benchmark, run_clock: Option<Clock>) -> bool {
    b.clock.is_some_and(|c| Some(c) != run_clock)
}

/// A cell's row; `best` stars it as the fastest at its size, `change` is its change against the
/// baseline.
pub(super) fn row(
    b: &Benchmark,
    best: bool,
    change: Option<&Change>,
    opts: &RenderOptions,
    run_clock: Option<Clock>,
) -> Row {
    let wall = on_wall_clock(b, run_clock);
    let fp = b.footprint.as_ref();
    let speedup = b.paired.speedup_vs_naive;
    Row {
        name: b.name.clone(),
        status: status_str(b.status),
        median: Sortable::of(b.time.median_ns, fmt::time_ns),
        ci: b.time.ci95_ns.map(fmt::time_ci).unwrap_or_default(),
        throughput: Sortable::of(b.time.throughput_bytes_per_s, fmt::throughput),
        speedup: Sortable::of(speedup.map(|e| e.median), fmt::ratio),
        speedup_ci: speedup.map(|e| fmt::ratio_ci(e.ci95)).unwrap_or_default(),
        allocs: Sortable::of(b.alloc.allocs_per_iter, fmt::count),
        bytes_iter: Sortable::of(b.alloc.bytes_allocated_per_iter, fmt::bytes),
        peak: Sortable::bytes(b.alloc.peak_bytes),
        arena: Sortable::bytes(b.alloc.arena_bytes),
        threads: b.threads,
        wall,
        time_title: time_title(b, wall),
        throughput_title: throughput_title(b),
        rss: Sortable::bytes(fp.and_then(|f| f.rss_growth_bytes)),
        live: Sortable::bytes(fp.and_then(|f| f.peak_live_bytes)),
        frag: Sortable::of(fp.and_then(|f| f.fragmentation), fmt::sig3),
        memory_title: memory_title(b),
        change: change.map(baseline::change_cell),
        profile: profile_link(b, opts),
        best,
        error: b.error.clone().unwrap_or_default(),
    }
}

/// What a cell's time is, when it is not the run's plain time per call.
fn time_title(b: &Benchmark, wall: bool) -> String {
    match (b.threads > 1, wall) {
        (true, _) => format!(
            "wall time per call: {} threads ran the variant at once, from the first one's start \
             to the last one's end",
            b.threads
        ),
        (false, true) => "wall time per call (this cell's own clock, not the run's)".to_owned(),
        (false, false) => String::new(),
    }
}

/// What a threaded cell's throughput is per (google/benchmark once left this unsaid).
fn throughput_title(b: &Benchmark) -> String {
    if b.threads <= 1 {
        return String::new();
    }
    match b.threaded.aggregate_throughput_bytes_per_s {
        Some(a) => format!(
            "per thread; {} over all {} threads",
            fmt::throughput(a),
            b.threads
        ),
        None => "per thread".to_owned(),
    }
}

/// How the footprint was taken, and the allocator's own figure where it reports one.
fn memory_title(b: &Benchmark) -> String {
    b.footprint
        .as_ref()
        .map(|f| {
            let mut t = format!("footprint pass: {} call(s) per thread", f.iters);
            if let Some(h) = &f.allocator {
                t.push_str(&format!(
                    "; {}: {} before, {} after",
                    h.source,
                    fmt::bytes(h.before_bytes as f64),
                    fmt::bytes(h.after_bytes as f64)
                ));
            }
            t
        })
        .unwrap_or_default()
}

/// `flame/<workload>-<variant>-<allocator>-<size>.svg`, relative to the page, when that file
/// exists in `opts.page_dir`.
fn profile_link(b: &Benchmark, opts: &RenderOptions) -> Option<String> {
    let dir = opts.page_dir.as_ref()?;
    let link = format!("flame/{}", crate::flames::file_name(&b.name.id, "svg"));
    (crate::flames::is_flame_path(&link) && dir.join(&link).is_file()).then_some(link)
}
