//! The allocator view: each allocator's time relative to `system` for every variant that
//! allocates, since an allocator can only matter where something is allocated; and the cells
//! that allocate nothing, as the negative control that says how far those ratios can be trusted.

use crate::charts;
use crate::fmt;
use perflab_harness::compare::{Shift, shift};
use perflab_harness::results::{AllocatorControl, CellStatus, Results};
use perflab_harness::stats::Estimate;
use perflab_harness::summary::{self, CONTROL_THRESHOLD};
use std::collections::BTreeMap;

/// One row of the allocator view: a variant that allocates, at one size.
pub struct AllocRow {
    pub workload: String,
    pub variant: String,
    pub size: String,
    pub allocs: String,
    pub system_time: String,
    /// One per non-system allocator, in order.
    pub others: Vec<AllocCell>,
    /// The estimates `others` show, for the summary over every row.
    ratios: Vec<Option<Estimate>>,
}

/// A ratio with its interval, classed by whether the whole interval lies beyond the allocator
/// threshold (another allocator's time relative to `system`, a threaded cell's scaling).
pub struct AllocCell {
    pub text: String,
    pub ci: String,
    pub class: &'static str,
    pub v: String,
}

/// One allocator against `system` over every allocating cell.
pub struct AllocSummary {
    pub name: String,
    pub color: String,
    pub geo_mean: String,
    pub class: &'static str,
    pub cells: usize,
    pub faster: usize,
    pub slower: usize,
}

/// The allocator table's columns (every allocator but system), its rows (harness's one model,
/// [`summary::allocator_table`]), and what the page says when there is nothing to compare.
pub fn allocator_view(
    results: &Results,
    allocators: &[String],
) -> (Vec<String>, Vec<AllocRow>, String) {
    let others: Vec<String> = allocators
        .iter()
        .filter(|a| *a != "system")
        .cloned()
        .collect();
    if !allocators.iter().any(|a| a == "system") {
        return (
            Vec::new(),
            Vec::new(),
            "No cell ran under the system allocator, so there is nothing to compare against."
                .to_owned(),
        );
    }
    if others.is_empty() {
        return (
            Vec::new(),
            Vec::new(),
            "Only the system allocator was measured; run with --allocator jemalloc --allocator mimalloc to compare."
                .to_owned(),
        );
    }
    let rows: Vec<AllocRow> = summary::allocator_table(results)
        .iter()
        .map(|row| {
            let s = row.system;
            let ratios: Vec<Option<Estimate>> = others.iter().map(|a| row.ratio(a)).collect();
            AllocRow {
                workload: s.name.workload.clone(),
                variant: s.name.variant.clone(),
                size: s.name.size.clone(),
                allocs: s.alloc.allocs_per_iter.map(fmt::count).unwrap_or_default(),
                system_time: s.time.median_ns.map(fmt::time_ns).unwrap_or_default(),
                others: ratios.iter().map(|e| ratio_cell(*e)).collect(),
                ratios,
            }
        })
        .collect();
    let note = if rows.is_empty() {
        "No variant allocates (allocations per iteration are 0 everywhere), so the allocator cannot matter.".to_owned()
    } else {
        String::new()
    };
    (others, rows, note)
}

/// A ratio's cell: green below 1 and red above when its whole interval lies beyond
/// [`CONTROL_THRESHOLD`] (perflab's one rule, [`shift`]), grey otherwise; `–` when absent.
pub fn ratio_cell(est: Option<Estimate>) -> AllocCell {
    match est {
        Some(e) => AllocCell {
            text: fmt::ratio(e.median),
            ci: fmt::ratio_ci(e.ci95),
            class: match shift(&e, CONTROL_THRESHOLD) {
                Some(Shift::Down) => "improvement",
                Some(Shift::Up) => "regression",
                None => "unchanged",
            },
            v: format!("{}", e.median),
        },
        None => AllocCell {
            text: "–".to_owned(),
            ci: String::new(),
            class: "na",
            v: String::new(),
        },
    }
}

/// Per other allocator: the geometric mean of its ratios to `system` over the allocating cells,
/// and how many cells are certainly faster or slower.
pub fn summarise(others: &[String], rows: &[AllocRow], allocators: &[String]) -> Vec<AllocSummary> {
    others
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let ratios: Vec<Estimate> = rows.iter().filter_map(|r| r.ratios[i]).collect();
            let logs: Vec<f64> = ratios
                .iter()
                .map(|e| e.median)
                .filter(|x| *x > 0.0)
                .map(f64::ln)
                .collect();
            if logs.is_empty() {
                return None;
            }
            let geo = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
            let shifted = |way| {
                ratios
                    .iter()
                    .filter(|e| shift(e, CONTROL_THRESHOLD) == Some(way))
                    .count()
            };
            Some(AllocSummary {
                name: name.clone(),
                color: charts::css(charts::allocator_color(
                    name,
                    allocators.iter().position(|a| a == name).unwrap_or(0),
                )),
                geo_mean: fmt::ratio(geo),
                class: if geo < 1.0 {
                    "improvement"
                } else {
                    "regression"
                },
                cells: logs.len(),
                faster: shifted(Shift::Down),
                slower: shifted(Shift::Up),
            })
        })
        .collect()
}

/// The negative control in sentences, one per thread count: how many cells that allocate
/// nothing still show an "allocator effect" beyond the threshold. Empty when the results have
/// no such cells. A file without threads gets the one sentence it always had.
pub fn control_lines(results: &Results) -> Vec<String> {
    // Thread counts above one: those measured, and those the file has a control for.
    let mut threaded: BTreeMap<u32, Option<&AllocatorControl>> = BTreeMap::new();
    for b in &results.benchmarks {
        if b.threads > 1 && b.status == CellStatus::Ok {
            threaded.entry(b.threads).or_default();
        }
    }
    for c in results
        .allocator_control_threaded
        .iter()
        .filter(|c| c.threads > 1)
    {
        threaded.insert(c.threads, Some(c));
    }
    // Files written before the threaded control was kept get it from their cells, by the
    // harness's own rule.
    let computed: Vec<AllocatorControl> = if threaded.values().any(Option::is_none) {
        summary::allocator_controls(results, CONTROL_THRESHOLD)
    } else {
        Vec::new()
    };
    let mut lines = Vec::new();
    if let Some(c) = &results.allocator_control {
        let at = if threaded.is_empty() {
            ""
        } else {
            " at 1 thread"
        };
        lines.push(format!(
            "Negative control{at}: {} of the {} cells that make no allocation at all show an \
             allocator effect beyond {}%{}. An allocator cannot change their time, so this is the \
             measurement's own error on this machine: trust allocator differences only beyond it.",
            c.beyond,
            c.cells,
            c.threshold * 100.0,
            listed(&c.ids)
        ));
    }
    for (t, stored) in threaded {
        let c = stored.or_else(|| computed.iter().find(|c| c.threads == t));
        lines.push(match c {
            Some(c) if c.cells > 0 => format!(
                "At {t} threads (under contention): {} of the {} cells that make no allocation \
                 show an allocator effect beyond {}%{}.",
                c.beyond,
                c.cells,
                c.threshold * 100.0,
                listed(&c.ids)
            ),
            _ => format!(
                "At {t} threads: no cell to control with — every cell measured at {t} threads \
                 counts some allocation (or was not measured under two allocators), so this \
                 thread count has no negative control."
            ),
        });
    }
    lines
}

/// ` (a, b, c, d, e, …)`: the first few ids, or nothing.
fn listed(ids: &[String]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let mut s = ids.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if ids.len() > 5 {
        s.push_str(", …");
    }
    format!(" ({s})")
}
