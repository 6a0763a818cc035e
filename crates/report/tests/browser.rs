//! The page as a browser shows it: headless Chromium loads the report from disk, and the rendered
//! DOM has every workload's section with its charts. A screenshot is left for a person to judge.
//!
//! Chromium comes from `scripts/install-chromium.sh`. Without it the test skips with a message,
//! except under CI (`CI=true`), where a missing browser is a failure.

#[path = "common/chromium.rs"]
mod chromium;
mod common;

use chromium::{chromium_or_skip, dom_and_page_requests, run_chromium};
use std::path::Path;

#[test]
fn chromium_renders_every_workload_with_charts() {
    let Some(bin) = chromium_or_skip() else {
        return;
    };
    let work = common::fresh_dir("browser");
    // With cells at two threads, so the threads views (and their charts) are rendered too.
    let results = common::with_threads(common::default_matrix(), &[2]);
    let json = work.join("results.json");
    results.write_atomic(&json).unwrap();
    let base = common::synthetic(
        &common::WORKLOADS,
        &["system", "jemalloc", "mimalloc"],
        &common::SIZES,
        40,
    );
    let base_json = work.join("base.json");
    base.write_atomic(&base_json).unwrap();
    let page = work.join("index.html");
    perflab_report::write_report(&json, Some(&base_json), &page).unwrap();
    // Kept for a person to open: target/tmp/perflab-report-sample.html.
    let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join("perflab-report-sample.html");
    std::fs::copy(&page, &kept).unwrap();

    let (dom, requests) = dom_and_page_requests(&bin, &page, &work);
    assert!(requests.is_empty(), "the page loaded {requests:?}");
    assert!(
        dom.contains("id=\"summary\""),
        "no summary in the DOM:\n{}",
        &dom[..dom.len().min(2000)]
    );
    for w in common::WORKLOADS {
        let start = dom
            .find(&format!("<section id=\"workload-{w}\""))
            .unwrap_or_else(|| panic!("no section for {w}"));
        let end = dom[start..].find("</section>").unwrap() + start;
        let section = &dom[start..end];
        let threads = section
            .find(&format!("id=\"threads-{w}\""))
            .unwrap_or_else(|| panic!("{w}: no threads view"));
        assert_eq!(
            section[..threads].matches("<svg").count(),
            2,
            "{w}: two charts"
        );
        let charts = section[threads..].matches("<svg").count();
        assert!((1..=4).contains(&charts), "{w}: {charts} threads charts");
        assert!(section.contains("<text"), "{w}: chart labels are text");
    }
    // The sorting script ran: it titles every sortable header, in a table with a row of column
    // groups above its header row (the threads tables) the header row's.
    assert!(
        dom.contains("title=\"sort\""),
        "the table script did not run"
    );
    let threads_head = dom
        .split("class=\"sortable threads-table\"")
        .nth(1)
        .and_then(|t| t.split("</thead>").next())
        .expect("a threads table");
    assert!(
        threads_head.contains("<th title=\"sort\">variant</th>"),
        "{threads_head}"
    );
    assert!(!threads_head.contains("colspan=\"4\" title=\"sort\""));

    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("perflab-report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &bin,
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1400,2000".to_owned(),
        ],
        &work,
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
    eprintln!("screenshot: {}", shot.display());
    std::fs::remove_dir_all(&work).unwrap();
}

/// The net-log check can fail: a page that loads an image over HTTP is caught.
#[test]
fn a_page_that_loads_from_the_network_is_caught() {
    let Some(bin) = chromium_or_skip() else {
        return;
    };
    let work = common::fresh_dir("browser-control");
    let page = work.join("index.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/x.png\"></body></html>",
    )
    .unwrap();
    let (_, requests) = dom_and_page_requests(&bin, &page, &work);
    assert_eq!(requests, ["http://127.0.0.1:9/x.png"]);
    std::fs::remove_dir_all(&work).unwrap();
}
