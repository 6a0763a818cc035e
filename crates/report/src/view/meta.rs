//! The page's reference parts: failed and unsupported cells (grouped, never hidden), the
//! environment and the run configuration.

use super::status_str;
use crate::fmt;
use perflab_harness::results::{CellStatus, Results};

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
        match groups
            .iter_mut()
            .find(|g| g.what == what && g.status == status && g.error == error)
        {
            Some(g) => g.cells.push(cell),
            None => groups.push(Problem {
                what,
                status,
                error,
                cells: vec![cell],
            }),
        }
    }
    groups.sort_by_key(|g| g.status != "failed");
    // A group that is every cell of its variant says so instead of listing them.
    for g in &mut groups {
        let all = results
            .benchmarks
            .iter()
            .filter(|b| format!("{}/{}", b.workload, b.variant) == g.what)
            .count();
        if g.cells.len() == all && all > 1 {
            g.cells = vec![format!("all {all} cells (every allocator and size)")];
        }
    }
    groups
}

pub fn environment(r: &Results) -> Vec<(String, String)> {
    let e = &r.environment;
    let or_unknown = |s: &Option<String>| s.clone().unwrap_or_else(|| "unknown".to_owned());
    vec![
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
    ]
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
