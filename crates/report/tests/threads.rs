//! Results with cells at more than one thread: each workload gets a threads view (charts of
//! aggregate throughput against threads, a table of every variant and allocator at every thread
//! count, the allocator verdict in words), the views above it stay one-thread, the allocator
//! section has the negative control at every thread count and the environment the allocator
//! facts. Results without threads get none of it.

mod common;

use common::{SIZES, synthetic, with_threads};
use perflab_harness::results::{Benchmark, CellStatus, Results};
use perflab_harness::summary;
use perflab_report::{RenderOptions, fmt, render};

const ALLOCATORS: [&str; 3] = ["system", "jemalloc", "mimalloc"];

/// `wordfreq`, whose naive, optimized and arena variants allocate, and `search`, made to
/// allocate nothing at all, at 4KiB and 64KiB, and at `threads` at 64KiB.
fn threaded(threads: &[u32]) -> Results {
    let mut r = synthetic(&["wordfreq", "search"], &ALLOCATORS, &SIZES[..2], 12);
    for b in r
        .benchmarks
        .iter_mut()
        .filter(|b| b.name.workload == "search")
    {
        if b.alloc.allocs_per_iter.is_some() {
            b.alloc.allocs_per_iter = Some(0.0);
            b.alloc.bytes_allocated_per_iter = Some(0.0);
            b.alloc.peak_bytes = Some(0);
        }
        b.alloc.arena_bytes = None;
    }
    with_threads(r, threads)
}

fn page(r: &Results) -> String {
    render(r, None, &RenderOptions::default()).unwrap()
}

/// The part of `html` from `start` to the first `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let at = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in the page"));
    let stop = html[at..].find(end).map_or(html.len(), |i| at + i);
    &html[at..stop]
}

/// A workload's threads view: from its heading to the end of its table's notes.
fn threads_view<'a>(html: &'a str, workload: &str) -> &'a str {
    between(
        html,
        &format!("<div class=\"threads\" id=\"threads-{workload}\">"),
        "<details>",
    )
}

fn row_of<'a>(html: &'a str, id: &str) -> &'a str {
    between(html, &format!("data-id=\"{id}\""), "</tr>")
}

/// The `<td>` of a cell in a threads table.
fn threads_cell<'a>(view: &'a str, id: &str) -> &'a str {
    between(view, &format!("data-cell=\"{id}\""), "</tr>")
}

#[test]
fn the_threads_view_has_charts_a_table_and_a_verdict() {
    let r = threaded(&[2]);
    let html = page(&r);
    let views = summary::threads_views(&r);
    assert_eq!(views.len(), 2, "one view per workload");
    for v in &views {
        let view = threads_view(&html, &v.workload);
        assert!(
            view.contains(&format!(
                "Threads: {} at {} on 1 and 2 threads",
                v.workload, v.size
            )),
            "{view}"
        );
        // The caption says what a threaded cell is and what a small machine cannot show.
        for words in [
            "N threads of one process run the variant at once",
            "own copy of the input",
            "wall time per call",
            "1.0: perfect scaling",
            "oversubscription",
            "2 CPUs (0–1)",
        ] {
            assert!(view.contains(words), "{}: no {words:?}", v.workload);
        }
        // Every variant under every allocator at every thread count, with its figures.
        let mut rows = 0;
        for row in &v.rows {
            rows += 1;
            for p in row.points.iter().flatten() {
                let cell = threads_cell(view, &p.id);
                let agg = fmt::throughput(p.aggregate_throughput.unwrap());
                assert!(cell.contains(&agg), "{}: no {agg} in {cell}", p.id);
                if let Some(s) = p.scaling {
                    assert!(cell.contains(&fmt::ratio(s.median)), "{}: scaling", p.id);
                    assert!(cell.contains(&fmt::ratio_ci(s.ci95)), "{}: its CI", p.id);
                }
                if let Some(e) = p.time_vs_system {
                    assert!(cell.contains(&fmt::ratio(e.median)), "{}: vs system", p.id);
                }
                let memory = format!(
                    "{} / {}",
                    fmt::bytes(p.rss_growth.unwrap() as f64),
                    fmt::bytes(p.peak_live.unwrap() as f64)
                );
                assert!(cell.contains(&memory), "{}: no {memory} in {cell}", p.id);
            }
        }
        assert_eq!(
            between(view, "<tbody>", "</tbody>").matches("<tr").count(),
            rows
        );
        assert!(view.contains("<th>scaling</th>") && view.contains("<th>vs system</th>"));
    }

    // wordfreq: naive and optimized allocate per call, arena from its arena: one chart each,
    // lines per allocator, and the verdict.
    let wordfreq = views.iter().find(|v| v.workload == "wordfreq").unwrap();
    let view = threads_view(&html, "wordfreq");
    assert_eq!(view.matches("<svg").count(), 3, "three allocating variants");
    for variant in ["naive", "optimized", "arena"] {
        assert!(
            view.contains(&format!("<figcaption>{variant} <span")),
            "{variant}"
        );
    }
    assert!(view.contains("<polyline"), "lines are drawn");
    assert!(
        view.contains("ideal"),
        "the perfect-scaling line is labelled"
    );
    let verdict = wordfreq.verdict.as_ref().expect("a verdict");
    assert_eq!(verdict.winner, "mimalloc");
    let sentence = between(view, "<b>Verdict:</b>", "</p>");
    assert!(
        sentence.contains("At 2 threads, mimalloc is fastest over the 3 variants that allocate"),
        "{sentence}"
    );
    for a in &verdict.allocators {
        let name = &a.allocator;
        if name != "system" {
            assert!(
                sentence.contains(&fmt::ratio(a.geo_mean)),
                "{name}'s geo-mean in {sentence}"
            );
        }
        if name == "mimalloc" {
            assert!(a.faster > 0);
            assert!(
                sentence.contains(&format!("certainly faster (beyond 3%) for {} of", a.faster))
            );
        }
        let held = fmt::bytes(a.memory.unwrap() as f64);
        assert!(sentence.contains(&format!("{name} {held}")), "{sentence}");
    }

    // search allocates nothing: one chart of every variant, no verdict.
    let view = threads_view(&html, "search");
    assert_eq!(view.matches("<svg").count(), 1, "{view}");
    assert!(view.contains("every variant (system allocator, log scale)"));
    assert!(view.contains("No variant of this workload allocates"));
    assert!(!view.contains("Verdict:"));

    // The allocator section sums the verdicts up, and the summary says who wins.
    let section = between(&html, "<section id=\"allocators\"", "</section>");
    assert!(section.contains("id=\"allocators-threads\""));
    assert!(section.contains("href=\"#threads-wordfreq\""));
    assert!(html.contains("at 2 threads: mimalloc in wordfreq"));
}

#[test]
fn at_most_four_charts_and_a_warning_beyond_the_cpus() {
    // Every variant of `tags` allocates but the SIMD ones: make them all allocate.
    let mut base = synthetic(&["tags"], &ALLOCATORS, &SIZES[..1], 8);
    for b in &mut base.benchmarks {
        b.alloc.allocs_per_iter = b.alloc.allocs_per_iter.map(|a| a + 3.0);
    }
    let r = with_threads(base, &[2, 4]);
    let html = page(&r);
    let view = threads_view(&html, "tags");
    assert_eq!(view.matches("<svg").count(), 4);
    assert!(
        view.contains("Charts for the first 4 of the 6 variants that allocate"),
        "{view}"
    );
    assert!(view.contains("on 1, 2 and 4 threads"));
    assert!(
        view.contains("At 4 threads this run had more threads than the 2 CPUs (0–1)"),
        "oversubscription is called out"
    );
    // The table has them all, at all three thread counts.
    for t in ["1 thread", "2 threads", "4 threads"] {
        assert!(view.contains(&format!(">{t}</th>")), "{t}");
    }
    for id in [
        "tags/reference/mimalloc/4KiB",
        "tags/reference/mimalloc/4KiB/2t",
        "tags/reference/mimalloc/4KiB/4t",
    ] {
        threads_cell(view, id);
    }
}

#[test]
fn the_views_above_the_threads_view_stay_one_thread() {
    let mut r = threaded(&[2]);
    // A threaded cell with an absurd throughput per thread: it must not win anything.
    let absurd = 1e15;
    let b = r
        .benchmarks
        .iter_mut()
        .find(|b| b.name.id == "search/naive/system/64KiB/2t")
        .unwrap();
    b.time.throughput_bytes_per_s = Some(absurd);
    // Threaded cells first in the file, so a view that took the first cell it saw would show them.
    r.benchmarks.sort_by_key(|b| std::cmp::Reverse(b.threads));
    let html = page(&r);
    let one: Vec<&Benchmark> = r
        .benchmarks
        .iter()
        .filter(|b| b.name.workload == "search")
        .collect();
    let fastest = summary::fastest_by_size(&one)["64KiB"];
    assert_eq!(fastest.threads, 1);
    let card = between(
        &html,
        "<div class=\"wl\"><a href=\"#workload-search\">",
        "class=\"verdict\"",
    );
    assert!(
        card.contains(&fmt::throughput(
            fastest.time.throughput_bytes_per_s.unwrap()
        )),
        "{card}"
    );
    assert!(!card.contains(&fmt::throughput(absurd)));
    let charts = between(
        &html,
        "<section id=\"workload-search\"",
        "<div class=\"threads\"",
    );
    assert!(!charts.contains(&fmt::throughput(absurd)), "a threaded bar");
    // The cell table lists it, marked as wall time, with its thread count.
    let row = row_of(&html, "search/naive/system/64KiB/2t");
    assert!(row.contains(&fmt::throughput(absurd)));
    assert!(row.contains("<span class=\"clk\">wall</span>"), "{row}");
    assert!(row.contains("<td data-v=\"2\">2</td>"), "{row}");
    assert!(!row_of(&html, "search/naive/system/64KiB").contains("clk"));
    // The star is a one-thread cell's.
    let star = html
        .split("</tr>")
        .filter(|r| r.contains("class=\"ok best\"") && r.contains("search/"))
        .map(|r| between(r, "data-id=\"", "\">"))
        .collect::<Vec<_>>();
    assert!(!star.is_empty());
    assert!(star.iter().all(|id| !id.ends_with('t')), "{star:?}");
}

#[test]
fn every_cell_row_has_its_threads_and_footprint() {
    let r = threaded(&[2]);
    let html = page(&r);
    let table = between(&html, "<table id=\"cells-wordfreq\"", "</thead>");
    for th in [
        "<th>threads</th>",
        "<th>RSS growth</th>",
        "<th>peak live</th>",
    ] {
        assert!(table.contains(th), "{th}");
    }
    for b in r.benchmarks.iter().filter(|b| b.status == CellStatus::Ok) {
        let row = row_of(&html, &b.name.id);
        let fp = b.footprint.as_ref().unwrap();
        for want in [
            format!("<td data-v=\"{}\">{}</td>", b.threads, b.threads),
            fmt::bytes(fp.rss_growth_bytes.unwrap() as f64),
            fmt::bytes(fp.peak_live_bytes.unwrap() as f64),
            fmt::sig3(fp.fragmentation.unwrap()),
            fmt::time_ns(b.time.median_ns.unwrap()),
        ] {
            assert!(row.contains(&want), "{}: no {want:?} in {row}", b.name.id);
        }
        assert_eq!(
            row.contains("class=\"clk\""),
            b.threads > 1,
            "{}",
            b.name.id
        );
    }
    assert!(html.contains("Times marked <span class=\"clk\">wall</span> are wall time per call"));
}

#[test]
fn the_negative_control_is_shown_at_every_thread_count() {
    let r = threaded(&[2, 4]);
    assert_eq!(r.allocator_control_threaded.len(), 2);
    let html = page(&r);
    let section = between(&html, "<section id=\"allocators\"", "</section>");
    let one = r.allocator_control.as_ref().unwrap();
    assert!(one.cells > 0);
    assert!(
        section.contains(&format!(
            "Negative control at 1 thread: {} of the {} cells that make no allocation",
            one.beyond, one.cells
        )),
        "{section}"
    );
    for c in &r.allocator_control_threaded {
        assert!(c.cells > 0);
        let line = format!(
            "At {} threads (under contention): {} of the {} cells that make no allocation show \
             an allocator effect beyond 3%",
            c.threads, c.beyond, c.cells
        );
        assert!(section.contains(&line), "no {line:?}");
    }

    // A file written before the threaded control was kept: the page counts it from the cells.
    let mut old = r.clone();
    old.allocator_control_threaded.clear();
    let html = page(&old);
    for c in &r.allocator_control_threaded {
        assert!(html.contains(&format!(
            "At {} threads (under contention): {} of the {} cells",
            c.threads, c.beyond, c.cells
        )));
    }

    // Threaded cells that all allocate leave a thread count without a control, and it says so.
    let mut busy = r.clone();
    busy.allocator_control_threaded.clear();
    for b in busy.benchmarks.iter_mut().filter(|b| b.threads > 1) {
        b.alloc.allocs_per_iter = Some(0.0625);
    }
    let html = page(&busy);
    assert!(html.contains("At 2 threads: no cell to control with"));
    assert!(html.contains("At 4 threads: no cell to control with"));
}

#[test]
fn the_environment_shows_the_allocators_and_cpus() {
    let mut r = threaded(&[2]);
    let html = page(&r);
    let env = between(&html, "<section id=\"environment\"", "</section>");
    for (k, v) in [
        ("CPU set", "0–1 (2 CPUs this run could use)"),
        ("jemalloc", "5.3.0-synthetic"),
        ("mimalloc", "3.3.2"),
        ("glibc (system allocator)", "2.36"),
        ("allocator variables", "MALLOC_ARENA_MAX=2"),
        ("threads", "1, and 2 (the preset&#39;s) at 64KiB"),
    ] {
        assert!(
            env.contains(&format!("<dt>{k}</dt><dd>{v}</dd>")),
            "no {k}: {v} in {env}"
        );
    }
    let wall = r.benchmarks.iter().filter(|b| b.threads > 1).count();
    assert!(env.contains(&format!(
        "<dt>clock</dt><dd>cpu (the measuring thread&#39;s CPU time); by the wall clock \
         instead: the {wall} cell(s) at more than one thread</dd>"
    )));
    r.environment.allocator_env.clear();
    r.environment.allocator_versions = None;
    let html = page(&r);
    assert!(html.contains("<dt>allocator variables</dt><dd>none set</dd>"));
    assert!(html.contains("<dt>glibc (system allocator)</dt><dd>unknown</dd>"));
}

#[test]
fn results_without_threads_have_no_threads_view() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-results.json");
    for r in [
        synthetic(&["wordfreq", "search"], &ALLOCATORS, &SIZES[..2], 12),
        Results::read(&path).unwrap(),
    ] {
        assert!(r.benchmarks.iter().all(|b| b.threads == 1));
        let html = page(&r);
        for absent in [
            "class=\"threads\"",
            "Threads:",
            "<th>threads</th>",
            "<th>RSS growth</th>",
            "Under threads",
            "allocators-threads",
            "class=\"clk\"",
            "<dt>CPU set</dt>",
            "<dt>allocator variables</dt>",
            "<dt>threads</dt>",
            "at 1 thread",
            "on one thread",
            "one-thread",
        ] {
            assert!(
                !html.contains(absent),
                "{absent:?} in a page without threads"
            );
        }
        // Still two charts per workload, and the control sentence as it always was.
        let workloads = r
            .benchmarks
            .iter()
            .map(|b| b.name.workload.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert_eq!(html.matches("<svg").count(), 2 * workloads);
    }
}

#[test]
fn a_threaded_default_matrix_stays_small() {
    let r = with_threads(common::default_matrix(), &[2]);
    let html = render(&r, Some(&r), &RenderOptions::default()).unwrap();
    assert!(html.len() < 2_000_000, "page is {} bytes", html.len());
    for bad in ["src=", "@import", "url(", "https:"] {
        assert!(!html.contains(bad), "page contains {bad:?}");
    }
    assert_eq!(
        html.matches("<div class=\"threads\"").count(),
        common::WORKLOADS.len()
    );
}
