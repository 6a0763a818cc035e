//! Headless Chromium for the tests that open a report as a user would: shared by
//! perflab-report's browser test and the CLI's `run --flame` test (included by `#[path]`).
//!
//! Chromium comes from `scripts/install-chromium.sh`. Without it a test skips with a message,
//! except under CI (`CI=true`), where a missing browser is a failure.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser, or `None` (after saying why) when it is missing outside CI.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        let msg = "Chromium is not installed (run scripts/install-chromium.sh)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}: CI=true requires the browser test to run");
        }
        eprintln!("SKIPPED browser test: {msg}");
    }
    found
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PERFLAB_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.exists() {
        return Some(fixed.to_owned());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    })
}

/// Runs Chromium headless on `page` with `extra` arguments, killing it after two minutes, and
/// returns its standard output. `work` holds the browser profile and the output.
pub fn run_chromium(bin: &Path, page: &Path, extra: &[String], work: &Path) -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let profile = work.join(format!("chromium-profile-{n}"));
    std::fs::create_dir_all(&profile).unwrap();
    let stdout = work.join(format!("chromium-stdout-{n}"));
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium exited with {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    std::fs::read_to_string(&stdout).unwrap()
}

/// Loads `page` and returns its rendered DOM and the network requests the *page* made (URLs
/// of requests with an origin as initiator, from Chromium's net log; the browser's own
/// background requests have none and are left out).
pub fn dom_and_page_requests(bin: &Path, page: &Path, work: &Path) -> (String, Vec<String>) {
    static LOGS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = LOGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let log = work.join(format!("netlog-{n}.json"));
    let dom = run_chromium(
        bin,
        page,
        &[
            "--dump-dom".to_owned(),
            format!("--log-net-log={}", log.display()),
        ],
        work,
    );
    let text = std::fs::read_to_string(&log).expect("chromium wrote its net log");
    (dom, page_requests(&text))
}

/// The URLs of `URL_REQUEST_START_JOB` events whose initiator is an origin (the page's), from
/// a net log's JSON.
fn page_requests(netlog: &str) -> Vec<String> {
    // A log cut short by the browser's exit lacks its closing brackets.
    let doc: serde_json::Value = serde_json::from_str(netlog)
        .or_else(|_| {
            serde_json::from_str(&format!("{}]}}", netlog.trim_end().trim_end_matches(',')))
        })
        .expect("net log is JSON");
    let start_job = doc["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"].clone();
    let mut urls = Vec::new();
    for e in doc["events"].as_array().into_iter().flatten() {
        if e["type"] != start_job {
            continue;
        }
        let params = &e["params"];
        let browser_own = params["initiator"].as_str() == Some("not an origin");
        if let (Some(url), false) = (params["url"].as_str(), browser_own) {
            urls.push(url.to_owned());
        }
    }
    urls
}
