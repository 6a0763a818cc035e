//! The small charts of a workload's threads view: aggregate throughput against thread count.
//! Where variants allocate, one chart per such variant with a line per allocator (where an
//! allocator can matter); where none does, one chart of every variant under one allocator.

use super::Swatch;
use crate::charts::{self, Bar, ThreadsAxis, ThreadsLine};
use perflab_harness::results::Benchmark;
use perflab_harness::summary::{ThreadsPoint, ThreadsRow, ThreadsView};
use plotters::style::RGBColor;

/// Small charts per workload, at most: beyond that the table has every variant.
pub const MAX_THREADS_CHARTS: usize = 4;

/// One small chart: a variant (or every variant) at every thread count.
pub struct ThreadsChart {
    pub title: String,
    pub svg: String,
    /// Twice as wide (every variant in one chart).
    pub wide: bool,
}

/// The charts of a threads view, what their lines are, and what is said under them.
pub(super) struct ChartSet {
    pub charts: Vec<ThreadsChart>,
    pub legend: Vec<Swatch>,
    pub note: String,
}

/// How a threads view's charts find what they draw: a cell by id (for its interval), and the
/// colours of the workload's other charts.
pub(super) struct Palette<'p, 'a> {
    pub cell: &'p dyn Fn(&str) -> Option<&'a Benchmark>,
    pub alloc_color: &'p dyn Fn(&str) -> RGBColor,
    pub variant_color: &'p dyn Fn(&str) -> RGBColor,
}

/// The charts of `view`; `allocating` are its variants that allocate, in order.
pub(super) fn chart_set(
    view: &ThreadsView,
    allocating: &[&str],
    charted: bool,
    palette: &Palette,
) -> ChartSet {
    if !charted {
        ChartSet {
            charts: Vec::new(),
            legend: Vec::new(),
            note: "Not charted (see the limits on charts above); the table lists every cell."
                .to_owned(),
        }
    } else if !allocating.is_empty() {
        per_allocating_variant(view, allocating, palette)
    } else {
        every_variant(view, palette)
    }
}

/// One chart per allocating variant, a linear line per allocator with perfect scaling from
/// system's one-thread throughput.
fn per_allocating_variant(view: &ThreadsView, allocating: &[&str], palette: &Palette) -> ChartSet {
    let mut charts_out = Vec::new();
    for v in allocating.iter().take(MAX_THREADS_CHARTS) {
        let mine: Vec<&ThreadsRow> = view.rows.iter().filter(|r| r.variant == *v).collect();
        let lines = lines_of(&mine, palette, |r| (palette.alloc_color)(&r.allocator));
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
    let legend = view
        .allocators
        .iter()
        .map(|a| Swatch {
            name: a.clone(),
            color: charts::css((palette.alloc_color)(a)),
        })
        .collect();
    let note = if allocating.len() > MAX_THREADS_CHARTS {
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
    ChartSet {
        charts: charts_out,
        legend,
        note,
    }
}

/// One wide chart of every variant under system (or the first allocator), on a log axis.
fn every_variant(view: &ThreadsView, palette: &Palette) -> ChartSet {
    let under = if view.allocators.iter().any(|a| a == "system") {
        "system".to_owned()
    } else {
        view.allocators.first().cloned().unwrap_or_default()
    };
    let mine: Vec<&ThreadsRow> = view.rows.iter().filter(|r| r.allocator == under).collect();
    let lines = lines_of(&mine, palette, |r| (palette.variant_color)(&r.variant));
    let mut charts_out = Vec::new();
    if let Some(svg) = charts::threads_lines(&lines, &view.threads, None, ThreadsAxis::Log) {
        charts_out.push(ThreadsChart {
            title: format!("every variant ({under} allocator, log scale)"),
            svg,
            wide: true,
        });
    }
    let legend = mine
        .iter()
        .map(|r| Swatch {
            name: r.variant.clone(),
            color: charts::css((palette.variant_color)(&r.variant)),
        })
        .collect();
    ChartSet {
        charts: charts_out,
        legend,
        note: "No variant of this workload allocates, so the allocator cannot matter: \
               one chart of every variant under one allocator (on a log scale, as their \
               throughputs differ by orders of magnitude; the table has the ratios)."
            .to_owned(),
    }
}

/// The lines of `rows` with any point, each in the colour `color` gives its row.
fn lines_of(
    rows: &[&ThreadsRow],
    palette: &Palette,
    color: impl Fn(&ThreadsRow) -> RGBColor,
) -> Vec<ThreadsLine> {
    rows.iter()
        .map(|r| ThreadsLine {
            color: color(r),
            points: r
                .points
                .iter()
                .flatten()
                .filter_map(|p| point_bar(p, palette))
                .collect(),
        })
        .filter(|l| !l.points.is_empty())
        .collect()
}

/// A point's aggregate throughput at its thread count, with the interval of its time per call
/// turned into one of throughput.
fn point_bar(p: &ThreadsPoint, palette: &Palette) -> Option<(f64, Bar)> {
    let value = p
        .aggregate_throughput
        .filter(|x| x.is_finite() && *x > 0.0)?;
    let (lo, hi) = match (palette.cell)(&p.id).and_then(|b| b.time.ci95_ns) {
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
}

/// A row's aggregate throughput at one thread: where perfect scaling starts.
fn one_thread(r: &ThreadsRow) -> Option<f64> {
    r.points
        .iter()
        .flatten()
        .find(|p| p.threads == 1)
        .and_then(|p| p.aggregate_throughput)
}
