//! The threads view of one workload: what running a variant on several threads of one process
//! at once does to its aggregate throughput, its time per call and the memory it takes, under
//! each allocator. The model is the harness's ([`summary::threads_views`]), the one the terminal
//! shows too; this module only lays it out, charts it and words its verdict.

use super::allocators::{AllocCell, ratio_cell};
use super::{Swatch, fmt_bytes_opt};
use crate::charts::{self, Bar, ThreadsAxis, ThreadsLine};
use crate::fmt;
use perflab_harness::results::{Benchmark, Environment};
use perflab_harness::summary::{
    AllocatorVerdict, CONTROL_THRESHOLD, Standing, ThreadsPoint, ThreadsView,
};

/// Small charts per workload, at most: beyond that the table has every variant.
pub const MAX_THREADS_CHARTS: usize = 4;

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

/// One small chart: a variant (or every variant) at every thread count.
pub struct ThreadsChart {
    pub title: String,
    pub svg: String,
    /// Twice as wide (every variant in one chart).
    pub wide: bool,
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
    pub aggregate: String,
    pub aggregate_v: String,
    /// Wall time per call, and how the threads spent it.
    pub aggregate_title: String,
    /// Time per call here ÷ at one thread (above one thread).
    pub scaling: AllocCell,
    pub scaling_title: String,
    /// Time ÷ system's at the same thread count.
    pub vs_system: AllocCell,
    /// `RSS growth / peak live`.
    pub memory: String,
    pub memory_v: String,
    pub memory_title: String,
}

/// The verdict at the most threads, as a sentence.
pub struct VerdictView {
    /// Whether the winner is certainly faster than system for at least one variant (or is system).
    pub certain: bool,
    pub sentence: String,
    /// The memory each allocator took (empty when no footprint was measured).
    pub memory: String,
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

/// The plural of `thread` for `n`.
fn threads_word(n: u32) -> String {
    if n == 1 {
        "1 thread".to_owned()
    } else {
        format!("{n} threads")
    }
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
    let most = view.threads.last().copied().unwrap_or(1);
    let oversubscribed = (ncpus > 0 && most as usize > ncpus).then(|| {
        format!(
            "At {most} threads this run had more threads than the {cpus} it could use: threads \
             took turns on the CPUs (oversubscription), so time per call grows towards {most}× \
             whatever the allocator does. Read scaling at up to {ncpus} thread{} only.",
            if ncpus == 1 { "" } else { "s" }
        )
    });

    // The rows, banded per variant.
    let mut band = 0;
    let mut last_variant: Option<&str> = None;
    let rows: Vec<ThreadsRowView> = view
        .rows
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
        .collect();

    // The charts: one per allocating variant (lines per allocator), or, when no variant
    // allocates, one of every variant under system (lines per variant).
    let mut allocating: Vec<&str> = Vec::new();
    for r in view.rows.iter().filter(|r| r.allocates) {
        if !allocating.contains(&r.variant.as_str()) {
            allocating.push(&r.variant);
        }
    }
    let point_bar = |p: &ThreadsPoint| -> Option<(f64, Bar)> {
        let value = p
            .aggregate_throughput
            .filter(|x| x.is_finite() && *x > 0.0)?;
        // The interval of the time per call, turned into one of throughput.
        let (lo, hi) = match cell(&p.id).and_then(|b| b.ci95_ns) {
            Some([tlo, thi]) if tlo > 0.0 && thi >= tlo && p.median_ns > 0.0 => (
                (value * p.median_ns / thi).min(value),
                (value * p.median_ns / tlo).max(value),
            ),
            _ => (value, value),
        };
        let (lo, hi) = if lo.is_finite() && hi.is_finite() {
            (lo, hi)
        } else {
            (value, value)
        };
        Some((f64::from(p.threads), Bar { value, lo, hi }))
    };
    let line_of = |r: &perflab_harness::summary::ThreadsRow, color| ThreadsLine {
        color,
        points: r.points.iter().flatten().filter_map(point_bar).collect(),
    };
    let one_thread = |r: &perflab_harness::summary::ThreadsRow| {
        r.points
            .iter()
            .flatten()
            .find(|p| p.threads == 1)
            .and_then(|p| p.aggregate_throughput)
    };
    let mut charts_out = Vec::new();
    let mut legend = Vec::new();
    let chart_note;
    if !charted {
        chart_note =
            "Not charted (see the limits on charts above); the table lists every cell.".to_owned();
    } else if !allocating.is_empty() {
        for v in allocating.iter().take(MAX_THREADS_CHARTS) {
            let mine: Vec<&perflab_harness::summary::ThreadsRow> =
                view.rows.iter().filter(|r| r.variant == *v).collect();
            let lines: Vec<ThreadsLine> = mine
                .iter()
                .map(|r| line_of(r, alloc_color(&r.allocator)))
                .filter(|l| !l.points.is_empty())
                .collect();
            let reference = mine
                .iter()
                .find(|r| r.allocator == "system")
                .or(mine.first())
                .and_then(|r| one_thread(r));
            if let Some(svg) =
                charts::threads_lines(&lines, &view.threads, reference, ThreadsAxis::Linear)
            {
                charts_out.push(ThreadsChart {
                    title: (*v).to_owned(),
                    svg,
                    wide: false,
                });
            }
        }
        legend = view
            .allocators
            .iter()
            .map(|a| Swatch {
                name: a.clone(),
                color: charts::css(alloc_color(a)),
            })
            .collect();
        chart_note = if allocating.len() > MAX_THREADS_CHARTS {
            format!(
                "Charts for the first {MAX_THREADS_CHARTS} of the {} variants that allocate; the \
                 table below has all of them.",
                allocating.len()
            )
        } else {
            "One chart per variant that allocates (where an allocator can matter); the table \
             below also has the variants that allocate nothing."
                .to_owned()
        };
    } else {
        let under = if view.allocators.iter().any(|a| a == "system") {
            "system".to_owned()
        } else {
            view.allocators.first().cloned().unwrap_or_default()
        };
        let mine: Vec<&perflab_harness::summary::ThreadsRow> =
            view.rows.iter().filter(|r| r.allocator == under).collect();
        let lines: Vec<ThreadsLine> = mine
            .iter()
            .map(|r| line_of(r, variant_color(&r.variant)))
            .filter(|l| !l.points.is_empty())
            .collect();
        if let Some(svg) = charts::threads_lines(&lines, &view.threads, None, ThreadsAxis::Log) {
            charts_out.push(ThreadsChart {
                title: format!("every variant ({under} allocator, log scale)"),
                svg,
                wide: true,
            });
        }
        legend = mine
            .iter()
            .map(|r| Swatch {
                name: r.variant.clone(),
                color: charts::css(variant_color(&r.variant)),
            })
            .collect();
        chart_note = "No variant of this workload allocates, so the allocator cannot matter: \
                      one chart of every variant under one allocator (on a log scale, as their \
                      throughputs differ by orders of magnitude; the table has the ratios)."
            .to_owned();
    }

    let threads_list = match view.threads.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!(
            "{} and {last}",
            rest.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    ThreadsSection {
        size: view.size.clone(),
        threads_list,
        mixed: !allocating.is_empty() && view.rows.iter().any(|r| !r.allocates),
        groups: view
            .threads
            .iter()
            .map(|t| (threads_word(*t), if *t > 1 { 4 } else { 3 }))
            .collect(),
        charts: charts_out,
        legend,
        chart_note,
        rows,
        verdict: view.verdict.as_ref().map(verdict_text),
        oversubscribed,
        cpus,
    }
}

fn threads_cell<'a>(
    threads: u32,
    p: Option<&ThreadsPoint>,
    cell: &dyn Fn(&str) -> Option<&'a Benchmark>,
) -> ThreadsCell {
    let Some(p) = p else {
        return ThreadsCell {
            scaled: threads > 1,
            id: String::new(),
            aggregate: "–".to_owned(),
            aggregate_v: String::new(),
            aggregate_title: "not measured".to_owned(),
            scaling: ratio_cell(None),
            scaling_title: String::new(),
            vs_system: ratio_cell(None),
            memory: "–".to_owned(),
            memory_v: String::new(),
            memory_title: String::new(),
        };
    };
    let b = cell(&p.id);
    let (aggregate, aggregate_v) = match p.aggregate_throughput {
        Some(x) => (fmt::throughput(x), format!("{x}")),
        None => ("–".to_owned(), String::new()),
    };
    let clock = if threads > 1 || b.is_some_and(|b| b.clock.is_some()) {
        "wall time"
    } else {
        "time"
    };
    let aggregate_title = format!(
        "{} per call ({clock}); {} at {}",
        fmt::time_ns(p.median_ns),
        p.id,
        threads_word(threads)
    );
    let scaling_title = match b.and_then(|b| b.contention) {
        Some(c) => {
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
        None => String::new(),
    };
    let fp = b.and_then(|b| b.footprint.as_ref());
    let memory = match (p.rss_growth, p.peak_live) {
        (None, None) => "–".to_owned(),
        (rss, live) => format!("{} / {}", fmt_bytes_opt(rss), fmt_bytes_opt(live)),
    };
    let mut memory_title = Vec::new();
    if let Some(f) = fp.and_then(|f| f.fragmentation).filter(|f| f.is_finite()) {
        memory_title.push(format!(
            "fragmentation {} (RSS growth ÷ peak live)",
            fmt::sig3(f)
        ));
    }
    if let Some(h) = fp.and_then(|f| f.allocator.as_ref()) {
        memory_title.push(format!(
            "{}: {} before, {} after",
            h.source,
            fmt::bytes(h.before_bytes as f64),
            fmt::bytes(h.after_bytes as f64)
        ));
    }
    if let Some(f) = fp {
        memory_title.push(format!("footprint pass: {} call(s) per thread", f.iters));
    }
    ThreadsCell {
        scaled: threads > 1,
        id: p.id.clone(),
        aggregate,
        aggregate_v,
        aggregate_title,
        scaling: ratio_cell(p.scaling),
        scaling_title,
        vs_system: ratio_cell(p.time_vs_system),
        memory,
        memory_v: p.rss_growth.map(|x| x.to_string()).unwrap_or_default(),
        memory_title: memory_title.join("; "),
    }
}

/// The verdict in words: who wins at the most threads, by how much, how surely, and the memory
/// each allocator took.
pub(crate) fn verdict_text(v: &AllocatorVerdict) -> VerdictView {
    let pct = CONTROL_THRESHOLD * 100.0;
    let n = v.variants;
    let variants = if n == 1 {
        "the 1 variant that allocates".to_owned()
    } else {
        format!("the {n} variants that allocate")
    };
    let others: Vec<&Standing> = v
        .allocators
        .iter()
        .filter(|a| a.allocator != "system")
        .collect();
    let none_or = |k: usize| {
        if k == 0 {
            "none".to_owned()
        } else {
            k.to_string()
        }
    };
    let describe = |a: &Standing| {
        format!(
            "{} {} ({}; certainly faster for {}, slower for {})",
            a.allocator,
            fmt::ratio(a.geo_mean),
            fmt::percent_change(a.geo_mean),
            none_or(a.faster),
            none_or(a.slower)
        )
    };
    let winner = v.allocators.iter().find(|a| a.allocator == v.winner);
    let certain = winner.is_some_and(|w| w.allocator == "system" || w.faster > 0);
    let at = threads_word(v.threads);
    let sentence = match winner {
        Some(w) if w.allocator != "system" => {
            let rest: Vec<String> = others
                .iter()
                .filter(|a| a.allocator != w.allocator)
                .map(|a| describe(a))
                .collect();
            let mut s = format!(
                "At {at}, {} is fastest over {variants}: {} system's time ({}, geometric mean), \
                 certainly faster (beyond {pct}%) for {} of them and slower for {}",
                w.allocator,
                fmt::ratio(w.geo_mean),
                fmt::percent_change(w.geo_mean),
                none_or(w.faster),
                none_or(w.slower)
            );
            if !rest.is_empty() {
                s.push_str(&format!("; {}", rest.join("; ")));
            }
            s.push('.');
            if !certain {
                s.push_str(&format!(
                    " No variant is certainly faster under {} than under system, so its lead \
                     may be noise.",
                    w.allocator
                ));
            }
            s
        }
        _ => {
            let rest: Vec<String> = others.iter().map(|a| describe(a)).collect();
            let intro = if rest.is_empty() {
                String::new()
            } else {
                format!(
                    " (time relative to system, geometric mean; certainly faster or slower \
                     beyond {pct}%): "
                )
            };
            format!(
                "At {at}, system is fastest over {variants}{intro}{}.",
                rest.join("; ")
            )
        }
    };
    let held: Vec<String> = v
        .allocators
        .iter()
        .filter_map(|a| {
            a.memory
                .map(|m| format!("{} {}", a.allocator, fmt::bytes(m as f64)))
        })
        .collect();
    let memory = if held.is_empty() {
        String::new()
    } else {
        format!(
            "Memory taken from the OS (the largest peak RSS growth among them): {}.",
            held.join(", ")
        )
    };
    VerdictView {
        certain,
        sentence,
        memory,
    }
}

/// One workload's allocator verdict at its most threads, for the allocator section's overview.
pub struct VerdictRow {
    pub workload: String,
    pub size: String,
    pub threads: u32,
    pub variants: usize,
    pub winner: String,
    /// One per allocator of the overview's columns.
    pub cells: Vec<VerdictCell>,
}

/// An allocator's geometric-mean time relative to system at a workload's most threads.
pub struct VerdictCell {
    /// The system column (no ratio, only memory).
    pub system: bool,
    pub text: String,
    pub v: String,
    pub class: &'static str,
    /// `2 faster · 0 slower`.
    pub counts: String,
    pub memory: String,
    pub memory_v: String,
}

/// The allocators that appear in any verdict, in the page's order.
pub fn verdict_allocators(views: &[ThreadsView], page_order: &[String]) -> Vec<String> {
    page_order
        .iter()
        .filter(|a| {
            views
                .iter()
                .filter_map(|v| v.verdict.as_ref())
                .any(|v| v.allocators.iter().any(|x| &x.allocator == *a))
        })
        .cloned()
        .collect()
}

/// One row per workload whose threads view has a verdict.
pub fn verdict_rows(views: &[ThreadsView], page_order: &[String]) -> Vec<VerdictRow> {
    let columns = verdict_allocators(views, page_order);
    views
        .iter()
        .filter_map(|view| {
            let v = view.verdict.as_ref()?;
            let cells = columns
                .iter()
                .map(|a| {
                    let Some(standing) = v.allocators.iter().find(|x| &x.allocator == a) else {
                        return VerdictCell {
                            system: a == "system",
                            text: "–".to_owned(),
                            v: String::new(),
                            class: "na",
                            counts: String::new(),
                            memory: String::new(),
                            memory_v: String::new(),
                        };
                    };
                    let Standing {
                        allocator: name,
                        geo_mean: geo,
                        faster,
                        slower,
                        memory,
                    } = standing;
                    let memory = *memory;
                    VerdictCell {
                        system: name == "system",
                        text: if name == "system" {
                            "1×".to_owned()
                        } else {
                            fmt::ratio(*geo)
                        },
                        v: format!("{geo}"),
                        class: if name == "system" {
                            "na"
                        } else if *geo < 1.0 && *faster > 0 {
                            "improvement"
                        } else if *geo > 1.0 && *slower > 0 {
                            "regression"
                        } else {
                            "unchanged"
                        },
                        counts: if name == "system" {
                            String::new()
                        } else {
                            format!("{faster} faster · {slower} slower")
                        },
                        memory: fmt_bytes_opt(memory),
                        memory_v: memory.map(|m| m.to_string()).unwrap_or_default(),
                    }
                })
                .collect();
            Some(VerdictRow {
                workload: view.workload.clone(),
                size: view.size.clone(),
                threads: v.threads,
                variants: v.variants,
                winner: v.winner.clone(),
                cells,
            })
        })
        .collect()
}

/// Which allocator wins under threads, workload by workload, as the rest of a sentence:
/// `: mimalloc in tags, wordfreq · system in logs` at one shared thread count (said first),
/// `(2t)` after each workload otherwise; empty without verdicts.
pub fn winners_line(views: &[ThreadsView]) -> String {
    let verdicts: Vec<(&str, &AllocatorVerdict)> = views
        .iter()
        .filter_map(|v| Some((v.workload.as_str(), v.verdict.as_ref()?)))
        .collect();
    let Some(first) = verdicts.first() else {
        return String::new();
    };
    let shared = verdicts
        .iter()
        .all(|(_, v)| v.threads == first.1.threads)
        .then_some(first.1.threads);
    let mut by_winner: Vec<(&str, Vec<String>)> = Vec::new();
    for (w, v) in &verdicts {
        let at = match shared {
            Some(_) => (*w).to_owned(),
            None => format!("{w} ({}t)", v.threads),
        };
        match by_winner.iter_mut().find(|(x, _)| *x == v.winner) {
            Some((_, ws)) => ws.push(at),
            None => by_winner.push((&v.winner, vec![at])),
        }
    }
    by_winner.sort_by_key(|(_, ws)| std::cmp::Reverse(ws.len()));
    let each = by_winner
        .iter()
        .map(|(w, ws)| format!("{w} in {}", ws.join(", ")))
        .collect::<Vec<_>>()
        .join(" · ");
    match shared {
        Some(t) => format!(" at {}: {each}", threads_word(t)),
        None => format!(": {each}"),
    }
}
