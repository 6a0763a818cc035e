//! The allocator verdicts under threads, in words and in the allocator section's overview: which
//! allocator wins at each workload's most threads, by how much and how surely, and the memory
//! each took. The verdicts are the harness's ([`AllocatorVerdict`]); this module only words
//! them, for the page and (through [`crate::threads_verdict`]) the terminal.

use super::sortable::Sortable;
use crate::fmt;
use perflab_harness::summary::{AllocatorVerdict, CONTROL_THRESHOLD, Standing, ThreadsView};

/// The verdict at the most threads, as a sentence.
pub struct VerdictView {
    /// Whether the winner is certainly faster than system for at least one variant (or is system).
    pub certain: bool,
    pub sentence: String,
    /// The memory each allocator took (empty when no footprint was measured).
    pub memory: String,
}

/// `none`, or the count: "certainly faster for none" reads better than "for 0".
fn none_or(k: usize) -> String {
    if k == 0 {
        "none".to_owned()
    } else {
        k.to_string()
    }
}

/// `jemalloc 0.91× (−9%; certainly faster for 2, slower for none)`.
fn describe(a: &Standing) -> String {
    format!(
        "{} {} ({}; certainly faster for {}, slower for {})",
        a.allocator,
        fmt::ratio(a.geo_mean),
        fmt::percent_change(a.geo_mean),
        none_or(a.faster),
        none_or(a.slower)
    )
}

/// The verdict in words: who wins at the most threads, by how much, how surely, and the memory
/// each allocator took.
pub(crate) fn verdict_text(v: &AllocatorVerdict) -> VerdictView {
    let winner = v.allocators.iter().find(|a| a.allocator == v.winner);
    let certain = winner.is_some_and(|w| w.allocator == "system" || w.faster > 0);
    let sentence = match winner {
        Some(w) if w.allocator != "system" => other_wins(v, w, certain),
        _ => system_wins(v),
    };
    VerdictView {
        certain,
        sentence,
        memory: memory_sentence(v),
    }
}

/// `the 3 variants that allocate`.
fn allocating_variants(v: &AllocatorVerdict) -> String {
    let n = v.variants;
    if n == 1 {
        "the 1 variant that allocates".to_owned()
    } else {
        format!("the {n} variants that allocate")
    }
}

/// The sentence when an allocator other than system is fastest (`w`); `certain` when some
/// variant is certainly faster under it.
fn other_wins(v: &AllocatorVerdict, w: &Standing, certain: bool) -> String {
    let pct = CONTROL_THRESHOLD * 100.0;
    let rest: Vec<String> = v
        .allocators
        .iter()
        .filter(|a| a.allocator != "system" && a.allocator != w.allocator)
        .map(describe)
        .collect();
    let mut s = format!(
        "At {}, {} is fastest over {}: {} system's time ({}, geometric mean), \
         certainly faster (beyond {pct}%) for {} of them and slower for {}",
        fmt::threads_word(v.threads),
        w.allocator,
        allocating_variants(v),
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

/// The sentence when system is fastest (or no allocator has a figure).
fn system_wins(v: &AllocatorVerdict) -> String {
    let pct = CONTROL_THRESHOLD * 100.0;
    let rest: Vec<String> = v
        .allocators
        .iter()
        .filter(|a| a.allocator != "system")
        .map(describe)
        .collect();
    let intro = if rest.is_empty() {
        String::new()
    } else {
        format!(
            " (time relative to system, geometric mean; certainly faster or slower \
             beyond {pct}%): "
        )
    };
    format!(
        "At {}, system is fastest over {}{intro}{}.",
        fmt::threads_word(v.threads),
        allocating_variants(v),
        rest.join("; ")
    )
}

/// The memory each allocator took from the OS, or nothing when no footprint was measured.
fn memory_sentence(v: &AllocatorVerdict) -> String {
    let held: Vec<String> = v
        .allocators
        .iter()
        .filter_map(|a| {
            a.memory
                .map(|m| format!("{} {}", a.allocator, fmt::bytes(m as f64)))
        })
        .collect();
    if held.is_empty() {
        String::new()
    } else {
        format!(
            "Memory taken from the OS (the largest peak RSS growth among them): {}.",
            held.join(", ")
        )
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
    /// The allocator's RSS growth.
    pub memory: Sortable,
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
/// One row per workload whose threads view has a verdict.
pub fn verdict_rows(views: &[ThreadsView], page_order: &[String]) -> Vec<VerdictRow> {
    let columns = verdict_allocators(views, page_order);
    views
        .iter()
        .filter_map(|view| {
            let v = view.verdict.as_ref()?;
            Some(VerdictRow {
                workload: view.workload.clone(),
                size: view.size.clone(),
                threads: v.threads,
                variants: v.variants,
                winner: v.winner.clone(),
                cells: columns.iter().map(|a| verdict_cell(v, a)).collect(),
            })
        })
        .collect()
}

/// Allocator `a`'s column in a verdict's row: its geometric mean against system, classed by
/// whether any variant is certainly faster or slower; `–` when it has no figure.
fn verdict_cell(v: &AllocatorVerdict, a: &str) -> VerdictCell {
    let Some(standing) = v.allocators.iter().find(|x| x.allocator == a) else {
        return VerdictCell {
            system: a == "system",
            text: "–".to_owned(),
            v: String::new(),
            class: "na",
            counts: String::new(),
            memory: Sortable {
                text: String::new(),
                v: String::new(),
            },
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
    let system = name == "system";
    VerdictCell {
        system,
        text: if system {
            "1×".to_owned()
        } else {
            fmt::ratio(*geo)
        },
        v: format!("{geo}"),
        class: if system {
            "na"
        } else if *geo < 1.0 && *faster > 0 {
            "improvement"
        } else if *geo > 1.0 && *slower > 0 {
            "regression"
        } else {
            "unchanged"
        },
        counts: if system {
            String::new()
        } else {
            format!("{faster} faster · {slower} slower")
        },
        memory: Sortable::bytes(memory),
    }
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
        Some(t) => format!(" at {}: {each}", fmt::threads_word(t)),
        None => format!(": {each}"),
    }
}
