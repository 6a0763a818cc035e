//! The page's view model: everything the template shows, already ordered, formatted and charted.
//!
//! Keeping the decisions here (what wins, what is compared to what, which numbers appear) and
//! the template free of logic means tests can check the page's content against the same
//! formatting functions, and the template stays a readable picture of the page.

use crate::change::{self, Change, DEFAULT_THRESHOLD};
use crate::charts::{self, Bar, BarRow, Line};
use crate::fmt;
use crate::{RenderOptions, ReportError};
use perflab_harness::results::{Benchmark, CellStatus, Results};
use perflab_harness::summary;
use std::collections::{BTreeMap, HashMap, HashSet};

mod allocators;
mod baseline;
mod flames;
mod meta;
pub(crate) mod threads;

pub use allocators::{AllocRow, AllocSummary};
pub use baseline::{Baseline, ChangeCell};
pub use flames::FlameView;
pub(crate) use flames::sentence;
pub use meta::Problem;
pub use threads::{ThreadsSection, VerdictRow};

/// A coloured key in a legend.
pub struct Swatch {
    pub name: String,
    pub color: String,
}

/// One workload's headline: its fastest cell at the largest size.
pub struct Headline {
    pub workload: String,
    pub variant: String,
    pub kind: String,
    pub allocator: String,
    pub size: String,
    pub throughput: String,
    pub time: String,
    /// The time is wall time, where the run's clock is another.
    pub wall: bool,
    /// `6.87×`, when a speed-up was measured.
    pub speedup: Option<String>,
    speedup_value: Option<f64>,
    /// `sure`, `unsure` or `slower`: how the interval sits against 1.
    pub verdict_class: &'static str,
    pub verdict: String,
    /// Width of the speed-up bar, percent of the widest (log scale).
    pub bar_pct: u32,
    /// The geometric-mean winners across sizes, condensed to one line.
    pub across_sizes: String,
    pub failed: usize,
    pub unsupported: usize,
}

/// One table row: one cell of the matrix.
pub struct Row {
    pub id: String,
    pub variant: String,
    pub kind: String,
    pub allocator: String,
    pub size: String,
    pub size_bytes: u64,
    pub status: &'static str,
    pub median: String,
    pub median_v: String,
    pub ci: String,
    pub throughput: String,
    pub throughput_v: String,
    pub speedup: String,
    pub speedup_ci: String,
    pub speedup_v: String,
    pub allocs: String,
    pub allocs_v: String,
    pub bytes_iter: String,
    pub bytes_iter_v: String,
    pub peak: String,
    pub peak_v: String,
    pub arena: String,
    pub arena_v: String,
    /// Threads that ran the variant at once (1 for files from before threads).
    pub threads: u32,
    /// The samples are wall time (the cell's own clock), not the run's clock.
    pub wall: bool,
    /// What the time and throughput are, for a cell at more than one thread or on the wall clock.
    pub time_title: String,
    pub throughput_title: String,
    /// Peak resident-set growth, peak live heap bytes, and their ratio.
    pub rss: String,
    pub rss_v: String,
    pub live: String,
    pub live_v: String,
    pub frag: String,
    pub frag_v: String,
    /// The allocator's own figure of what it holds, and the pass's calls.
    pub memory_title: String,
    pub change: Option<ChangeCell>,
    pub profile: Option<String>,
    /// The fastest cell at its size.
    pub best: bool,
    pub error: String,
}

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

/// Charts are drawn for at most this many workloads (the first ones), and only for workloads with
/// at most this many variants and sizes: beyond that an SVG chart is unreadable and the page would
/// grow by megabytes per workload. The tables still list every cell.
pub const MAX_CHARTED_WORKLOADS: usize = 100;
/// See [`MAX_CHARTED_WORKLOADS`].
pub const MAX_CHART_SERIES: usize = 64;

fn status_str(s: CellStatus) -> &'static str {
    match s {
        CellStatus::Ok => "ok",
        CellStatus::Failed => "failed",
        CellStatus::Unsupported => "unsupported",
    }
}

/// Bytes, or `–`.
fn fmt_bytes_opt(b: Option<u64>) -> String {
    b.map_or_else(|| "–".to_owned(), |b| fmt::bytes(b as f64))
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> (String, String) {
    match v {
        Some(x) => (f(x), format!("{x}")),
        None => ("–".to_owned(), String::new()),
    }
}

/// A cell's throughput bar with its interval, from its time interval.
fn bar_of(b: &Benchmark) -> Option<Bar> {
    if b.status != CellStatus::Ok {
        return None;
    }
    let usable = |x: &f64| x.is_finite() && *x > 0.0;
    let value = b.throughput_bytes_per_s.filter(usable)?;
    let [tlo, thi] = b.ci95_ns.unwrap_or([0.0, 0.0]);
    let tp = |ns: f64| perflab_harness::stats::throughput(b.size_bytes, ns).filter(usable);
    Some(Bar {
        value,
        lo: tp(thi).unwrap_or(value).min(value),
        hi: tp(tlo).unwrap_or(value).max(value),
    })
}

/// Builds the page.
pub fn build(
    results: &Results,
    baseline: Option<&Results>,
    opts: &RenderOptions,
) -> Result<Page, ReportError> {
    let benches = &results.benchmarks;
    let workloads = distinct(benches.iter().map(|b| b.workload.as_str()));
    let present: HashSet<&str> = benches.iter().map(|b| b.allocator.as_str()).collect();
    let mut allocators: Vec<String> = results
        .config
        .allocators
        .iter()
        .filter(|a| present.contains(a.as_str()))
        .cloned()
        .collect();
    for a in distinct(benches.iter().map(|b| b.allocator.as_str())) {
        if !allocators.contains(&a) {
            allocators.push(a);
        }
    }
    let alloc_pos = positions(&allocators);
    let alloc_index = |a: &str| alloc_pos.get(a).copied().unwrap_or(usize::MAX);
    let winners = summary::winners(results);
    let mut winners_of: HashMap<&str, Vec<&summary::Winner>> = HashMap::new();
    for w in &winners {
        winners_of.entry(w.workload.as_str()).or_default().push(w);
    }
    let changes: BTreeMap<&str, Change> = match baseline {
        Some(base) => {
            let index = base.index();
            benches
                .iter()
                .filter_map(|h| {
                    let b = &base.benchmarks[*index.get(h.id.as_str())?];
                    Some((h.id.as_str(), change::classify(b, h, DEFAULT_THRESHOLD)))
                })
                .collect()
        }
        None => BTreeMap::new(),
    };
    let mut by_workload: HashMap<&str, Vec<&Benchmark>> = HashMap::new();
    for b in benches {
        by_workload.entry(b.workload.as_str()).or_default().push(b);
    }
    // The threads view, from the harness's one model of it (the terminal shows the same).
    let threads_views = summary::threads_views(results);
    let threads_of: HashMap<&str, &summary::ThreadsView> = threads_views
        .iter()
        .map(|v| (v.workload.as_str(), v))
        .collect();
    let index = results.index();
    let cell_by_id = |id: &str| index.get(id).map(|i| &benches[*i]);
    let has_threads = benches.iter().any(|b| b.threads > 1);
    let has_footprint = benches.iter().any(|b| b.footprint.is_some());
    let run_clock = results.config.clock;

    let mut headlines = Vec::new();
    let mut sections = Vec::new();
    for (wi, w) in workloads.iter().enumerate() {
        let cells: Vec<&Benchmark> = by_workload.remove(w.as_str()).unwrap_or_default();
        let variants = distinct(cells.iter().map(|b| b.variant.as_str()));
        let var_pos = positions(&variants);
        let var_index = |v: &str| var_pos.get(v).copied().unwrap_or(usize::MAX);
        let mut sizes: Vec<(u64, String)> = Vec::new();
        let mut size_seen: HashSet<&str> = HashSet::new();
        for b in &cells {
            if size_seen.insert(&b.size) {
                sizes.push((b.size_bytes, b.size.clone()));
            }
        }
        sizes.sort();
        let ok: Vec<&Benchmark> = cells
            .iter()
            .copied()
            .filter(|b| b.status == CellStatus::Ok && b.median_ns.is_some())
            .collect();
        // The charts above the table compare kernels' speed: one thread only (the threads view
        // has the rest, by its own figures).
        let ok1: Vec<&Benchmark> = ok.iter().copied().filter(|b| b.threads == 1).collect();
        let problems = cells.len() - ok.len();
        let failed = cells
            .iter()
            .filter(|b| b.status == CellStatus::Failed)
            .count();
        // The fastest ok cell of each size (the last of equals).
        let fastest = summary::fastest_by_size(&ok);
        let fastest_at = |size: &str| fastest.get(size).copied();
        // The representative size: the largest with any time.
        let rep = sizes
            .iter()
            .rev()
            .find(|(_, s)| fastest_at(s).is_some())
            .map(|(_, s)| s.clone());

        if let Some(best) = rep.as_deref().and_then(fastest_at) {
            let mine = winners_of.get(w.as_str()).map_or(&[][..], Vec::as_slice);
            let mut h = headline(best, mine, failed, problems - failed);
            h.wall = best.clock.is_some_and(|c| Some(c) != run_clock);
            headlines.push(h);
        }

        let charted = wi < MAX_CHARTED_WORKLOADS
            && variants.len() <= MAX_CHART_SERIES
            && sizes.len() <= MAX_CHART_SERIES
            && allocators.len() <= MAX_CHART_SERIES;
        let no_chart = if charted {
            "No cell of this workload has a time.".to_owned()
        } else {
            format!(
                "Not charted: charts are drawn for the first {MAX_CHARTED_WORKLOADS} workloads with \
                 at most {MAX_CHART_SERIES} variants, sizes and allocators; the table lists every cell."
            )
        };
        let ok_allocators: HashSet<&str> = ok1.iter().map(|b| b.allocator.as_str()).collect();

        // Chart 1: throughput by variant, grouped by allocator, at the representative size.
        let bars_svg = rep.as_deref().filter(|_| charted).and_then(|size| {
            let mut at: HashMap<(&str, &str), &Benchmark> = HashMap::new();
            for b in ok1.iter().filter(|b| b.size == size) {
                at.entry((&b.variant, &b.allocator)).or_insert(b);
            }
            let rows: Vec<BarRow> = variants
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
            charts::throughput_bars(&rows, &allocators)
        });

        // Chart 2: throughput against size per variant, under `system` (or the first allocator).
        let line_alloc = allocators
            .iter()
            .find(|a| *a == "system" && ok_allocators.contains(a.as_str()))
            .or_else(|| {
                allocators
                    .iter()
                    .find(|a| ok_allocators.contains(a.as_str()))
            })
            .cloned()
            .unwrap_or_default();
        let lines_svg = if charted {
            let mut points_of: HashMap<&str, Vec<(f64, Bar)>> = HashMap::new();
            for b in ok1
                .iter()
                .filter(|b| b.allocator == line_alloc && b.size_bytes > 0)
            {
                if let Some(bar) = bar_of(b) {
                    points_of
                        .entry(&b.variant)
                        .or_default()
                        .push((b.size_bytes as f64, bar));
                }
            }
            let lines: Vec<Line> = variants
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let mut points = points_of.remove(v.as_str())?;
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    Some(Line { color: i, points })
                })
                .collect();
            let size_labels: Vec<(f64, String)> = sizes
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, s)| (*n as f64, s.clone()))
                .collect();
            charts::scaling_lines(&lines, &size_labels)
        } else {
            None
        };

        // The table: by size, then threads, variant and allocator; the fastest cell per size
        // (at one thread) starred.
        let mut sorted = cells.clone();
        sorted.sort_by_key(|b| {
            (
                b.size_bytes,
                b.threads,
                var_index(&b.variant),
                alloc_index(&b.allocator),
            )
        });
        let rows: Vec<Row> = sorted
            .iter()
            .map(|b| {
                let best = fastest_at(&b.size).is_some_and(|f| std::ptr::eq(f, *b));
                row(b, best, changes.get(b.id.as_str()), opts, run_clock)
            })
            .collect();
        let wall_cells = rows.iter().filter(|r| r.wall).count();
        let ok_variants: HashSet<&str> = ok1.iter().map(|b| b.variant.as_str()).collect();
        let threads = threads_of.get(w.as_str()).map(|view| {
            threads::threads_section(
                view,
                &cell_by_id,
                cells
                    .first()
                    .map_or(&results.environment, |b| results.environment_of(b)),
                charted,
                &|a| charts::allocator_color(a, alloc_index(a).min(64)),
                &|v| charts::series_color(var_index(v).min(64)),
            )
        });
        sections.push(Workload {
            name: w.clone(),
            bars_svg,
            bars_size: rep.unwrap_or_default(),
            lines_svg,
            no_chart,
            lines_allocator: line_alloc,
            variants: variants
                .iter()
                .enumerate()
                .filter(|(_, v)| ok_variants.contains(v.as_str()))
                .map(|(i, v)| Swatch {
                    name: v.clone(),
                    color: charts::css(charts::series_color(i)),
                })
                .collect(),
            rows,
            ok: ok.len(),
            failed,
            unsupported: problems - failed,
            sizes_measured: sizes
                .iter()
                .filter(|(_, s)| fastest_at(s).is_some())
                .count(),
            flames: opts.flames.as_ref().and_then(|index| {
                let how = format!("{}, {} s per cell", index.source, index.seconds);
                index
                    .of(w)
                    .map(|f| flames::flame_view(f, how, index.seconds))
            }),
            threads,
            wall_cells,
        });
    }
    // Scale the headline bars: log of the speed-up against the largest.
    let max_log = headlines
        .iter()
        .filter_map(|h| h.speedup_value)
        .map(|s| s.max(1.0).ln())
        .fold(0.0, f64::max);
    for h in &mut headlines {
        let s = h.speedup_value.unwrap_or(1.0).max(1.0).ln();
        h.bar_pct = if max_log > 0.0 {
            (4.0 + 96.0 * s / max_log).round() as u32
        } else {
            4
        };
    }

    let (alloc_others, alloc_rows, alloc_note) =
        allocators::allocator_view(results, &workloads, &allocators);
    let alloc_summary = allocators::summarise(&alloc_others, &alloc_rows, &allocators);
    let problems = meta::problems(results);
    let failed = benches
        .iter()
        .filter(|b| b.status == CellStatus::Failed)
        .count();
    let unsupported = benches
        .iter()
        .filter(|b| b.status == CellStatus::Unsupported)
        .count();
    let env = &results.environment;
    let subtitle = format!(
        "{} · {} · preset {} · {} cells",
        env.cpu_model,
        env.git_commit
            .as_deref()
            .map(|c| format!("commit {}", c.chars().take(12).collect::<String>()))
            .unwrap_or_else(|| "commit unknown".to_owned()),
        if results.config.preset.is_empty() {
            "–"
        } else {
            &results.config.preset
        },
        benches.len()
    );
    Ok(Page {
        title: "perflab report".to_owned(),
        subtitle,
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
        threads_summary: threads::winners_line(&threads_views),
        threads_verdicts: threads::verdict_rows(&threads_views, &allocators),
        threads_others: threads::verdict_allocators(&threads_views, &allocators)
            .into_iter()
            .filter(|a| a != "system")
            .collect(),
        threads_allocators: threads::verdict_allocators(&threads_views, &allocators),
        has_threads,
        has_footprint,
        alloc_summary,
        failed,
        unsupported,
        problems,
        baseline: baseline.map(|base| baseline::baseline_view(results, base, &changes)),
        environment: meta::environment(results),
        config: meta::config(results),
    })
}

fn headline(
    best: &Benchmark,
    winners: &[&summary::Winner],
    failed: usize,
    unsupported: usize,
) -> Headline {
    use perflab_harness::compare::{Shift, shift};
    let s = best.speedup_vs_naive;
    // A speed-up is certain when its whole interval lies beyond 1 (perflab's one rule, with no
    // threshold).
    let (verdict_class, verdict) = match s {
        _ if best.kind == perflab_core::VariantKind::Naive => {
            ("unsure", "naive itself is fastest".to_owned())
        }
        Some(e) if shift(&e, 0.0) == Some(Shift::Up) => (
            "sure",
            format!("faster than naive; 95% CI {}", fmt::ratio_ci(e.ci95)),
        ),
        Some(e) if shift(&e, 0.0) == Some(Shift::Down) => (
            "slower",
            format!("slower than naive; 95% CI {}", fmt::ratio_ci(e.ci95)),
        ),
        Some(e) => (
            "unsure",
            format!(
                "not clearly faster than naive; 95% CI {}",
                fmt::ratio_ci(e.ci95)
            ),
        ),
        None => ("unsure", "no speed-up over naive measured".to_owned()),
    };
    Headline {
        workload: best.workload.clone(),
        variant: best.variant.clone(),
        kind: best.kind.as_str().to_owned(),
        allocator: best.allocator.clone(),
        size: best.size.clone(),
        throughput: best
            .throughput_bytes_per_s
            .map(fmt::throughput)
            .unwrap_or_default(),
        time: best.median_ns.map(fmt::time_ns).unwrap_or_default(),
        wall: false,
        speedup: s.map(|e| fmt::ratio(e.median)),
        speedup_value: s.map(|e| e.median).filter(|x| x.is_finite()),
        verdict_class,
        verdict,
        bar_pct: 0,
        across_sizes: across_sizes(winners),
        failed,
        unsupported,
    }
}

/// `simd-avx2 under every allocator, 16.7–19.4× (geo-mean over 4 sizes)`, or one
/// `allocator: variant ratio` per allocator when they disagree; `winners` are one workload's.
fn across_sizes(ws: &[&summary::Winner]) -> String {
    let Some(first) = ws.first() else {
        return String::new();
    };
    let sizes = ws.iter().map(|w| w.sizes).max().unwrap_or(0);
    let plural = if sizes == 1 { "" } else { "s" };
    if ws.iter().all(|w| w.variant == first.variant) {
        let lo = ws.iter().map(|w| w.speedup).fold(f64::INFINITY, f64::min);
        let hi = ws.iter().map(|w| w.speedup).fold(0.0, f64::max);
        let range = if fmt::sig3(lo) == fmt::sig3(hi) {
            fmt::ratio(lo)
        } else {
            format!("{}–{}", fmt::sig3(lo), fmt::ratio(hi))
        };
        let under = if ws.len() == 1 {
            format!("under {}", first.allocator)
        } else {
            "under every allocator".to_owned()
        };
        format!(
            "{} {under}, {range} (geo-mean over {sizes} size{plural})",
            first.variant
        )
    } else {
        let each: Vec<String> = ws
            .iter()
            .map(|w| {
                format!(
                    "{} under {} {}",
                    w.variant,
                    w.allocator,
                    fmt::ratio(w.speedup)
                )
            })
            .collect();
        format!("{} (geo-mean over {sizes} size{plural})", each.join(" · "))
    }
}

fn row(
    b: &Benchmark,
    best: bool,
    change: Option<&Change>,
    opts: &RenderOptions,
    run_clock: Option<perflab_harness::clock::Clock>,
) -> Row {
    let (median, median_v) = opt(b.median_ns, fmt::time_ns);
    let (throughput, throughput_v) = opt(b.throughput_bytes_per_s, fmt::throughput);
    let (speedup, speedup_v) = opt(b.speedup_vs_naive.map(|e| e.median), fmt::ratio);
    let (allocs, allocs_v) = opt(b.allocs_per_iter, fmt::count);
    let (bytes_iter, bytes_iter_v) = opt(b.bytes_allocated_per_iter, fmt::bytes);
    let (peak, peak_v) = opt(b.peak_bytes.map(|x| x as f64), fmt::bytes);
    let (arena, arena_v) = opt(b.arena_bytes.map(|x| x as f64), fmt::bytes);
    let wall = b.clock.is_some_and(|c| Some(c) != run_clock);
    let time_title = match (b.threads > 1, wall) {
        (true, _) => format!(
            "wall time per call: {} threads ran the variant at once, from the first one's start \
             to the last one's end",
            b.threads
        ),
        (false, true) => "wall time per call (this cell's own clock, not the run's)".to_owned(),
        (false, false) => String::new(),
    };
    let throughput_title = if b.threads > 1 {
        match b.aggregate_throughput_bytes_per_s {
            Some(a) => format!(
                "per thread; {} over all {} threads",
                fmt::throughput(a),
                b.threads
            ),
            None => "per thread".to_owned(),
        }
    } else {
        String::new()
    };
    let fp = b.footprint.as_ref();
    let (rss, rss_v) = opt(
        fp.and_then(|f| f.rss_growth_bytes).map(|x| x as f64),
        fmt::bytes,
    );
    let (live, live_v) = opt(
        fp.and_then(|f| f.peak_live_bytes).map(|x| x as f64),
        fmt::bytes,
    );
    let (frag, frag_v) = opt(fp.and_then(|f| f.fragmentation), fmt::sig3);
    let memory_title = fp
        .map(|f| {
            let mut t = format!("footprint pass: {} call(s) per thread", f.iters);
            if let Some(h) = &f.allocator {
                t.push_str(&format!(
                    "; {}: {} before, {} after",
                    h.source,
                    fmt::bytes(h.before_bytes as f64),
                    fmt::bytes(h.after_bytes as f64)
                ));
            }
            t
        })
        .unwrap_or_default();
    Row {
        id: b.id.clone(),
        variant: b.variant.clone(),
        kind: b.kind.as_str().to_owned(),
        allocator: b.allocator.clone(),
        size: b.size.clone(),
        size_bytes: b.size_bytes,
        status: status_str(b.status),
        median,
        median_v,
        ci: b.ci95_ns.map(fmt::time_ci).unwrap_or_default(),
        throughput,
        throughput_v,
        speedup,
        speedup_ci: b
            .speedup_vs_naive
            .map(|e| fmt::ratio_ci(e.ci95))
            .unwrap_or_default(),
        speedup_v,
        allocs,
        allocs_v,
        bytes_iter,
        bytes_iter_v,
        peak,
        peak_v,
        arena,
        arena_v,
        threads: b.threads,
        wall,
        time_title,
        throughput_title,
        rss,
        rss_v,
        live,
        live_v,
        frag,
        frag_v,
        memory_title,
        change: change.map(baseline::change_cell),
        profile: profile_link(b, opts),
        best,
        error: b.error.clone().unwrap_or_default(),
    }
}

/// `flame/<workload>-<variant>-<allocator>-<size>.svg`, relative to the page, when that file
/// exists in `opts.page_dir`.
fn profile_link(b: &Benchmark, opts: &RenderOptions) -> Option<String> {
    let dir = opts.page_dir.as_ref()?;
    let link = format!("flame/{}", crate::flames::file_name(&b.id, "svg"));
    (crate::flames::is_flame_path(&link) && dir.join(&link).is_file()).then_some(link)
}
