//! `--threads`, end to end: threaded cells in results, report, export and the terminal; resume and
//! A/B with threads; flame on several threads; the flags' mistakes.

use crate::common::{
    assert_usage_error, cell, edit_cells, perflab, read_results, results, run, run_ok, stderr, tmp,
};
use std::path::Path;

/// A threaded run of `checksum` (allocates nothing: the negative control) and `handoff` (frees
/// on another thread) at 4KiB under system and jemalloc, into `dir`.
fn threaded_run(dir: &Path, extra: &[&str]) -> std::process::Output {
    perflab()
        .args(["run", "-w", "checksum", "-w", "handoff", "--size", "4KiB"])
        .args(["--allocator", "system", "--allocator", "jemalloc"])
        .args(["--threads", "1,2", "--budget", "6"])
        .args(["--out", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn every_cell_is_measured_at_every_thread_count() {
    let dir = tmp("threads-run");
    let o = threaded_run(&dir, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = results(&dir);
    let cells = doc["benchmarks"].as_array().unwrap();
    let one = cells.iter().filter(|c| c["threads"] == 1).count();
    let two = cells.iter().filter(|c| c["threads"] == 2).count();
    assert!(
        one > 0 && one == two,
        "{one} one-thread cells, {two} at two"
    );
    assert_eq!(doc["config"]["threads"], serde_json::json!([1, 2]));
    // One-thread ids are what they were; two-thread ids say so.
    let naive = cell(&doc, "handoff/naive/jemalloc/4KiB/2t");
    assert_eq!(naive["status"], "ok", "{naive}");
    assert_eq!(naive["clock"], "wall");
    let scaling = naive["scaling_vs_one_thread"]["median"].as_f64().unwrap();
    assert!(scaling > 0.0, "{naive}");
    assert!(naive["time_vs_system"]["median"].as_f64().unwrap() > 0.0);
    let aggregate = naive["aggregate_throughput_bytes_per_s"].as_f64().unwrap();
    let per_thread = naive["throughput_bytes_per_s"].as_f64().unwrap();
    assert!((aggregate / per_thread - 2.0).abs() < 1e-9);
    let c = &naive["contention"];
    assert!(c["cpu_per_call_ns"].as_f64().unwrap() > 0.0, "{c}");
    assert!(c["start_skew_ns"].as_f64().is_some(), "{c}");
    // The pipeline's one-thread cells are wall time too (its work is on another thread).
    assert_eq!(cell(&doc, "handoff/naive/system/4KiB")["clock"], "wall");
    assert!(cell(&doc, "checksum/naive/system/4KiB")["clock"].is_null());
    // Every ok cell has a footprint; the pipeline's naive variant allocates a record per line.
    for c in cells.iter().filter(|c| c["status"] == "ok") {
        assert!(c["footprint"]["rss_growth_bytes"].is_u64(), "{}", c["id"]);
    }
    assert!(naive["footprint"]["peak_live_bytes"].as_u64().unwrap() > 0);
    assert!(naive["allocs_per_iter"].as_f64().unwrap() > 1.0);
    // Kernels that allocate nothing are the negative control at two threads as well: the
    // harness's own threads allocate nothing while they are counted.
    assert_eq!(
        cell(&doc, "checksum/naive/jemalloc/4KiB/2t")["allocs_per_iter"],
        0.0
    );
    let controls = doc["allocator_control_threaded"].as_array().unwrap();
    assert_eq!(controls.len(), 1, "{controls:?}");
    assert_eq!(controls[0]["threads"], 2);
    assert!(controls[0]["cells"].as_u64().unwrap() > 0);
    // The environment names what decides allocator behaviour.
    let env = &doc["environment"];
    assert!(
        env["cpu_set"].as_array().is_some_and(|s| !s.is_empty()),
        "{env}"
    );
    assert!(env["allocator_versions"]["jemalloc"].is_string(), "{env}");
    assert!(env["allocator_versions"]["mimalloc"].is_string(), "{env}");

    // The terminal's threads table and verdict, the report's threads view.
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("1 → 2"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("handoff (4KiB): At 2 threads")),
        "{out}"
    );
    assert!(out.contains("negative control at 2 threads"), "{out}");
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(page.contains("Verdict:"), "threads view in the report");

    // Export: a row per cell, with its thread count.
    let csv = run_ok(&[
        "export",
        dir.join("results.json").to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let text = String::from_utf8_lossy(&csv.stdout);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let threads = header.iter().position(|h| *h == "threads").unwrap();
    let scaling = header
        .iter()
        .position(|h| *h == "scaling_vs_one_thread_ratio")
        .unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("handoff/naive/jemalloc/4KiB/2t,"))
        .unwrap();
    let fields: Vec<&str> = row.split(',').collect();
    assert_eq!(fields[threads], "2");
    assert!(fields[scaling].parse::<f64>().unwrap() > 0.0);
    assert_eq!(text.lines().count(), cells.len() + 1);
}

#[test]
fn resume_and_ab_keep_the_thread_counts() {
    let dir = tmp("threads-resume");
    let o = threaded_run(&dir, &["-w", "checksum"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // An interrupted run: every two-thread cell lost.
    let all = edit_cells(&dir, |cells| {
        let all = cells.len();
        cells.retain(|c| c["threads"] == 1);
        all
    });
    let d = dir.to_str().unwrap();
    let o = run(&["run", "--resume", d, "--threads", "1,3"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--threads"), "{}", stderr(&o));
    run_ok(&["run", "--resume", d]);
    let after = results(&dir);
    assert_eq!(after["benchmarks"].as_array().unwrap().len(), all);
    assert!(
        after["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["threads"] == 2 && c["status"] == "ok")
    );

    // A/B on threads: both builds' peers sample every thread count in the same rounds.
    let ab = tmp("threads-ab");
    let o = perflab()
        .args(["run", "-w", "checksum", "--kind", "naive", "--size", "4KiB"])
        .args(["--allocator", "system", "--threads", "1,2", "--budget", "4"])
        .args([
            "--no-confirm",
            "--compare-with",
            env!("CARGO_BIN_EXE_perflab"),
        ])
        .args(["--out", ab.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let head = read_results(&ab.join("results.json"));
    let base = read_results(&ab.join("base.json"));
    let two = cell(&head, "checksum/naive/system/4KiB/2t");
    assert!(two["vs_base"]["median"].as_f64().unwrap() > 0.0, "{two}");
    assert_eq!(cell(&base, "checksum/naive/system/4KiB/2t")["status"], "ok");
}

#[test]
fn flame_runs_a_cell_on_several_threads() {
    let dir = tmp("threads-flame");
    let svg = dir.join("two.svg");
    let o = run_ok(&[
        "flame",
        "-w",
        "checksum",
        "--variant",
        "naive",
        "--size",
        "64KiB",
        "--seconds",
        "1",
        "--threads",
        "2",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(
        stderr(&o).contains("checksum/naive/system/64KiB/2t"),
        "{}",
        stderr(&o)
    );
    assert!(svg.is_file() && svg.with_extension("folded").is_file());
}

#[test]
fn bad_thread_counts_are_one_line_and_exit_2() {
    assert_usage_error(&["run", "--threads", "0"], "0");
    assert_usage_error(&["run", "--threads", "1,x"], "x");
    assert_usage_error(&["run", "--threads", "100000"], "100000");
    assert_usage_error(
        &["run", "--threads", "2", "--measure", "instructions"],
        "--threads",
    );
    assert_usage_error(
        &[
            "flame",
            "-w",
            "search",
            "--variant",
            "naive",
            "--threads",
            "0",
        ],
        "0",
    );
}
