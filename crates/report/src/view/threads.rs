//! The threads view of one workload: what running a variant on several threads of one process
//! at once does to its aggregate throughput, its time per call and the memory it takes, under
//! each allocator. The model is the harness's ([`summary::threads_views`]), the one the terminal
//! shows too; this module lays out its table; `threads_charts` draws it and `verdicts` words its verdict.

use super::allocators::{AllocCell, ratio_cell};
use super::sortable::Sortable;
use super::threads_charts::{ChartSet, Palette, ThreadsChart, chart_set};
use super::verdicts::{VerdictView, verdict_text};
use super::{Swatch, fmt_bytes_opt};
use crate::fmt;
use perflab_harness::results::{Benchmark, Contention, Environment, Footprint};
use perflab_harness::summary::{ThreadsPoint, ThreadsView};

/// A workload's threads view, ready for the template.
pub struct ThreadsSection {
    /// The size the view is at (the largest measured at more than one thread).
    pub size: String,
    /// `1 and 2`, `1, 2 and 4`.
    pub threads_list: String,
    /// The table's column groups: a label and how many columns.
    pub groups: Vec<(String, usize)>,
    /// Some variants allocate and others do not: the table marks those that do not.
    pub mixed: bool,
    /// Small charts of aggregate throughput against threads.
    pub charts: Vec<ThreadsChart>,
    /// What the charts' lines are: allocators, or variants when none allocates.
    pub legend: Vec<Swatch>,
    /// Said under the charts (which variants are charted, and that the table has all).
    pub chart_note: String,
    /// One row per variant and allocator.
    pub rows: Vec<ThreadsRowView>,
    /// Which allocator wins at the most threads, and the memory each took.
    pub verdict: Option<VerdictView>,
    /// When the most threads exceed the CPUs the run could use: oversubscription.
    pub oversubscribed: Option<String>,
    /// The CPUs the run could use, as a phrase (`2 CPUs (0–1)`).
    pub cpus: String,
}

/// One table row: a variant under an allocator.
pub struct ThreadsRowView {
    pub variant: String,
    pub allocator: String,
    pub allocates: bool,
    /// Alternates per variant, so a variant's allocators read as one block.
    pub band: usize,
    /// One per thread count.
    pub cells: Vec<ThreadsCell>,
}

/// One variant, allocator and thread count.
pub struct ThreadsCell {
    /// Above one thread: the cell has a scaling column.
    pub scaled: bool,
    pub id: String,
    pub aggregate: Sortable,
    /// Wall time per call, and how the threads spent it.
    pub aggregate_title: String,
    /// Time per call here ÷ at one thread (above one thread).
    pub scaling: AllocCell,
    pub scaling_title: String,
    /// Time ÷ system's at the same thread count.
    pub vs_system: AllocCell,
    /// `RSS growth / peak live`, sorted by RSS growth.
    pub memory: Sortable,
    pub memory_title: String,
}

/// The CPUs a run could use, as a phrase: `2 CPUs (0–1)`, or from the core count.
pub fn cpus_phrase(env: &Environment) -> (usize, String) {
    if env.cpu_set.is_empty() {
        let n = env.cores;
        (n, format!("{n} CPU{}", if n == 1 { "" } else { "s" }))
    } else {
        let n = env.cpu_set.len();
        (
            n,
            format!(
                "{n} CPU{} ({})",
                if n == 1 { "" } else { "s" },
                cpu_ranges(&env.cpu_set)
            ),
        )
    }
}

/// CPU numbers as ranges: `0–3, 8, 10–11`.
pub fn cpu_ranges(cpus: &[usize]) -> String {
    let mut v = cpus.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        out.push(if j == i {
            v[i].to_string()
        } else {
            format!("{}–{}", v[i], v[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

/// The section for `view`; `cell` finds a cell by id (for its interval and footprint), `alloc_color`
/// an allocator's colour and `variant_color` a variant's (as in the workload's other charts).
pub fn threads_section<'a>(
    view: &ThreadsView,
    cell: &dyn Fn(&str) -> Option<&'a Benchmark>,
    env: &Environment,
    charted: bool,
    alloc_color: &dyn Fn(&str) -> plotters::style::RGBColor,
    variant_color: &dyn Fn(&str) -> plotters::style::RGBColor,
) -> ThreadsSection {
    let (ncpus, cpus) = cpus_phrase(env);
    let mut allocating: Vec<&str> = Vec::new();
    for r in view.rows.iter().filter(|r| r.allocates) {
        if !allocating.contains(&r.variant.as_str()) {
            allocating.push(&r.variant);
        }
    }
    let palette = Palette {
        cell,
        alloc_color,
        variant_color,
    };
    let ChartSet {
        charts,
        legend,
        note,
    } = chart_set(view, &allocating, charted, &palette);
    ThreadsSection {
        size: view.size.clone(),
        threads_list: threads_list(&view.threads),
        mixed: !allocating.is_empty() && view.rows.iter().any(|r| !r.allocates),
        groups: view
            .threads
            .iter()
            .map(|t| (fmt::threads_word(*t), if *t > 1 { 4 } else { 3 }))
            .collect(),
        charts,
        legend,
        chart_note: note,
        rows: banded_rows(view, cell),
        verdict: view.verdict.as_ref().map(verdict_text),
        oversubscribed: oversubscription(&view.threads, ncpus, &cpus),
        cpus,
    }
}

/// The warning when the most `threads` exceed the `ncpus` the run could use.
fn oversubscription(threads: &[u32], ncpus: usize, cpus: &str) -> Option<String> {
    let most = threads.last().copied().unwrap_or(1);
    (ncpus > 0 && most as usize > ncpus).then(|| {
        format!(
            "At {most} threads this run had more threads than the {cpus} it could use: threads \
             took turns on the CPUs (oversubscription), so time per call grows towards {most}× \
             whatever the allocator does. Read scaling at up to {ncpus} thread{} only.",
            if ncpus == 1 { "" } else { "s" }
        )
    })
}

/// `1, 2 and 4`.
fn threads_list(threads: &[u32]) -> String {
    match threads.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!(
            "{} and {last}",
            rest.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    }
}

/// The table's rows, banded per variant so a variant's allocators read as one block.
fn banded_rows<'a>(
    view: &ThreadsView,
    cell: &dyn Fn(&str) -> Option<&'a Benchmark>,
) -> Vec<ThreadsRowView> {
    let mut band = 0;
    let mut last_variant: Option<&str> = None;
    view.rows
        .iter()
        .map(|r| {
            if last_variant.is_some_and(|v| v != r.variant) {
                band += 1;
            }
            last_variant = Some(&r.variant);
            ThreadsRowView {
                variant: r.variant.clone(),
                allocator: r.allocator.clone(),
                allocates: r.allocates,
                band: band % 2,
                cells: view
                    .threads
                    .iter()
                    .zip(&r.points)
                    .map(|(t, p)| threads_cell(*t, p.as_ref(), cell))
                    .collect(),
            }
        })
        .collect()
}

/// One variant, allocator and thread count; `–` where it was not measured.
fn threads_cell<'a>(
    threads: u32,
    p: Option<&ThreadsPoint>,
    cell: &dyn Fn(&str) -> Option<&'a Benchmark>,
) -> ThreadsCell {
    let Some(p) = p else {
        return ThreadsCell {
            scaled: threads > 1,
            id: String::new(),
            aggregate: Sortable::missing(),
            aggregate_title: "not measured".to_owned(),
            scaling: ratio_cell(None),
            scaling_title: String::new(),
            vs_system: ratio_cell(None),
            memory: Sortable::missing(),
            memory_title: String::new(),
        };
    };
    let b = cell(&p.id);
    let clock = if threads > 1 || b.is_some_and(|b| b.clock.is_some()) {
        "wall time"
    } else {
        "time"
    };
    let memory = match (p.rss_growth, p.peak_live) {
        (None, None) => Sortable::missing(),
        (rss, live) => Sortable {
            text: format!("{} / {}", fmt_bytes_opt(rss), fmt_bytes_opt(live)),
            v: rss.map(|x| x.to_string()).unwrap_or_default(),
        },
    };
    ThreadsCell {
        scaled: threads > 1,
        id: p.id.clone(),
        aggregate: Sortable::of(p.aggregate_throughput, fmt::throughput),
        aggregate_title: format!(
            "{} per call ({clock}); {} at {}",
            fmt::time_ns(p.median_ns),
            p.id,
            fmt::threads_word(threads)
        ),
        scaling: ratio_cell(p.scaling),
        scaling_title: b
            .and_then(|b| b.threaded.contention)
            .map(|c| contention_title(&c))
            .unwrap_or_default(),
        vs_system: ratio_cell(p.time_vs_system),
        memory,
        memory_title: footprint_title(b.and_then(|b| b.footprint.as_ref())),
    }
}

/// How the threads spent a threaded cell's wall time: why it scales as it does.
fn contention_title(c: &Contention) -> String {
    let mut parts = Vec::new();
    if let Some(u) = c.cpu_utilisation.filter(|u| u.is_finite()) {
        parts.push(format!(
            "threads computing {}% of the wall time",
            fmt::sig3(u * 100.0)
        ));
    }
    if let Some(cpu) = c.cpu_per_call_ns.filter(|x| x.is_finite()) {
        parts.push(format!(
            "CPU time per call and thread {}",
            fmt::time_ns(cpu)
        ));
    }
    if let Some(sys) = c.system_per_call_ns.filter(|x| x.is_finite()) {
        parts.push(format!("of it in the kernel {}", fmt::time_ns(sys)));
    }
    if let Some(skew) = c.start_skew_ns.filter(|x| x.is_finite()) {
        parts.push(format!("threads started {} apart", fmt::time_ns(skew)));
    }
    parts.join("; ")
}

/// A threaded cell's fragmentation, the allocator's own figure and the footprint pass's calls.
fn footprint_title(fp: Option<&Footprint>) -> String {
    let mut title = Vec::new();
    if let Some(f) = fp.and_then(|f| f.fragmentation).filter(|f| f.is_finite()) {
        title.push(format!(
            "fragmentation {} (RSS growth ÷ peak live)",
            fmt::sig3(f)
        ));
    }
    if let Some(h) = fp.and_then(|f| f.allocator.as_ref()) {
        title.push(format!(
            "{}: {} before, {} after",
            h.source,
            fmt::bytes(h.before_bytes as f64),
            fmt::bytes(h.after_bytes as f64)
        ));
    }
    if let Some(f) = fp {
        title.push(format!("footprint pass: {} call(s) per thread", f.iters));
    }
    title.join("; ")
}
