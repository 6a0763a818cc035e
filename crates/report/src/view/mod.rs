//! The page's view model: everything the template shows, already ordered, formatted and charted.
//!
//! Keeping the decisions here (what wins, what is compared to what, which numbers appear) and
//! the template free of logic means tests can check the page's content against the same
//! formatting functions, and the template stays a readable picture of the page.

use crate::change::{self, Change, DEFAULT_THRESHOLD};
use crate::charts;
use crate::fmt;
use crate::{RenderOptions, ReportError};
use perflab_harness::results::{CellStatus, Results};
use perflab_harness::summary;
use std::collections::{BTreeMap, HashMap, HashSet};

mod allocators;
mod baseline;
mod cells;
mod flames;
mod headline;
mod meta;
mod sortable;
mod threads;
mod threads_charts;
mod verdicts;
mod workload;

pub use allocators::{AllocRow, AllocSummary};
pub use baseline::Baseline;
pub use headline::Headline;
pub use meta::Problem;
pub use verdicts::VerdictRow;
pub(crate) use verdicts::verdict_text;
pub use workload::Workload;

/// A coloured key in a legend.
pub struct Swatch {
    pub name: String,
    pub color: String,
}
/// The whole page.
pub struct Page {
    pub title: String,
    pub subtitle: String,
    pub headlines: Vec<Headline>,
    pub allocators: Vec<Swatch>,
    pub workloads: Vec<Workload>,
    pub alloc_others: Vec<String>,
    pub alloc_rows: Vec<AllocRow>,
    pub alloc_note: String,
    /// The negative control's sentences (zero-allocation cells with an allocator "effect"), one
    /// per thread count.
    pub alloc_control: Vec<String>,
    /// Per workload with a threads view: the allocators at its most threads.
    pub threads_verdicts: Vec<VerdictRow>,
    /// The allocators of `threads_verdicts`' columns, and those besides system.
    pub threads_allocators: Vec<String>,
    pub threads_others: Vec<String>,
    /// `mimalloc in tags, wordfreq · system in logs`: who wins under threads, for the summary.
    pub threads_summary: String,
    /// Some cell ran at more than one thread: the cell tables get a threads column.
    pub has_threads: bool,
    /// Some cell has a memory footprint: the cell tables get its columns.
    pub has_footprint: bool,
    /// Per other allocator: the geometric mean of its time ratios to `system`, and how many
    /// cells are certainly faster or slower.
    pub alloc_summary: Vec<AllocSummary>,
    pub problems: Vec<Problem>,
    pub failed: usize,
    pub unsupported: usize,
    pub baseline: Option<Baseline>,
    pub environment: Vec<(String, String)>,
    pub config: Vec<(String, String)>,
}

/// Distinct values in first-seen order (a set, so a file of 100 000 names stays linear).
fn distinct<'a>(it: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    it.filter(|s| seen.insert(s)).map(str::to_owned).collect()
}

/// Positions of names, for sorting by first-seen order.
fn positions(names: &[String]) -> HashMap<&str, usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect()
}

/// Bytes, or `–`.
fn fmt_bytes_opt(b: Option<u64>) -> String {
    b.map_or_else(|| "–".to_owned(), |b| fmt::bytes(b as f64))
}
/// Builds the page.
pub fn build(
    results: &Results,
    baseline: Option<&Results>,
    opts: &RenderOptions,
) -> Result<Page, ReportError> {
    let benches = &results.benchmarks;
    let allocators = page_allocators(results);
    let winners = summary::winners(results);
    let changes = changes_against(results, baseline);
    // The threads view, from the harness's one model of it (the terminal shows the same).
    let threads_views = summary::threads_views(results);
    let page = workload::PageContext {
        results,
        opts,
        allocators: &allocators,
        alloc_pos: positions(&allocators),
        winners_of: winners_by_workload(&winners),
        changes: &changes,
        threads_of: threads_views
            .iter()
            .map(|v| (v.workload.as_str(), v))
            .collect(),
        index: results.index(),
    };
    let (headlines, sections) = sections(&page);
    let (alloc_others, alloc_rows, alloc_note) = allocators::allocator_view(results, &allocators);
    let alloc_summary = allocators::summarise(&alloc_others, &alloc_rows, &allocators);
    let count = |s: CellStatus| benches.iter().filter(|b| b.status == s).count();
    let threads_allocators = verdicts::verdict_allocators(&threads_views, &allocators);
    Ok(Page {
        title: "perflab report".to_owned(),
        subtitle: subtitle(results),
        headlines,
        allocators: allocators
            .iter()
            .enumerate()
            .map(|(i, a)| Swatch {
                name: a.clone(),
                color: charts::css(charts::allocator_color(a, i)),
            })
            .collect(),
        workloads: sections,
        alloc_others,
        alloc_rows,
        alloc_note,
        alloc_control: allocators::control_lines(results),
        threads_summary: verdicts::winners_line(&threads_views),
        threads_verdicts: verdicts::verdict_rows(&threads_views, &allocators),
        threads_others: threads_allocators
            .iter()
            .filter(|a| *a != "system")
            .cloned()
            .collect(),
        threads_allocators,
        has_threads: benches.iter().any(|b| b.threads > 1),
        has_footprint: benches.iter().any(|b| b.footprint.is_some()),
        alloc_summary,
        failed: count(CellStatus::Failed),
        unsupported: count(CellStatus::Unsupported),
        problems: meta::problems(results),
        baseline: baseline.map(|base| baseline::baseline_view(results, base, &changes)),
        environment: meta::environment(results),
        config: meta::config(results),
    })
}

/// One section per workload, in the order the results first name them, and the headlines of
/// those that have one (their bars scaled against each other).
fn sections(page: &workload::PageContext) -> (Vec<Headline>, Vec<Workload>) {
    let benches = &page.results.benchmarks;
    let workloads = distinct(benches.iter().map(|b| b.name.workload.as_str()));
    let mut by_workload: HashMap<&str, Vec<_>> = HashMap::new();
    for b in benches {
        by_workload
            .entry(b.name.workload.as_str())
            .or_default()
            .push(b);
    }
    let mut headlines = Vec::new();
    let mut sections = Vec::new();
    for (nth, w) in workloads.iter().enumerate() {
        let cells = by_workload.remove(w.as_str()).unwrap_or_default();
        let (section, headline) = workload::section(page, nth, w, cells);
        headlines.extend(headline);
        sections.push(section);
    }
    headline::scale_bars(&mut headlines);
    (headlines, sections)
}

/// The allocators of the page, in the order the run configured them, then any others the cells
/// name: every chart and table lists them in this order.
fn page_allocators(results: &Results) -> Vec<String> {
    let benches = &results.benchmarks;
    let present: HashSet<&str> = benches.iter().map(|b| b.name.allocator.as_str()).collect();
    let mut allocators: Vec<String> = results
        .config
        .allocators
        .iter()
        .filter(|a| present.contains(a.as_str()))
        .cloned()
        .collect();
    for a in distinct(benches.iter().map(|b| b.name.allocator.as_str())) {
        if !allocators.contains(&a) {
            allocators.push(a);
        }
    }
    allocators
}

/// Each cell's change against the same cell of `baseline`, by id.
fn changes_against<'a>(
    results: &'a Results,
    baseline: Option<&Results>,
) -> BTreeMap<&'a str, Change> {
    let Some(base) = baseline else {
        return BTreeMap::new();
    };
    let index = base.index();
    results
        .benchmarks
        .iter()
        .filter_map(|h| {
            let b = &base.benchmarks[*index.get(h.name.id.as_str())?];
            Some((
                h.name.id.as_str(),
                change::classify(b, h, DEFAULT_THRESHOLD),
            ))
        })
        .collect()
}

/// The geometric-mean winners of each workload, one per allocator.
fn winners_by_workload(winners: &[summary::Winner]) -> HashMap<&str, Vec<&summary::Winner>> {
    let mut winners_of: HashMap<&str, Vec<&summary::Winner>> = HashMap::new();
    for w in winners {
        winners_of.entry(w.workload.as_str()).or_default().push(w);
    }
    winners_of
}

/// `CPU · commit 0123456789ab · preset default · 456 cells`.
fn subtitle(results: &Results) -> String {
    let env = &results.environment;
    format!(
        "{} · {} · preset {} · {} cells",
        env.cpu_model,
        env.git_commit
            .as_deref()
            .map(|c| format!("commit {}", c.chars().take(12).collect::<String>()))
            .unwrap_or_else(|| "commit unknown".to_owned()),
        results.config.preset,
        results.benchmarks.len()
    )
}
