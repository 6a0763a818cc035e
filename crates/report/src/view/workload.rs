//! One workload's section: its two charts at one thread (throughput by variant and allocator,
//! and against size), its cell table, its profiles and its threads view.

use super::cells::{Row, on_wall_clock, row};
use super::flames::{FlameView, flame_view};
use super::headline::{Headline, headline};
use super::threads::{ThreadsSection, threads_section};
use super::{Swatch, distinct, positions};
use crate::RenderOptions;
use crate::change::Change;
use crate::charts::{self, Bar, BarRow, Line};
use perflab_harness::results::{Benchmark, CellStatus, Results};
use perflab_harness::summary::{self, ThreadsView, Winner};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Charts are drawn for at most this many workloads (the first ones), and only for workloads with
/// at most this many variants and sizes: beyond that an SVG chart is unreadable and the page would
/// grow by megabytes per workload. The tables still list every cell.
pub const MAX_CHARTED_WORKLOADS: usize = 100;
/// See [`MAX_CHARTED_WORKLOADS`].
pub const MAX_CHART_SERIES: usize = 64;

/// A workload's section.
pub struct Workload {
    pub name: String,
    pub bars_svg: Option<String>,
    pub bars_size: String,
    pub lines_svg: Option<String>,
    /// What the page says where a chart is missing.
    pub no_chart: String,
    pub lines_allocator: String,
    pub variants: Vec<Swatch>,
    pub rows: Vec<Row>,
    pub ok: usize,
    pub failed: usize,
    pub unsupported: usize,
    /// How many sizes have a time: with one, the scaling chart is a column of points.
    pub sizes_measured: usize,
    /// The profiles `run --flame` made of this workload.
    pub flames: Option<FlameView>,
    /// What more threads did to this workload (cells at more than one thread only).
    pub threads: Option<ThreadsSection>,
    /// Cells whose samples are wall time while the run's clock is another.
    pub wall_cells: usize,
}

/// What every section is drawn against: the whole run's order of allocators, its winners,
/// baseline changes and threads views, looked up by workload.
pub(super) struct PageContext<'a> {
    pub results: &'a Results,
    pub opts: &'a RenderOptions,
    /// The page's allocators, in the order the run configured them.
    pub allocators: &'a [String],
    pub alloc_pos: HashMap<&'a str, usize>,
    pub winners_of: HashMap<&'a str, Vec<&'a Winner>>,
    pub changes: &'a BTreeMap<&'a str, Change>,
    pub threads_of: HashMap<&'a str, &'a ThreadsView>,
    pub index: HashMap<&'a str, usize>,
}

impl PageContext<'_> {
    fn alloc_index(&self, a: &str) -> usize {
        self.alloc_pos.get(a).copied().unwrap_or(usize::MAX)
    }
}

/// One workload's cells and what the section derives from them once.
struct Cells<'a> {
    name: &'a str,
    all: Vec<&'a Benchmark>,
    /// Variants in first-seen order, and their positions.
    variants: Vec<String>,
    var_pos: HashMap<String, usize>,
    /// `(bytes, label)`, ascending.
    sizes: Vec<(u64, String)>,
    /// Cells with a time, and those of them at one thread (the charts compare kernels' speed:
    /// the threads view has the rest, by its own figures).
    ok: Vec<&'a Benchmark>,
    ok1: Vec<&'a Benchmark>,
    failed: usize,
    /// The fastest ok cell of each size (the last of equals).
    fastest: HashMap<&'a str, &'a Benchmark>,
    /// The representative size: the largest with any time.
    rep: Option<String>,
}

impl<'a> Cells<'a> {
    fn new(name: &'a str, all: Vec<&'a Benchmark>) -> Self {
        let variants = distinct(all.iter().map(|b| b.name.variant.as_str()));
        let var_pos = positions(&variants)
            .into_iter()
            .map(|(v, i)| (v.to_owned(), i))
            .collect();
        let mut sizes: Vec<(u64, String)> = Vec::new();
        let mut size_seen: HashSet<&str> = HashSet::new();
        for b in &all {
            if size_seen.insert(&b.name.size) {
                sizes.push((b.name.size_bytes, b.name.size.clone()));
            }
        }
        sizes.sort();
        let ok: Vec<&Benchmark> = all
            .iter()
            .copied()
            .filter(|b| b.status == CellStatus::Ok && b.time.median_ns.is_some())
            .collect();
        let ok1 = ok.iter().copied().filter(|b| b.threads == 1).collect();
        let failed = all
            .iter()
            .filter(|b| b.status == CellStatus::Failed)
            .count();
        let fastest = summary::fastest_by_size(&ok);
        let rep = sizes
            .iter()
            .rev()
            .find(|(_, s)| fastest.contains_key(s.as_str()))
            .map(|(_, s)| s.clone());
        Cells {
            name,
            all,
            variants,
            var_pos,
            sizes,
            ok,
            ok1,
            failed,
            fastest,
            rep,
        }
    }

    fn var_index(&self, v: &str) -> usize {
        self.var_pos.get(v).copied().unwrap_or(usize::MAX)
    }

    fn fastest_at(&self, size: &str) -> Option<&'a Benchmark> {
        self.fastest.get(size).copied()
    }

    /// Cells that failed or are unsupported.
    fn problems(&self) -> usize {
        self.all.len() - self.ok.len()
    }
}

/// The section of workload `name` (the `nth` on the page) from its `cells`, and its headline
/// when any cell has a time.
pub(super) fn section(
    page: &PageContext,
    nth: usize,
    name: &str,
    cells: Vec<&Benchmark>,
) -> (Workload, Option<Headline>) {
    let c = Cells::new(name, cells);
    let run_clock = page.results.config.clock;
    let headline = c.rep.as_deref().and_then(|s| c.fastest_at(s)).map(|best| {
        let mine = page.winners_of.get(name).map_or(&[][..], Vec::as_slice);
        let mut h = headline(best, mine, c.failed, c.problems() - c.failed);
        h.wall = on_wall_clock(best, run_clock);
        h
    });
    let charted = nth < MAX_CHARTED_WORKLOADS
        && c.variants.len() <= MAX_CHART_SERIES
        && c.sizes.len() <= MAX_CHART_SERIES
        && page.allocators.len() <= MAX_CHART_SERIES;
    let no_chart = if charted {
        "No cell of this workload has a time.".to_owned()
    } else {
        format!(
            "Not charted: charts are drawn for the first {MAX_CHARTED_WORKLOADS} workloads with \
             at most {MAX_CHART_SERIES} variants, sizes and allocators; the table lists every cell."
        )
    };
    let bars_svg = c
        .rep
        .as_deref()
        .filter(|_| charted)
        .and_then(|size| bars_chart(&c, size, page.allocators));
    let line_alloc = lines_allocator(&c, page.allocators);
    let lines_svg = charted.then(|| lines_chart(&c, &line_alloc)).flatten();
    let rows = table(&c, page);
    let wall_cells = rows.iter().filter(|r| r.wall).count();
    let workload = Workload {
        name: name.to_owned(),
        bars_svg,
        bars_size: c.rep.clone().unwrap_or_default(),
        lines_svg,
        no_chart,
        lines_allocator: line_alloc,
        variants: swatches(&c),
        rows,
        ok: c.ok.len(),
        failed: c.failed,
        unsupported: c.problems() - c.failed,
        sizes_measured: c
            .sizes
            .iter()
            .filter(|(_, s)| c.fastest_at(s).is_some())
            .count(),
        flames: page.opts.flames.as_ref().and_then(|index| {
            let how = format!("{}, {} s per cell", index.source, index.seconds);
            index.of(name).map(|f| flame_view(f, how, index.seconds))
        }),
        threads: threads(&c, page, charted),
        wall_cells,
    };
    (workload, headline)
}

/// A cell's throughput bar with its interval, from its time interval.
fn bar_of(b: &Benchmark) -> Option<Bar> {
    if b.status != CellStatus::Ok {
        return None;
    }
    let usable = |x: &f64| x.is_finite() && *x > 0.0;
    let value = b.time.throughput_bytes_per_s.filter(usable)?;
    let [tlo, thi] = b.time.ci95_ns.unwrap_or([0.0, 0.0]);
    let tp = |ns: f64| perflab_harness::stats::throughput(b.name.size_bytes, ns).filter(usable);
    Some(Bar {
        value,
        lo: tp(thi).unwrap_or(value).min(value),
        hi: tp(tlo).unwrap_or(value).max(value),
    })
}

/// Chart 1: throughput by variant, grouped by allocator, at the representative `size`.
fn bars_chart(c: &Cells, size: &str, allocators: &[String]) -> Option<String> {
    let mut at: HashMap<(&str, &str), &Benchmark> = HashMap::new();
    for b in c.ok1.iter().filter(|b| b.name.size == size) {
        at.entry((&b.name.variant, &b.name.allocator)).or_insert(b);
    }
    let rows: Vec<BarRow> = c
        .variants
        .iter()
        .map(|v| BarRow {
            label: v.clone(),
            bars: allocators
                .iter()
                .map(|a| at.get(&(v.as_str(), a.as_str())).and_then(|b| bar_of(b)))
                .collect(),
        })
        .filter(|r| r.bars.iter().any(Option::is_some))
        .collect();
    charts::throughput_bars(&rows, allocators)
}

/// The allocator of chart 2: `system`, or the first with a time.
fn lines_allocator(c: &Cells, allocators: &[String]) -> String {
    let ok_allocators: HashSet<&str> = c.ok1.iter().map(|b| b.name.allocator.as_str()).collect();
    allocators
        .iter()
        .find(|a| *a == "system" && ok_allocators.contains(a.as_str()))
        .or_else(|| {
            allocators
                .iter()
                .find(|a| ok_allocators.contains(a.as_str()))
        })
        .cloned()
        .unwrap_or_default()
}

/// Chart 2: throughput against size per variant, under `allocator`.
fn lines_chart(c: &Cells, allocator: &str) -> Option<String> {
    let mut points_of: HashMap<&str, Vec<(f64, Bar)>> = HashMap::new();
    for b in c
        .ok1
        .iter()
        .filter(|b| b.name.allocator == allocator && b.name.size_bytes > 0)
    {
        if let Some(bar) = bar_of(b) {
            points_of
                .entry(&b.name.variant)
                .or_default()
                .push((b.name.size_bytes as f64, bar));
        }
    }
    let lines: Vec<Line> = c
        .variants
        .iter()
        .enumerate()
        .filter_map(|(i, v)| {
            let mut points = points_of.remove(v.as_str())?;
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Some(Line { color: i, points })
        })
        .collect();
    let size_labels: Vec<(f64, String)> = c
        .sizes
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, s)| (*n as f64, s.clone()))
        .collect();
    charts::scaling_lines(&lines, &size_labels)
}

/// The table: by size, then threads, variant and allocator; the fastest cell per size (at one
/// thread) starred.
fn table(c: &Cells, page: &PageContext) -> Vec<Row> {
    let mut sorted = c.all.clone();
    sorted.sort_by_key(|b| {
        (
            b.name.size_bytes,
            b.threads,
            c.var_index(&b.name.variant),
            page.alloc_index(&b.name.allocator),
        )
    });
    sorted
        .iter()
        .map(|b| {
            let best = c
                .fastest_at(&b.name.size)
                .is_some_and(|f| std::ptr::eq(f, *b));
            row(
                b,
                best,
                page.changes.get(b.name.id.as_str()),
                page.opts,
                page.results.config.clock,
            )
        })
        .collect()
}

/// The legend of the charts: the variants with a time at one thread, in their chart colours.
fn swatches(c: &Cells) -> Vec<Swatch> {
    let ok_variants: HashSet<&str> = c.ok1.iter().map(|b| b.name.variant.as_str()).collect();
    c.variants
        .iter()
        .enumerate()
        .filter(|(_, v)| ok_variants.contains(v.as_str()))
        .map(|(i, v)| Swatch {
            name: v.clone(),
            color: charts::css(charts::series_color(i)),
        })
        .collect()
}

/// The threads view, with the colours of the section's other charts.
fn threads(c: &Cells, page: &PageContext, charted: bool) -> Option<ThreadsSection> {
    let view = page.threads_of.get(c.name)?;
    let benches = &page.results.benchmarks;
    let cell_by_id = |id: &str| page.index.get(id).map(|i| &benches[*i]);
    let env = c.all.first().map_or(&page.results.environment, |b| {
        page.results.environment_of(b)
    });
    Some(threads_section(
        view,
        &cell_by_id,
        env,
        charted,
        &|a| charts::allocator_color(a, page.alloc_index(a).min(64)),
        &|v| charts::series_color(c.var_index(v).min(64)),
    ))
}
