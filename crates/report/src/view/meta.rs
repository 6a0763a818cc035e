//! The page's reference parts: failed and unsupported cells (grouped, never hidden), the
//! environment and the run configuration.

use super::status_str;
use crate::fmt;
use perflab_harness::results::{CellStatus, Results};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Failed or unsupported cells of one variant that share their error.
pub struct Problem {
    /// `workload/variant`.
    pub what: String,
    pub status: &'static str,
    pub error: String,
    /// The cells' `allocator/size`, or a summary when it is every one of them.
    pub cells: Vec<String>,
}

/// Non-ok cells grouped by workload, variant, status and error (failed first), each group
/// listing its cells, so one unsupported variant is one line rather than twelve.
pub fn problems(results: &Results) -> Vec<Problem> {
    let mut groups: Vec<Problem> = Vec::new();
    // (what, status, error) → its group: a hash, so a file of many failed cells stays linear.
    let mut slot: HashMap<(String, &'static str, String), usize> = HashMap::new();
    for b in results
        .benchmarks
        .iter()
        .filter(|b| b.status != CellStatus::Ok)
    {
        let what = format!("{}/{}", b.workload, b.variant);
        let status = status_str(b.status);
        let error = b.error.clone().unwrap_or_else(|| match b.status {
            CellStatus::Unsupported => "this CPU lacks what the variant needs".to_owned(),
            _ => "no error message recorded".to_owned(),
        });
        let cell = format!("{}/{}", b.allocator, b.size);
        match slot.entry((what, status, error)) {
            Entry::Occupied(e) => groups[*e.get()].cells.push(cell),
            Entry::Vacant(e) => {
                let (what, status, error) = e.key().clone();
                e.insert(groups.len());
                groups.push(Problem {
                    what,
                    status,
                    error,
                    cells: vec![cell],
                });
            }
        }
    }
    groups.sort_by_key(|g| g.status != "failed");
    // A group that is every cell of its variant says so instead of listing them.
    let mut per_variant: HashMap<String, usize> = HashMap::new();
    for b in &results.benchmarks {
        *per_variant
            .entry(format!("{}/{}", b.workload, b.variant))
            .or_default() += 1;
    }
    for g in &mut groups {
        let all = per_variant.get(&g.what).copied().unwrap_or(0);
        if g.cells.len() == all && all > 1 {
            g.cells = vec![format!("all {all} cells (every allocator and size)")];
        }
    }
    groups
}

pub fn environment(r: &Results) -> Vec<(String, String)> {
    let e = &r.environment;
    let or_unknown = |s: &Option<String>| s.clone().unwrap_or_else(|| "unknown".to_owned());
    let mut rows = mixed_environments(r);
    rows.extend([
        ("CPU".into(), e.cpu_model.clone()),
        ("cores".into(), e.cores.to_string()),
        ("SIMD features".into(), e.simd_features.join(" ")),
        ("OS".into(), e.os.clone()),
        ("architecture".into(), e.arch.clone()),
        ("rustc".into(), or_unknown(&e.rustc)),
        ("commit".into(), or_unknown(&e.git_commit)),
        ("perflab".into(), e.perflab_version.clone()),
        ("timer precision".into(), fmt::time_ns(e.timer_precision_ns)),
        (
            "empty loop".into(),
            format!(
                "{} per iteration (included, not subtracted)",
                fmt::time_ns(e.empty_loop_ns)
            ),
        ),
    ]);
    rows
}

/// A merge of shards measured on different machines says so first: which environments, how
/// many cells each. Within a group the ratios are valid (a group never spans shards); absolute
/// times are comparable only within one environment.
fn mixed_environments(r: &Results) -> Vec<(String, String)> {
    if r.environments.len() < 2 {
        return Vec::new();
    }
    let mut cells = vec![0usize; r.environments.len()];
    for b in &r.benchmarks {
        if let Some(n) = cells.get_mut(b.environment.map_or(0, |k| k as usize)) {
            *n += 1;
        }
    }
    let each: Vec<String> = r
        .environments
        .iter()
        .zip(&cells)
        .map(|(e, n)| format!("{} ({} cores, {}): {n} cells", e.cpu_model, e.cores, e.os))
        .collect();
    vec![(
        "measured in".into(),
        format!(
            "{} different environments (a merge of shards from different machines; compare \
             absolute times only within one, ratios within a workload and size are paired): {}. \
             The rows below are the first's.",
            r.environments.len(),
            each.join("; ")
        ),
    )]
}

pub fn config(r: &Results) -> Vec<(String, String)> {
    let c = &r.config;
    let list = |v: &[String]| {
        if v.is_empty() {
            "all".to_owned()
        } else {
            v.join(", ")
        }
    };
    vec![
        ("preset".into(), c.preset.clone()),
        ("measure".into(), c.measure.clone()),
        ("workloads".into(), list(&c.workloads)),
        ("variants".into(), list(&c.variants)),
        ("kinds".into(), list(&c.kinds)),
        ("allocators".into(), list(&c.allocators)),
        (
            "sizes".into(),
            if c.sizes.is_empty() {
                "–".to_owned()
            } else {
                c.sizes
                    .iter()
                    .map(|s| fmt::size_label(*s))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        (
            "input file".into(),
            c.input.clone().unwrap_or_else(|| "generated".to_owned()),
        ),
        ("seed".into(), c.seed.to_string()),
        (
            "shard".into(),
            c.shard.clone().unwrap_or_else(|| "–".to_owned()),
        ),
        (
            "budget".into(),
            c.budget_s
                .map(|s| format!("{s} s"))
                .unwrap_or_else(|| "none".to_owned()),
        ),
        (
            "sample target".into(),
            fmt::time_ns(c.sample_target_ns as f64),
        ),
        ("warm-up per cell".into(), fmt::time_ns(c.warmup_ns as f64)),
        (
            "samples per cell".into(),
            format!("{}–{}", c.min_samples, c.max_samples),
        ),
    ]
}
