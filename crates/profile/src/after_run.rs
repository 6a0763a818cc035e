//! Profiles after a run (`perflab run --flame`): the profiles that say *why* beside the numbers.
//!
//! For each workload, the naive variant and the fastest cell at the largest size measured are
//! profiled, and their SVGs, folded stacks and a differential flamegraph go to `DIR/flame/`,
//! listed in `DIR/flame/index.json`, which the report reads. Every path is relative to the run
//! directory, so the directory stays self-contained.
//!
//! Which cells, how their stacks compare and what the index says is decided here, beside the
//! profiler. Profiling one cell is the caller's: a cell must run under its own global allocator,
//! which only a fresh process of the binary (`perflab flame` in a child) can give it.

use crate::ProfileError;
use crate::folded::Folded;
use crate::render::{self, Labels};
use perflab_harness::results::{Benchmark, CellStatus, Results};
use perflab_report::flames::{
    CellFlame, FLAME_SCHEMA, FlameIndex, FrameChange, INDEX_PATH, WorkloadFlames, file_name,
};
use std::path::Path;

/// At most this many frames are kept in the index per workload: half the largest decreases in
/// time per iteration, half the largest increases.
const CHANGES_KEPT: usize = 12;

/// Profiles one cell into the files [`cell_files`] names: its stacks and what the index says of
/// it, or why it could not.
pub type ProfileCell<'a> = dyn FnMut(&Benchmark) -> Result<(Folded, CellFlame), String> + 'a;

/// Profiles every workload of `results` into `dir/flame/` and writes the index, after removing
/// the profiles of an earlier run there. `profile_cell` profiles one cell into the SVG and
/// folded stacks [`cell_files`] names and returns its stacks; a workload whose profile fails
/// keeps its error in the index (see [`WorkloadFlames::error`]), and the others go on.
///
/// # Errors
/// The directory or the index cannot be written.
pub fn profile_run(
    results: &Results,
    dir: &Path,
    seconds: f64,
    profile_cell: &mut ProfileCell<'_>,
) -> Result<FlameIndex, ProfileError> {
    let flame_dir = dir.join("flame");
    remove_stale(dir)?;
    std::fs::create_dir_all(&flame_dir).map_err(|source| ProfileError::Io {
        action: "create",
        path: flame_dir.clone(),
        source,
    })?;
    let mut workloads = Vec::new();
    for (workload, cells) in by_workload(results) {
        let Some(plan) = choose(&cells) else { continue };
        workloads.push(profile_workload(dir, profile_cell, workload, &plan));
    }
    let index = FlameIndex {
        schema: FLAME_SCHEMA.to_owned(),
        source: source_name(),
        seconds,
        workloads,
    };
    let path = dir.join(INDEX_PATH);
    let json = serde_json::to_vec_pretty(&index).expect("the index serialises");
    perflab_harness::results::write_file_atomic(&path, &json).map_err(|source| {
        ProfileError::Io {
            action: "write",
            path,
            source,
        }
    })?;
    Ok(index)
}

/// How the profiles were taken, as the index says it.
#[cfg(unix)]
fn source_name() -> String {
    format!(
        "pprof at {} Hz asked (the kernel's timer tick can allow fewer)",
        crate::sampling::FREQUENCY_HZ
    )
}

#[cfg(not(unix))]
fn source_name() -> String {
    "pprof".to_owned()
}

/// The SVG and folded stacks of `cell`, relative to the run directory: where `profile_cell`
/// writes them, and what the index links.
pub fn cell_files(cell: &Benchmark) -> (String, String) {
    (
        format!("flame/{}", file_name(&cell.name.id, "svg")),
        format!("flame/{}", file_name(&cell.name.id, "folded")),
    )
}

/// Removes `dir/flame/` left by an earlier run into the same directory: its pictures are of
/// other numbers, and the report would link them.
///
/// # Errors
/// The directory exists and cannot be removed.
pub fn remove_stale(dir: &Path) -> Result<(), ProfileError> {
    let flame_dir = dir.join("flame");
    match std::fs::remove_dir_all(&flame_dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ProfileError::Io {
            action: "remove old profiles",
            path: flame_dir,
            source,
        }),
    }
}

/// The measured cells of each workload, in the results' order.
fn by_workload(results: &Results) -> Vec<(&str, Vec<&Benchmark>)> {
    let mut out: Vec<(&str, Vec<&Benchmark>)> = Vec::new();
    for b in results
        .benchmarks
        .iter()
        .filter(|b| b.status == CellStatus::Ok && b.time.median_ns.is_some())
    {
        match out.iter_mut().find(|(w, _)| *w == b.name.workload) {
            Some((_, cells)) => cells.push(b),
            None => out.push((b.name.workload.as_str(), vec![b])),
        }
    }
    out
}

/// What to profile of one workload.
struct Plan<'a> {
    /// The fastest cell at the largest size measured.
    winner: &'a Benchmark,
    /// Naive at that size under the winner's allocator, when measured.
    naive: Option<&'a Benchmark>,
}

/// The fastest cell at the largest size with a time (the cell the report's headline names), and
/// naive beside it.
fn choose<'a>(cells: &[&'a Benchmark]) -> Option<Plan<'a>> {
    let largest = cells.iter().map(|b| b.name.size_bytes).max()?;
    let size = cells
        .iter()
        .find(|b| b.name.size_bytes == largest)?
        .name
        .size
        .as_str();
    let winner = *perflab_harness::summary::fastest_by_size(cells).get(size)?;
    let naive = cells.iter().copied().find(|b| {
        b.name.kind == perflab_core::VariantKind::Naive
            && b.name.allocator == winner.name.allocator
            && b.name.size == winner.name.size
            && b.threads == winner.threads
    });
    Some(Plan { winner, naive })
}

/// Profiles one workload's naive and winning cells and draws the differential flamegraph of the
/// two; what fails is said in the entry's `error`, and the rest goes on.
fn profile_workload(
    dir: &Path,
    profile_cell: &mut ProfileCell<'_>,
    workload: &str,
    plan: &Plan<'_>,
) -> WorkloadFlames {
    let mut entry = WorkloadFlames {
        workload: workload.to_owned(),
        size: plan.winner.name.size.clone(),
        allocator: plan.winner.name.allocator.clone(),
        ..WorkloadFlames::default()
    };
    let winner_is_naive = plan.naive.is_some_and(|n| n.name.id == plan.winner.name.id);
    let mut errors = Vec::new();
    let mut profiled = |cell: &Benchmark| match profile_cell(cell) {
        Ok(p) => Some(p),
        Err(e) => {
            errors.push(format!("{}: {e}", cell.name.id));
            None
        }
    };
    let naive = plan.naive.and_then(&mut profiled);
    let winner = if winner_is_naive {
        None
    } else {
        profiled(plan.winner)
    };
    if let (Some((nf, nflame)), Some((wf, wflame)), Some(naive_cell)) =
        (&naive, &winner, plan.naive)
    {
        entry.changes = changes(nf, naive_cell, wf, plan.winner);
        let diff = format!(
            "flame/{}",
            file_name(
                &format!(
                    "{workload}/{}-vs-naive/{}/{}",
                    plan.winner.name.variant, plan.winner.name.allocator, plan.winner.name.size
                ),
                "svg"
            )
        );
        let labels = Labels {
            title: format!("{} against {} (differential)", wflame.cell, nflame.cell),
            subtitle: Some(format!(
                "{}'s frames; red: a larger share of the samples than in naive, blue: a smaller one",
                plan.winner.name.variant
            )),
            count_name: "samples".into(),
        };
        let base = rerooted_kernel(nf, naive_cell, workload);
        let head = rerooted_kernel(wf, plan.winner, workload);
        match render::write_diff_svg(&labels, &base, &head, &dir.join(&diff)) {
            Ok(()) => entry.diff_svg = Some(diff),
            Err(e) => errors.push(format!("differential flamegraph: {e}")),
        }
    }
    entry.naive = naive.map(|(_, f)| f);
    entry.winner = winner.map(|(_, f)| f);
    if !errors.is_empty() {
        entry.error = Some(errors.join("; "));
    }
    entry
}

/// A cell's stacks are rooted at `workload/variant` (see perflab-profile's sampling); a
/// differential graph needs both rooted at the workload.
fn rerooted_kernel(folded: &Folded, cell: &Benchmark, workload: &str) -> Folded {
    folded.rerooted(&format!("{workload}/{}", cell.name.variant), workload)
}

/// The frames whose time per iteration changed most between naive and the winner: each
/// frame's share of its profile's self samples × that cell's measured median time.
fn changes(
    naive: &Folded,
    naive_cell: &Benchmark,
    winner: &Folded,
    winner_cell: &Benchmark,
) -> Vec<FrameChange> {
    let (nt, wt) = (
        naive_cell.time.median_ns.unwrap_or(0.0),
        winner_cell.time.median_ns.unwrap_or(0.0),
    );
    let mut all: Vec<FrameChange> = crate::folded::self_changes(naive, winner)
        .into_iter()
        .map(|c| FrameChange {
            naive_ns: c.base_share * nt,
            winner_ns: c.head_share * wt,
            short: crate::folded::short_name(&c.frame),
            frame: c.frame,
            naive_share: c.base_share,
            winner_share: c.head_share,
        })
        .collect();
    // The frames that shrank most and those that grew most: a winner is usually faster in
    // nearly every frame, so ranking by size alone would list only what shrank.
    all.sort_by(|a, b| a.delta_ns().total_cmp(&b.delta_ns()));
    let shrank: Vec<FrameChange> = all
        .iter()
        .filter(|c| c.delta_ns() < 0.0)
        .take(CHANGES_KEPT / 2)
        .cloned()
        .collect();
    let grew = all
        .iter()
        .rev()
        .filter(|c| c.delta_ns() > 0.0)
        .take(CHANGES_KEPT / 2)
        .cloned();
    shrank.into_iter().chain(grew).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::VariantKind;

    fn cell(variant: &str, kind: VariantKind, alloc: &str, size: u64, ns: f64) -> Benchmark {
        let mut b = Benchmark::empty("w", variant, kind, alloc, &format!("{size}B"), size);
        b.status = CellStatus::Ok;
        b.time.median_ns = Some(ns);
        b.time.throughput_bytes_per_s = Some(size as f64 * 1e9 / ns);
        b
    }

    #[test]
    fn the_fastest_cell_at_the_largest_size_and_naive_beside_it() {
        let cells = [
            cell("naive", VariantKind::Naive, "system", 10, 1.0),
            cell("simd", VariantKind::Simd, "system", 10, 0.1),
            cell("naive", VariantKind::Naive, "system", 100, 10.0),
            cell("naive", VariantKind::Naive, "jemalloc", 100, 9.0),
            cell("simd", VariantKind::Simd, "jemalloc", 100, 2.0),
            cell("opt", VariantKind::Optimized, "system", 100, 3.0),
        ];
        let refs: Vec<&Benchmark> = cells.iter().collect();
        let plan = choose(&refs).unwrap();
        assert_eq!(plan.winner.name.id, "w/simd/jemalloc/100B");
        assert_eq!(plan.naive.unwrap().name.id, "w/naive/jemalloc/100B");
        assert!(choose(&[]).is_none());
    }

    #[test]
    fn changes_are_time_per_iteration_largest_first() {
        let naive_cell = cell("naive", VariantKind::Naive, "system", 100, 1000.0);
        let simd_cell = cell("simd", VariantKind::Simd, "system", 100, 100.0);
        let mut naive = Folded::new();
        naive.add(["w/naive", "lower"], 50);
        naive.add(["w/naive", "hash"], 50);
        let mut simd = Folded::new();
        simd.add(["w/simd", "scan"], 9);
        simd.add(["w/simd", "hash"], 1);
        let c = changes(&naive, &naive_cell, &simd, &simd_cell);
        assert_eq!(c[0].frame, "lower");
        assert_eq!(c[0].delta_ns(), -500.0);
        assert_eq!(c[1].delta_ns(), 10.0 - 500.0);
        assert_eq!(c[2].frame, "scan", "what grew is listed too");
        assert_eq!(
            c.iter().find(|f| f.frame == "scan").unwrap().winner_ns,
            90.0
        );
    }
}
