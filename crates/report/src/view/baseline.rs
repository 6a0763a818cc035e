//! The baseline view: each cell's change against a previous run, classified by
//! [`crate::change::classify`], with the called-out changes listed worst first.

use crate::change::{Change, DEFAULT_THRESHOLD};
use crate::fmt;
use perflab_harness::results::Results;
use std::collections::BTreeMap;

/// A cell's change against the baseline.
pub struct ChangeCell {
    pub class: &'static str,
    pub label: &'static str,
    pub text: String,
    pub ci: String,
    pub v: String,
}

/// The baseline comparison's summary.
pub struct Baseline {
    pub regressions: usize,
    pub improvements: usize,
    pub unchanged: usize,
    pub not_comparable: usize,
    pub threshold: String,
    pub commit: String,
    pub comparable_env: bool,
    /// Regressions and improvements, worst first.
    pub notable: Vec<BaselineRow>,
    pub only_in_base: Vec<String>,
}

/// A called-out change.
pub struct BaselineRow {
    pub id: String,
    pub class: &'static str,
    pub label: &'static str,
    pub base: String,
    pub head: String,
    pub change: String,
    pub ci: String,
}

pub fn change_cell(c: &Change) -> ChangeCell {
    let class = match c {
        Change::Regression(_) => "regression",
        Change::Improvement(_) => "improvement",
        Change::Unchanged(_) => "unchanged",
        Change::NotComparable(_) => "na",
    };
    match (c.ratio(), c) {
        (Some(e), _) => ChangeCell {
            class,
            label: c.label(),
            text: fmt::percent_change(e.median),
            ci: format!(
                "{} to {}",
                fmt::percent_change(e.ci95[0]),
                fmt::percent_change(e.ci95[1])
            ),
            v: format!("{}", e.median),
        },
        (None, Change::NotComparable(why)) => ChangeCell {
            class,
            label: c.label(),
            text: why.clone(),
            ci: String::new(),
            v: String::new(),
        },
        (None, _) => ChangeCell {
            class,
            label: c.label(),
            text: String::new(),
            ci: String::new(),
            v: String::new(),
        },
    }
}

pub fn baseline_view(
    results: &Results,
    base: &Results,
    changes: &BTreeMap<&str, Change>,
) -> Baseline {
    let count = |f: fn(&Change) -> bool| changes.values().filter(|c| f(c)).count();
    let base_index = base.index();
    let head_index = results.index();
    let mut notable: Vec<(f64, BaselineRow)> = Vec::new();
    for b in &results.benchmarks {
        let Some(c) = changes.get(b.name.id.as_str()) else {
            continue;
        };
        let (Change::Regression(e) | Change::Improvement(e)) = c else {
            continue;
        };
        let base_cell = base_index
            .get(b.name.id.as_str())
            .map(|&i| &base.benchmarks[i]);
        notable.push((
            -(e.median.ln().abs()),
            BaselineRow {
                id: b.name.id.clone(),
                class: c.label(),
                label: c.label(),
                base: base_cell
                    .and_then(|x| x.time.median_ns)
                    .map(fmt::time_ns)
                    .unwrap_or_default(),
                head: b.time.median_ns.map(fmt::time_ns).unwrap_or_default(),
                change: fmt::percent_change(e.median),
                ci: format!(
                    "{} to {}",
                    fmt::percent_change(e.ci95[0]),
                    fmt::percent_change(e.ci95[1])
                ),
            },
        ));
    }
    // Regressions first, each group by size of change.
    notable.sort_by(|a, b| {
        (a.1.class != "regression")
            .cmp(&(b.1.class != "regression"))
            .then(a.0.total_cmp(&b.0))
    });
    Baseline {
        regressions: count(|c| matches!(c, Change::Regression(_))),
        improvements: count(|c| matches!(c, Change::Improvement(_))),
        unchanged: count(|c| matches!(c, Change::Unchanged(_))),
        not_comparable: count(|c| matches!(c, Change::NotComparable(_))),
        threshold: format!("{}%", DEFAULT_THRESHOLD * 100.0),
        commit: base
            .environment
            .git_commit
            .clone()
            .unwrap_or_else(|| "unknown".to_owned()),
        comparable_env: base.environment.comparable_with(&results.environment),
        notable: notable.into_iter().map(|(_, r)| r).collect(),
        only_in_base: base
            .benchmarks
            .iter()
            .filter(|b| !head_index.contains_key(b.name.id.as_str()))
            .map(|b| b.name.id.clone())
            .collect(),
    }
}
