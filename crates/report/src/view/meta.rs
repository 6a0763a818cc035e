//! The page's reference parts: failed and unsupported cells (grouped, never hidden), the
//! environment and the run configuration.

use super::cells::status_str;
use crate::fmt;
use perflab_harness::results::{CellStatus, Environment, Results};
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
        let what = format!("{}/{}", b.name.workload, b.name.variant);
        let status = status_str(b.status);
        let error = b.error.clone().unwrap_or_else(|| match b.status {
            CellStatus::Unsupported => "this CPU lacks what the variant needs".to_owned(),
            _ => "no error message recorded".to_owned(),
        });
        let cell = if b.threads > 1 {
            format!("{}/{}/{}t", b.name.allocator, b.name.size, b.threads)
        } else {
            format!("{}/{}", b.name.allocator, b.name.size)
        };
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
            .entry(format!("{}/{}", b.name.workload, b.name.variant))
            .or_default() += 1;
    }
    let every = if results.benchmarks.iter().any(|b| b.threads > 1) {
        "every allocator, size and thread count"
    } else {
        "every allocator and size"
    };
    for g in &mut groups {
        let all = per_variant.get(&g.what).copied().unwrap_or(0);
        if g.cells.len() == all && all > 1 {
            g.cells = vec![format!("all {all} cells ({every})")];
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
    ]);
    rows.extend(allocator_environment(e));
    rows.extend([
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

/// The CPUs the run could use, the allocators' and glibc's versions and the allocator variables
/// set: what a threaded cell's figures depend on besides the code. Files written before these
/// were recorded have none of them, and get no rows (rather than a misleading "none set").
fn allocator_environment(e: &Environment) -> Vec<(String, String)> {
    if e.cpu_set.is_empty() && e.allocator_versions.is_none() && e.allocator_env.is_empty() {
        return Vec::new();
    }
    let mut rows = Vec::new();
    rows.push((
        "CPU set".to_owned(),
        if e.cpu_set.is_empty() {
            "unknown".to_owned()
        } else {
            let n = e.cpu_set.len();
            format!(
                "{} ({n} CPU{} this run could use)",
                super::threads::cpu_ranges(&e.cpu_set),
                if n == 1 { "" } else { "s" }
            )
        },
    ));
    let v = e.allocator_versions.clone().unwrap_or_default();
    let version = |x: &Option<String>| x.clone().unwrap_or_else(|| "unknown".to_owned());
    rows.push(("jemalloc".to_owned(), version(&v.jemalloc)));
    rows.push(("mimalloc".to_owned(), version(&v.mimalloc)));
    rows.push(("glibc (system allocator)".to_owned(), version(&v.glibc)));
    rows.push((
        "allocator variables".to_owned(),
        if e.allocator_env.is_empty() {
            "none set".to_owned()
        } else {
            e.allocator_env
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ")
        },
    ));
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
    [
        ("preset".into(), c.preset.to_string()),
        ("measure".into(), c.measure.to_string()),
        ("workloads".into(), list(&c.workloads)),
        ("variants".into(), list(&c.variants)),
        (
            "kinds".into(),
            list(&c.kinds.iter().map(|k| k.to_string()).collect::<Vec<_>>()),
        ),
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
    ]
    .into_iter()
    .chain(threads_config(r))
    .chain([
        (
            "input file".into(),
            c.input.clone().unwrap_or_else(|| "generated".to_owned()),
        ),
        ("seed".into(), c.seed.to_string()),
        (
            "shard".into(),
            c.shard.map_or_else(|| "–".to_owned(), |s| s.to_string()),
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
    ])
    .collect()
}

/// The run's thread counts and, when some cells are timed by another clock than the run's, the
/// clock: rows only files with threads have.
fn threads_config(r: &Results) -> Vec<(String, String)> {
    let c = &r.config;
    let mut rows = Vec::new();
    let sizes = |s: &[u64]| {
        if s.is_empty() {
            "every size".to_owned()
        } else {
            s.iter()
                .map(|b| fmt::size_label(*b))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let list = |t: &[u64]| t.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
    if !c.threads.is_empty() {
        rows.push((
            "threads".to_owned(),
            format!("{} (--threads), at every size", list(&c.threads)),
        ));
    } else if let Some(t) = &c.threaded {
        rows.push((
            "threads".to_owned(),
            format!(
                "1, and {} (the preset's) at {}",
                list(&t.threads),
                sizes(&t.sizes)
            ),
        ));
    }
    // Cells timed by another clock than the run's: those at more than one thread, and the
    // one-thread cells of workloads that run threads of their own.
    let own =
        |b: &&perflab_harness::results::Benchmark| b.clock.is_some_and(|k| Some(k) != c.clock);
    let threaded = r
        .benchmarks
        .iter()
        .filter(own)
        .filter(|b| b.threads > 1)
        .count();
    let mut workloads: Vec<(&str, usize)> = Vec::new();
    for b in r.benchmarks.iter().filter(own).filter(|b| b.threads == 1) {
        match workloads.iter_mut().find(|(w, _)| *w == b.name.workload) {
            Some((_, n)) => *n += 1,
            None => workloads.push((&b.name.workload, 1)),
        }
    }
    if threaded > 0 || !workloads.is_empty() {
        let run = c.clock.unwrap_or(perflab_harness::clock::Clock::Wall);
        let mut which = Vec::new();
        if threaded > 0 {
            which.push(format!("the {threaded} cell(s) at more than one thread"));
        }
        if !workloads.is_empty() {
            let each: Vec<String> = workloads
                .iter()
                .map(|(w, n)| format!("{w}'s {n}"))
                .collect();
            which.push(format!(
                "{} one-thread cell(s) (a workload whose kernels run threads of their own)",
                each.join(", ")
            ));
        }
        rows.push((
            "clock".to_owned(),
            format!(
                "{}; by the wall clock instead: {}",
                match run {
                    perflab_harness::clock::Clock::Cpu => "cpu (the measuring thread's CPU time)",
                    perflab_harness::clock::Clock::Wall => "wall",
                },
                which.join(", and ")
            ),
        ));
    }
    rows
}
