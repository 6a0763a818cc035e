//! The page as a browser shows it: headless Chromium loads the report from disk, and the rendered
//! DOM has every workload's section with its charts. A screenshot is left for a person to judge.
//!
//! Chromium comes from `scripts/install-chromium.sh`. Without it the test skips with a message,
//! except under CI (`CI=true`), where a missing browser is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Runs Chromium headless on `page` with `extra` arguments, killing it after two minutes.
fn run_chromium(bin: &Path, page: &Path, extra: &[String], work: &Path) -> String {
    let profile = work.join(format!("profile-{}", extra.len()));
    std::fs::create_dir_all(&profile).unwrap();
    let stdout = work.join(format!("stdout-{}", extra.len()));
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

#[test]
fn chromium_renders_every_workload_with_charts() {
    let Some(bin) = chromium() else {
        let msg = "Chromium is not installed (run scripts/install-chromium.sh)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}: CI=true requires the browser test to run");
        }
        eprintln!("SKIPPED browser test: {msg}");
        return;
    };
    let work = common::fresh_dir("browser");
    let results = common::default_matrix();
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

    let dom = run_chromium(&bin, &page, &["--dump-dom".to_owned()], &work);
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
        assert_eq!(section.matches("<svg").count(), 2, "{w}: two charts");
        assert!(section.contains("<text"), "{w}: chart labels are text");
    }
    // The sorting script ran: it titles every sortable header.
    assert!(
        dom.contains("title=\"sort\""),
        "the table script did not run"
    );

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
