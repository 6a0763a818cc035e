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
    for b in &results.benchmarks {
        let (Some(s), CellStatus::Ok) = (b.speedup_vs_naive, b.status) else {
            continue;
        };
        if s.median <= 0.0 {
            continue;
        }
        let key = (b.workload.clone(), b.allocator.clone());
        if !logs.contains_key(&key) {
            order.push(key.clone());
        }
        logs.entry(key)
            .or_default()
            .entry(b.variant.clone())
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

/// For every variant that allocates, at the largest size measured: each other allocator's
/// `time_vs_system`.
pub fn allocator_ratios(results: &Results) -> Vec<AllocatorRow> {
    let ok = |b: &&Benchmark| b.status == CellStatus::Ok;
    let mut largest: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for b in results.benchmarks.iter().filter(ok) {
        if b.allocator == "system" {
            let e = largest.entry((&b.workload, &b.variant)).or_default();
            *e = (*e).max(b.size_bytes);
        }
    }
    // (workload, variant, size) → every allocator's ratio, in file order: one pass, so a file of
    // 100 000 cells is summarised in linear time.
    type Key<'a> = (&'a str, &'a str, &'a str);
    let mut ratios: HashMap<Key, Vec<(String, Estimate)>> = HashMap::new();
    for b in results.benchmarks.iter().filter(ok) {
        if let Some(e) = b.time_vs_system {
            ratios
                .entry((&b.workload, &b.variant, &b.size))
                .or_default()
                .push((b.allocator.clone(), e));
        }
    }
    let mut done: HashSet<(&str, &str)> = HashSet::new();
    let mut rows: Vec<AllocatorRow> = Vec::new();
    for base in results.benchmarks.iter().filter(ok) {
        if base.allocator != "system"
            || largest.get(&(base.workload.as_str(), base.variant.as_str()))
                != Some(&base.size_bytes)
            || base.allocs_per_iter.unwrap_or(0.0) <= 0.0
            || !done.insert((&base.workload, &base.variant))
        {
            continue;
        }
        rows.push(AllocatorRow {
            workload: base.workload.clone(),
            variant: base.variant.clone(),
            size: base.size.clone(),
            allocs_per_iter: base.allocs_per_iter.unwrap_or(0.0),
            ratios: ratios
                .get(&(
                    base.workload.as_str(),
                    base.variant.as_str(),
                    base.size.as_str(),
                ))
                .cloned()
                .unwrap_or_default(),
        });
    }
    rows
}

/// The threshold of the allocator negative control: an allocator effect on a cell that makes no
/// allocation is counted when its whole interval lies more than 3% from 1.
pub const CONTROL_THRESHOLD: f64 = 0.03;

/// The allocator comparison's negative control ([`AllocatorControl`]) over `results`' cells.
pub fn allocator_control(results: &Results, threshold: f64) -> AllocatorControl {
    let mut control = AllocatorControl {
        threshold,
        ..AllocatorControl::default()
    };
    for b in &results.benchmarks {
        let (CellStatus::Ok, Some(e), Some(allocs)) =
            (b.status, b.time_vs_system, b.allocs_per_iter)
        else {
            continue;
        };
        // An arena variant allocates nothing per iteration, but its arena's chunks come from
        // the global allocator: not a cell the allocator cannot touch.
        if allocs > 0.0
            || b.reallocs_per_iter.unwrap_or(0.0) > 0.0
            || b.arena_bytes.unwrap_or(0) > 0
        {
            continue;
        }
        control.cells += 1;
        if e.ci95[0] > 1.0 + threshold || e.ci95[1] < 1.0 / (1.0 + threshold) {
            control.beyond += 1;
            control.ids.push(b.id.clone());
        }
    }
    control
}

/// The fastest measured cell of each size among `cells` (one workload's), by size label: the
/// highest throughput, the later of equals. What the report stars and heads each workload with,
/// and what `run --flame` profiles at the largest size, so the two always name the same cell.
pub fn fastest_by_size<'a>(cells: &[&'a Benchmark]) -> HashMap<&'a str, &'a Benchmark> {
    let mut fastest: HashMap<&str, &Benchmark> = HashMap::new();
    let tp = |c: &Benchmark| c.throughput_bytes_per_s.unwrap_or(0.0);
    for &b in cells
        .iter()
        .filter(|b| b.status == CellStatus::Ok && b.median_ns.is_some())
    {
        fastest
            .entry(b.size.as_str())
            .and_modify(|f| {
                if tp(b).total_cmp(&tp(f)).is_ge() {
                    *f = b;
                }
            })
            .or_insert(b);
    }
    fastest
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocator_ratios_are_relative_to_system_at_the_largest_size() {
        let mut r = Results::new(Environment::default(), RunConfig::default());
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
            b.median_ns = Some(1.0);
            b.allocs_per_iter = Some(allocs);
            b.time_vs_system = ratio.map(|m| Estimate {
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
    }

    #[test]
    fn zero_allocation_cells_are_the_negative_control() {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        for (v, allocs, lo, hi) in [
            ("a", 0.0, 0.99, 1.02),  // no effect
            ("b", 0.0, 1.05, 1.09),  // an "effect" on a cell that cannot have one
            ("c", 0.0, 0.90, 0.95),  // the other way
            ("d", 12.0, 1.20, 1.30), // allocates: not part of the control
        ] {
            let mut b = Benchmark::empty("w", v, VariantKind::Optimized, "jemalloc", "4KiB", 1);
            b.status = CellStatus::Ok;
            b.allocs_per_iter = Some(allocs);
            b.time_vs_system = Some(Estimate {
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
    use crate::results::{Benchmark, Environment, RunConfig};
    use crate::stats::Estimate;
    use perflab_core::VariantKind;

    #[test]
    fn geometric_mean_picks_the_consistent_winner() {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        // "spiky" is 100x at one size and 0.5x at three; "steady" is 4x everywhere.
        for (v, speeds) in [("spiky", [100.0, 0.5, 0.5, 0.5]), ("steady", [4.0; 4])] {
            for (i, s) in speeds.into_iter().enumerate() {
                let mut b =
                    Benchmark::empty("w", v, VariantKind::Simd, "system", &i.to_string(), 1);
                b.status = CellStatus::Ok;
                b.speedup_vs_naive = Some(Estimate {
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
