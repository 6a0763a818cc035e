//! The closing summary: per workload and allocator, which variant wins and by how much.
//!
//! Variants are ranked by the geometric mean of their speed-ups over naive across the sizes
//! measured (the way rebar ranks engines): one huge win at one size cannot hide losses at the
//! others, and ratios — unlike absolute times — average meaningfully across sizes.

use crate::results::{CellStatus, Results};
use std::collections::BTreeMap;

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
    /// `(allocator, median time / system's median time)`, system included (1.0).
    pub ratios: Vec<(String, f64)>,
}

/// For every variant that allocates, at the largest size measured: each allocator's median time
/// relative to `system`'s. Allocators run in separate processes, so these ratios are not paired;
/// METHODOLOGY.md says how far to trust them.
pub fn allocator_ratios(results: &Results) -> Vec<AllocatorRow> {
    let ok = |b: &&crate::results::Benchmark| b.status == CellStatus::Ok && b.median_ns.is_some();
    let mut rows = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for base in results
        .benchmarks
        .iter()
        .filter(ok)
        .filter(|b| b.allocator == "system")
    {
        let largest = results
            .benchmarks
            .iter()
            .filter(ok)
            .filter(|b| {
                b.workload == base.workload && b.variant == base.variant && b.allocator == "system"
            })
            .map(|b| b.size_bytes)
            .max();
        if Some(base.size_bytes) != largest
            || base.allocs_per_iter.unwrap_or(0.0) <= 0.0
            || !seen.insert((base.workload.clone(), base.variant.clone()))
        {
            continue;
        }
        let sys = base.median_ns.unwrap_or(f64::NAN);
        let ratios = results
            .benchmarks
            .iter()
            .filter(ok)
            .filter(|b| {
                b.workload == base.workload && b.variant == base.variant && b.size == base.size
            })
            .map(|b| (b.allocator.clone(), b.median_ns.unwrap_or(f64::NAN) / sys))
            .collect();
        rows.push(AllocatorRow {
            workload: base.workload.clone(),
            variant: base.variant.clone(),
            size: base.size.clone(),
            allocs_per_iter: base.allocs_per_iter.unwrap_or(0.0),
            ratios,
        });
    }
    rows
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocator_ratios_are_relative_to_system_at_the_largest_size() {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        for (alloc, size, t, allocs) in [
            ("system", 1, 50.0, 3.0),
            ("system", 2, 100.0, 3.0),
            ("jemalloc", 2, 80.0, 3.0),
            ("mimalloc", 2, 90.0, 3.0),
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
            b.median_ns = Some(t);
            b.allocs_per_iter = Some(allocs);
            r.upsert(b);
        }
        let rows = allocator_ratios(&r);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].size, "2");
        assert_eq!(
            rows[0].ratios,
            [
                ("system".into(), 1.0),
                ("jemalloc".into(), 0.8),
                ("mimalloc".into(), 0.9)
            ]
        );
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
