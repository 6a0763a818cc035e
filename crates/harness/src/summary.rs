//! The closing summary: per workload and allocator, which variant wins and by how much.
//!
//! Variants are ranked by the geometric mean of their speed-ups over naive across the sizes
//! measured (the way rebar ranks engines): one huge win at one size cannot hide losses at the
//! others, and ratios — unlike absolute times — average meaningfully across sizes.

use crate::results::{AllocatorControl, Benchmark, CellStatus, Results};
use crate::stats::Estimate;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One line of the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Winner {
    /// Workload.
    pub workload: String,
    /// Allocator.
    pub allocator: String,
    /// The variant with the best geometric-mean speed-up.
    pub variant: String,
    /// Its geometric-mean speed-up over naive.
    pub speedup: f64,
    /// Sizes it was measured at.
    pub sizes: usize,
}

/// The winner of every (workload, allocator) pair that has speed-ups, in first-seen order.
pub fn winners(results: &Results) -> Vec<Winner> {
    // (workload, allocator) → variant → ln(speed-ups)
    let mut order: Vec<(String, String)> = Vec::new();
    let mut logs: BTreeMap<(String, String), BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    // One thread: a variant's ranking is of its speed, not of how it shares a machine (the
    // threads view has that).
    for b in results.benchmarks.iter().filter(|b| b.threads == 1) {
        let (Some(s), CellStatus::Ok) = (b.paired.speedup_vs_naive, b.status) else {
            continue;
        };
        if s.median <= 0.0 {
            continue;
        }
        let key = (b.name.workload.clone(), b.name.allocator.clone());
        if !logs.contains_key(&key) {
            order.push(key.clone());
        }
        logs.entry(key)
            .or_default()
            .entry(b.name.variant.clone())
            .or_default()
            .push(s.median.ln());
    }
    order
        .into_iter()
        .filter_map(|key| {
            let variants = &logs[&key];
            let (variant, ls) = variants.iter().max_by(|a, b| {
                let (ma, mb) = (mean(a.1), mean(b.1));
                ma.total_cmp(&mb).then_with(|| b.0.cmp(a.0))
            })?;
            Some(Winner {
                workload: key.0.clone(),
                allocator: key.1.clone(),
                variant: variant.clone(),
                speedup: mean(ls).exp(),
                sizes: ls.len(),
            })
        })
        .collect()
}

/// One allocating variant's time under each allocator, relative to `system`.
#[derive(Clone, Debug, PartialEq)]
pub struct AllocatorRow {
    /// Workload.
    pub workload: String,
    /// Variant.
    pub variant: String,
    /// Size label.
    pub size: String,
    /// Allocations per iteration (under `system`).
    pub allocs_per_iter: f64,
    /// `(allocator, time / system's time)` for every other allocator, paired within rounds
    /// (`time_vs_system`).
    pub ratios: Vec<(String, Estimate)>,
}

/// One variant that allocates, at one size, on one thread: its cell under `system` and the same
/// cell under each other allocator. perflab's one model of the allocator comparison: the report's
/// allocator table shows every row of [`allocator_table`], the terminal ([`allocator_ratios`])
/// each variant's largest size.
#[derive(Clone, Debug)]
pub struct AllocatorCells<'a> {
    /// The cell under system.
    pub system: &'a Benchmark,
    /// The same workload, variant and size under the other allocators, in file order.
    pub others: Vec<&'a Benchmark>,
}

impl AllocatorCells<'_> {
    /// `allocator`'s time relative to system: the estimate paired within rounds, or, for files
    /// written before the engine paired allocators, the unpaired ratio of the two medians.
    pub fn ratio(&self, allocator: &str) -> Option<Estimate> {
        let (s, c) = (
            self.system,
            self.others.iter().find(|c| c.name.allocator == allocator)?,
        );
        c.paired.time_vs_system.or_else(|| {
            let seed = crate::compare::seed_of(&c.name.id);
            crate::compare::time_ratio(
                &s.time.samples_ns,
                s.time.median_ns,
                &c.time.samples_ns,
                c.time.median_ns,
                seed,
            )
        })
    }
}

/// Every variant that allocates (per call, under any allocator, at any size), at each size it
/// has a time at under system, on one thread (the threads view compares allocators at more):
/// workload by workload and variant by variant in the order the results first name them, sizes
/// ascending. An allocator can only matter where something is allocated.
pub fn allocator_table(results: &Results) -> Vec<AllocatorCells<'_>> {
    indexed_allocator_table(results)
        .into_iter()
        .map(|(_, row)| row)
        .collect()
}

/// [`allocator_table`], each row with the position of its system cell in the file.
fn indexed_allocator_table(results: &Results) -> Vec<(usize, AllocatorCells<'_>)> {
    let measured =
        |b: &Benchmark| b.status == CellStatus::Ok && b.time.median_ns.is_some() && b.threads == 1;
    // One pass over the cells: each workload's measured cells, so the table is linear in the file.
    let mut workloads: Vec<&str> = Vec::new();
    let mut by_workload: HashMap<&str, Vec<(usize, &Benchmark)>> = HashMap::new();
    for (i, b) in results.benchmarks.iter().enumerate() {
        let cells = by_workload.entry(&b.name.workload).or_insert_with(|| {
            workloads.push(&b.name.workload);
            Vec::new()
        });
        if measured(b) {
            cells.push((i, b));
        }
    }
    let mut rows = Vec::new();
    for w in workloads {
        rows.extend(workload_allocator_rows(&by_workload[w]));
    }
    rows
}

/// The allocator table's rows of one workload's measured `cells` (with their positions).
fn workload_allocator_rows<'a>(
    cells: &[(usize, &'a Benchmark)],
) -> Vec<(usize, AllocatorCells<'a>)> {
    let mut rank: HashMap<&str, usize> = HashMap::new();
    for (_, b) in cells
        .iter()
        .filter(|(_, b)| b.alloc.allocs_per_iter.is_some_and(|a| a > 0.0))
    {
        let next = rank.len();
        rank.entry(&b.name.variant).or_insert(next);
    }
    let mut others: HashMap<(&str, &str), Vec<&Benchmark>> = HashMap::new();
    for (_, b) in cells.iter().filter(|(_, b)| b.name.allocator != "system") {
        others
            .entry((&b.name.variant, &b.name.size))
            .or_default()
            .push(b);
    }
    let mut system: Vec<&(usize, &Benchmark)> = cells
        .iter()
        .filter(|(_, b)| b.name.allocator == "system" && rank.contains_key(b.name.variant.as_str()))
        .collect();
    system.sort_by_key(|(_, b)| (rank.get(b.name.variant.as_str()), b.name.size_bytes));
    system
        .into_iter()
        .map(|&(i, s)| {
            let others = others
                .get(&(s.name.variant.as_str(), s.name.size.as_str()))
                .cloned()
                .unwrap_or_default();
            (i, AllocatorCells { system: s, others })
        })
        .collect()
}

/// For every variant that allocates at the largest size measured under system, on one thread:
/// each other allocator's `time_vs_system` (the rows of [`allocator_table`] at those sizes, in
/// the order of their system cells in the file).
pub fn allocator_ratios(results: &Results) -> Vec<AllocatorRow> {
    let table = indexed_allocator_table(results);
    let mut largest: HashMap<(&str, &str), u64> = HashMap::new();
    for (_, row) in &table {
        let s = row.system;
        let e = largest
            .entry((&s.name.workload, &s.name.variant))
            .or_default();
        *e = (*e).max(s.name.size_bytes);
    }
    let mut done: HashSet<(&str, &str)> = HashSet::new();
    let mut rows: Vec<(usize, AllocatorRow)> = Vec::new();
    for (i, row) in &table {
        let base = row.system;
        if largest.get(&(base.name.workload.as_str(), base.name.variant.as_str()))
            != Some(&base.name.size_bytes)
            || base.alloc.allocs_per_iter.unwrap_or(0.0) <= 0.0
            || !done.insert((&base.name.workload, &base.name.variant))
        {
            continue;
        }
        let ratios = row
            .others
            .iter()
            .filter_map(|c| Some((c.name.allocator.clone(), c.paired.time_vs_system?)))
            .collect();
        rows.push((
            *i,
            AllocatorRow {
                workload: base.name.workload.clone(),
                variant: base.name.variant.clone(),
                size: base.name.size.clone(),
                allocs_per_iter: base.alloc.allocs_per_iter.unwrap_or(0.0),
                ratios,
            },
        ));
    }
    rows.sort_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// The threshold of the allocator negative control: an allocator effect on a cell that makes no
/// allocation is counted when its whole interval lies more than 3% from 1.
pub const CONTROL_THRESHOLD: f64 = 0.03;

/// The allocator comparison's negative control ([`AllocatorControl`]) over `results`' one-thread
/// cells.
pub fn allocator_control(results: &Results, threshold: f64) -> AllocatorControl {
    allocator_controls(results, threshold)
        .into_iter()
        .find(|c| c.threads == 1)
        .unwrap_or(AllocatorControl {
            threshold,
            threads: 1,
            ..AllocatorControl::default()
        })
}

/// The negative control at every thread count measured, one thread first: cells that make no
/// allocation cannot be moved by the allocator under contention either. Thread counts with no
/// such cell are left out.
pub fn allocator_controls(results: &Results, threshold: f64) -> Vec<AllocatorControl> {
    let mut by_threads: BTreeMap<u32, AllocatorControl> = BTreeMap::new();
    for b in &results.benchmarks {
        // An arena variant allocates nothing per iteration, but its arena's chunks come from
        // the global allocator: not a cell the allocator cannot touch.
        let (CellStatus::Ok, Some(e), Some(false)) =
            (b.status, b.paired.time_vs_system, b.allocates())
        else {
            continue;
        };
        let control = by_threads
            .entry(b.threads)
            .or_insert_with(|| AllocatorControl {
                threads: b.threads,
                threshold,
                ..AllocatorControl::default()
            });
        control.cells += 1;
        if crate::compare::beyond(&e, threshold) {
            control.beyond += 1;
            control.ids.push(b.name.id.clone());
        }
    }
    by_threads.into_values().collect()
}

/// The fastest measured one-thread cell of each size among `cells` (one workload's), by size
/// label: the highest throughput, the later of equals. What the report stars and heads each
/// workload with, and what `run --flame` profiles at the largest size, so the two always name the
/// same cell. (Cells at more than one thread are compared in the threads view, by their own
/// figures: their throughput per thread is not a kernel's speed.)
pub fn fastest_by_size<'a>(cells: &[&'a Benchmark]) -> HashMap<&'a str, &'a Benchmark> {
    let mut fastest: HashMap<&str, &Benchmark> = HashMap::new();
    let tp = |c: &Benchmark| c.time.throughput_bytes_per_s.unwrap_or(0.0);
    for &b in cells
        .iter()
        .filter(|b| b.status == CellStatus::Ok && b.time.median_ns.is_some() && b.threads == 1)
    {
        fastest
            .entry(b.name.size.as_str())
            .and_modify(|f| {
                if tp(b).total_cmp(&tp(f)).is_ge() {
                    *f = b;
                }
            })
            .or_insert(b);
    }
    fastest
}

/// One workload under threads, as the report's threads view and the terminal show it: at the
/// largest size measured at more than one thread, every allocating variant under every
/// allocator at every thread count, and which allocator wins at the most threads.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadsView {
    /// Workload.
    pub workload: String,
    /// The size label (the largest measured at more than one thread).
    pub size: String,
    /// The thread counts measured at that size, ascending (1 first).
    pub threads: Vec<u32>,
    /// The allocators, in the order the results list them.
    pub allocators: Vec<String>,
    /// One per variant and allocator, variant by variant: variants that allocate first (where an
    /// allocator can matter), then the others.
    pub rows: Vec<ThreadsRow>,
    /// Which allocator wins at the most threads, when variants allocate and `system` was measured.
    pub verdict: Option<AllocatorVerdict>,
}

/// One variant under one allocator, at every thread count of its workload's view.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadsRow {
    /// Variant.
    pub variant: String,
    /// Allocator.
    pub allocator: String,
    /// Whether the variant allocates (per call, or from an arena) at one thread.
    pub allocates: bool,
    /// One per thread count of the view (`None`: not measured or failed).
    pub points: Vec<Option<ThreadsPoint>>,
}

/// One cell of the threads view.
#[derive(Clone, Debug, PartialEq)]
pub struct ThreadsPoint {
    /// Thread count.
    pub threads: u32,
    /// The cell's id.
    pub id: String,
    /// Time per call (wall time above one thread), ns.
    pub median_ns: f64,
    /// Bytes per second over all threads.
    pub aggregate_throughput: Option<f64>,
    /// Time per call ÷ time at one thread (above one thread).
    pub scaling: Option<Estimate>,
    /// Time ÷ system's at the same thread count (not for system).
    pub time_vs_system: Option<Estimate>,
    /// Peak resident-set growth, bytes.
    pub rss_growth: Option<u64>,
    /// Peak live heap bytes.
    pub peak_live: Option<u64>,
}

impl ThreadsPoint {
    /// Cell `b` as a point of the threads view; `None` without a time.
    fn of(b: &Benchmark) -> Option<ThreadsPoint> {
        let fp = b.footprint.as_ref();
        Some(ThreadsPoint {
            threads: b.threads,
            id: b.name.id.clone(),
            median_ns: b.time.median_ns?,
            aggregate_throughput: b
                .threaded
                .aggregate_throughput_bytes_per_s
                .or(b.time.throughput_bytes_per_s),
            scaling: b.threaded.scaling_vs_one_thread,
            time_vs_system: b.paired.time_vs_system,
            rss_growth: fp.and_then(|f| f.rss_growth_bytes),
            peak_live: fp.and_then(|f| f.peak_live_bytes),
        })
    }
}

/// The allocator comparison at a workload's most threads.
#[derive(Clone, Debug, PartialEq)]
pub struct AllocatorVerdict {
    /// The thread count.
    pub threads: u32,
    /// Every allocator with a figure, system first.
    pub allocators: Vec<Standing>,
    /// The allocator with the lowest geometric mean.
    pub winner: String,
    /// Allocating variants compared.
    pub variants: usize,
}

/// One allocator's place in an [`AllocatorVerdict`].
#[derive(Clone, Debug, PartialEq)]
pub struct Standing {
    /// The allocator.
    pub allocator: String,
    /// The geometric mean over the allocating variants of its time relative to system (1.0 for
    /// system itself).
    pub geo_mean: f64,
    /// Variants whose interval lies wholly below 1 (beyond [`CONTROL_THRESHOLD`]): certainly
    /// faster than under system.
    pub faster: usize,
    /// … wholly above: certainly slower.
    pub slower: usize,
    /// The largest peak resident-set growth among the allocating variants (`None`: no
    /// footprint measured).
    pub memory: Option<u64>,
}

/// The threads view of every workload measured at more than one thread, in first-seen order.
pub fn threads_views(results: &Results) -> Vec<ThreadsView> {
    let ok = |b: &&Benchmark| b.status == CellStatus::Ok && b.time.median_ns.is_some();
    let mut order: Vec<&str> = Vec::new();
    let mut by_workload: HashMap<&str, Vec<&Benchmark>> = HashMap::new();
    for b in results.benchmarks.iter().filter(ok) {
        if !by_workload.contains_key(b.name.workload.as_str()) {
            order.push(&b.name.workload);
        }
        by_workload.entry(&b.name.workload).or_default().push(b);
    }
    order
        .into_iter()
        .filter_map(|w| threads_view(w, &by_workload[w], &results.config.allocators))
        .collect()
}

fn threads_view(workload: &str, cells: &[&Benchmark], order: &[String]) -> Option<ThreadsView> {
    let (size_bytes, size) = cells
        .iter()
        .filter(|b| b.threads > 1)
        .map(|b| (b.name.size_bytes, b.name.size.as_str()))
        .max()?;
    let here: Vec<&Benchmark> = cells
        .iter()
        .copied()
        .filter(|b| b.name.size == size && b.name.size_bytes == size_bytes)
        .collect();
    let mut threads: Vec<u32> = here.iter().map(|b| b.threads).collect();
    threads.sort_unstable();
    threads.dedup();
    let mut allocators: Vec<String> = order
        .iter()
        .filter(|a| here.iter().any(|b| &b.name.allocator == *a))
        .cloned()
        .collect();
    for b in &here {
        if !allocators.contains(&b.name.allocator) {
            allocators.push(b.name.allocator.clone());
        }
    }
    let mut variants: Vec<&str> = Vec::new();
    for b in &here {
        if !variants.contains(&b.name.variant.as_str()) {
            variants.push(&b.name.variant);
        }
    }
    let at: HashMap<(&str, &str, u32), &Benchmark> = here
        .iter()
        .map(|b| {
            (
                (
                    b.name.variant.as_str(),
                    b.name.allocator.as_str(),
                    b.threads,
                ),
                *b,
            )
        })
        .collect();
    let allocates = |v: &str| {
        here.iter()
            .any(|b| b.name.variant == v && b.threads == 1 && b.allocates() == Some(true))
    };
    variants.sort_by_key(|v| !allocates(v));
    let mut rows = Vec::new();
    for v in &variants {
        for a in &allocators {
            let points: Vec<Option<ThreadsPoint>> = threads
                .iter()
                .map(|&t| ThreadsPoint::of(at.get(&(v, a.as_str(), t))?))
                .collect();
            if points.iter().any(Option::is_some) {
                rows.push(ThreadsRow {
                    variant: (*v).to_owned(),
                    allocator: a.clone(),
                    allocates: allocates(v),
                    points,
                });
            }
        }
    }
    let verdict = verdict(&rows, &allocators, *threads.last()?);
    Some(ThreadsView {
        workload: workload.to_owned(),
        size: size.to_owned(),
        threads,
        allocators,
        rows,
        verdict,
    })
}

/// Which allocator is fastest, over the allocating variants, at `threads`.
fn verdict(rows: &[ThreadsRow], allocators: &[String], threads: u32) -> Option<AllocatorVerdict> {
    if threads <= 1 || !allocators.iter().any(|a| a == "system") || allocators.len() < 2 {
        return None;
    }
    let point = |r: &ThreadsRow| {
        r.points
            .iter()
            .flatten()
            .find(|p| p.threads == threads)
            .cloned()
    };
    let allocating: Vec<&ThreadsRow> = rows.iter().filter(|r| r.allocates).collect();
    let variants = {
        let mut v: Vec<&str> = allocating.iter().map(|r| r.variant.as_str()).collect();
        v.dedup();
        v.len()
    };
    if variants == 0 {
        return None;
    }
    let mut standings = Vec::new();
    for a in allocators {
        let mine: Vec<ThreadsPoint> = allocating
            .iter()
            .filter(|r| &r.allocator == a)
            .filter_map(|r| point(r))
            .collect();
        let memory = mine.iter().filter_map(|p| p.rss_growth).max();
        if a == "system" {
            standings.push(Standing {
                allocator: a.clone(),
                geo_mean: 1.0,
                faster: 0,
                slower: 0,
                memory,
            });
            continue;
        }
        let ratios: Vec<Estimate> = mine.iter().filter_map(|p| p.time_vs_system).collect();
        if ratios.is_empty() {
            continue;
        }
        let shifted = |way| {
            ratios
                .iter()
                .filter(|e| crate::compare::shift(e, CONTROL_THRESHOLD) == Some(way))
                .count()
        };
        standings.push(Standing {
            allocator: a.clone(),
            geo_mean: mean(&ratios.iter().map(|e| e.median.ln()).collect::<Vec<_>>()).exp(),
            faster: shifted(crate::compare::Shift::Down),
            slower: shifted(crate::compare::Shift::Up),
            memory,
        });
    }
    let winner = standings
        .iter()
        .min_by(|x, y| x.geo_mean.total_cmp(&y.geo_mean))?
        .allocator
        .clone();
    Some(AllocatorVerdict {
        threads,
        allocators: standings,
        winner,
        variants,
    })
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocator_ratios_are_relative_to_system_at_the_largest_size() {
        let mut r = fixture::empty();
        for (alloc, size, ratio, allocs) in [
            ("system", 1, None, 3.0),
            ("system", 2, None, 3.0),
            ("jemalloc", 2, Some(0.8), 3.0),
            ("mimalloc", 2, Some(0.9), 3.0),
            ("mimalloc", 1, Some(1.5), 3.0),
        ] {
            let mut b = Benchmark::empty(
                "w",
                "naive",
                VariantKind::Naive,
                alloc,
                &size.to_string(),
                size,
            );
            b.status = CellStatus::Ok;
            b.time.median_ns = Some(1.0);
            b.alloc.allocs_per_iter = Some(allocs);
            b.paired.time_vs_system = ratio.map(|m| Estimate {
                median: m,
                ci95: [m - 0.01, m + 0.01],
            });
            r.upsert(b);
        }
        let rows = allocator_ratios(&r);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].size, "2");
        let got: Vec<(&str, f64)> = rows[0]
            .ratios
            .iter()
            .map(|(a, e)| (a.as_str(), e.median))
            .collect();
        assert_eq!(got, [("jemalloc", 0.8), ("mimalloc", 0.9)]);
        // The report's table has every size, and what the terminal shows is its largest row.
        let table = allocator_table(&r);
        let sizes: Vec<&str> = table.iter().map(|t| t.system.name.size.as_str()).collect();
        assert_eq!(sizes, ["1", "2"]);
        assert_eq!(table[0].ratio("mimalloc").map(|e| e.median), Some(1.5));
        assert_eq!(table[0].ratio("jemalloc"), None);
    }

    #[test]
    fn zero_allocation_cells_are_the_negative_control() {
        let mut r = fixture::empty();
        for (v, allocs, lo, hi) in [
            ("a", 0.0, 0.99, 1.02),  // no effect
            ("b", 0.0, 1.05, 1.09),  // an "effect" on a cell that cannot have one
            ("c", 0.0, 0.90, 0.95),  // the other way
            ("d", 12.0, 1.20, 1.30), // allocates: not part of the control
        ] {
            let mut b = Benchmark::empty("w", v, VariantKind::Optimized, "jemalloc", "4KiB", 1);
            b.status = CellStatus::Ok;
            b.alloc.allocs_per_iter = Some(allocs);
            b.paired.time_vs_system = Some(Estimate {
                median: (lo + hi) / 2.0,
                ci95: [lo, hi],
            });
            r.upsert(b);
        }
        let c = allocator_control(&r, 0.03);
        assert_eq!((c.cells, c.beyond), (3, 2));
        assert_eq!(c.ids, ["w/b/jemalloc/4KiB", "w/c/jemalloc/4KiB"]);
    }

    use super::*;
    use crate::results::{Benchmark, fixture};
    use crate::stats::Estimate;
    use perflab_core::VariantKind;

    #[test]
    fn geometric_mean_picks_the_consistent_winner() {
        let mut r = fixture::empty();
        // "spiky" is 100x at one size and 0.5x at three; "steady" is 4x everywhere.
        for (v, speeds) in [("spiky", [100.0, 0.5, 0.5, 0.5]), ("steady", [4.0; 4])] {
            for (i, s) in speeds.into_iter().enumerate() {
                let mut b =
                    Benchmark::empty("w", v, VariantKind::Simd, "system", &i.to_string(), 1);
                b.status = CellStatus::Ok;
                b.paired.speedup_vs_naive = Some(Estimate {
                    median: s,
                    ci95: [s, s],
                });
                r.upsert(b);
            }
        }
        let w = winners(&r);
        assert!(allocator_ratios(&r).is_empty(), "nothing allocates");
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].variant, "steady");
        assert!((w[0].speedup - 4.0).abs() < 1e-9);
    }
}
