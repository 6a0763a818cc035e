//! `perflab run`: results under every allocator with every field, exports of them, broken
//! variants (panicking, wrong, crashing, hanging, drifting) as failed cells of a run that goes
//! on, one run per directory at a time, and closed pipes.

use crate::common::{
    HANG_GUARD, assert_one_line_error, cell, output_within, perflab, results, run, run_ok,
    small_run, stderr, tmp, wait_for,
};
use serde_json::Value;
use std::path::Path;
use std::process::{Output, Stdio};

/// The run exited 1 because cells failed, and named `id` among them.
fn assert_failed_naming(o: &Output, id: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    assert!(stderr(o).contains(id), "the run names {id}: {}", stderr(o));
}

const REQUIRED: [&str; 23] = [
    "id",
    "workload",
    "variant",
    "kind",
    "allocator",
    "size_bytes",
    "status",
    "error",
    "samples_ns",
    "iters_per_sample",
    "median_ns",
    "mad_ns",
    "ci95_ns",
    "throughput_bytes_per_s",
    "allocs_per_iter",
    "bytes_allocated_per_iter",
    "peak_bytes",
    "instructions",
    "speedup_vs_naive",
    "outliers",
    "size",
    "arena_bytes",
    "time_vs_system",
];

#[test]
fn run_end_to_end_under_every_allocator() {
    let dir = tmp("e2e");
    run_ok(&[
        "run",
        "-w",
        "search",
        "--size",
        "4KiB",
        "--budget",
        "3",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let r = results(&dir);
    assert_eq!(r["schema"], "perflab/results/v1");
    for f in [
        "cpu_model",
        "simd_features",
        "cores",
        "os",
        "rustc",
        "perflab_version",
        "timer_precision_ns",
        "empty_loop_ns",
    ] {
        assert!(r["environment"].get(f).is_some(), "environment lacks {f}");
    }
    assert!(r["environment"]["timer_precision_ns"].as_f64().unwrap() > 0.0);
    assert_eq!(r["config"]["processes"], 2);
    // search allocates nothing: every non-system cell is part of the negative control.
    assert!(r["allocator_control"]["cells"].as_u64().unwrap() >= 4);
    let cells = r["benchmarks"].as_array().unwrap();
    for alloc in ["system", "jemalloc", "mimalloc"] {
        let mine: Vec<&Value> = cells.iter().filter(|b| b["allocator"] == alloc).collect();
        assert!(mine.len() >= 3, "{alloc}: {} cells", mine.len());
        for b in mine {
            for f in REQUIRED {
                assert!(b.get(f).is_some(), "{} lacks {f}", b["id"]);
            }
            assert_eq!(
                b["id"],
                format!("search/{}/{alloc}/4KiB", b["variant"].as_str().unwrap())
            );
            match b["status"].as_str().unwrap() {
                "ok" => {
                    assert!(b["median_ns"].as_f64().unwrap() > 0.0);
                    assert!(!b["samples_ns"].as_array().unwrap().is_empty());
                    assert_eq!(
                        b["allocs_per_iter"], 0.0,
                        "search allocates nothing: {}",
                        b["id"]
                    );
                    assert!(b["ci95_ns"][0].as_f64() <= b["median_ns"].as_f64());
                    // Pooled over two processes, every round's sample kept.
                    assert_eq!(b["process_medians_ns"].as_array().unwrap().len(), 2);
                    // Time relative to system, paired within rounds: none for system itself;
                    // positive, with its median inside its interval, for the others.
                    let t = &b["time_vs_system"];
                    if alloc == "system" {
                        assert!(t.is_null(), "{}: {t}", b["id"]);
                    } else {
                        let m = t["median"].as_f64().unwrap();
                        let (lo, hi) = (
                            t["ci95"][0].as_f64().unwrap(),
                            t["ci95"][1].as_f64().unwrap(),
                        );
                        assert!(m > 0.0 && lo <= m && m <= hi, "{}: {t}", b["id"]);
                    }
                }
                "unsupported" => assert!(b["variant"].as_str().unwrap().starts_with("simd")),
                s => panic!("{}: {s} {}", b["id"], b["error"]),
            }
        }
    }
    let bmf = run(&[
        "export",
        dir.join("results.json").to_str().unwrap(),
        "--format",
        "bmf",
    ]);
    let bmf: Value = serde_json::from_slice(&bmf.stdout).unwrap();
    assert!(
        bmf["search/naive/mimalloc/4KiB"]["latency"]["value"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    exports_have_a_row_per_cell(&dir.join("results.json"), cells);
}

/// `export --format csv|json|markdown`: one row per cell (failed and unsupported ones too),
/// the numbers those of results.json, units in the CSV header.
fn exports_have_a_row_per_cell(file: &Path, cells: &[Value]) {
    let export = |format: &str| {
        let o = run(&["export", file.to_str().unwrap(), "--format", format]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let csv_text = export("csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    for col in [
        "id",
        "status",
        "median_ns",
        "ci95_low_ns",
        "throughput_bytes_per_s",
        "allocs_per_iter",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "no {col} column in {header:?}"
        );
    }
    let median = header.iter().position(|h| h == "median_ns").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), cells.len(), "one CSV row per cell");
    for (row, cell) in rows.iter().zip(cells) {
        assert_eq!(&row[0], cell["id"].as_str().unwrap());
        match cell["median_ns"].as_f64() {
            Some(m) => assert_eq!(row[median].parse::<f64>().unwrap(), m),
            None => assert_eq!(&row[median], ""),
        }
    }
    let json: Value = serde_json::from_str(&export("json")).unwrap();
    assert_eq!(json.as_array().unwrap().len(), cells.len());
    assert_eq!(json[0]["id"], cells[0]["id"]);
    let md = export("markdown");
    let table_rows = md.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(table_rows, cells.len(), "{md}");
}

#[test]
fn panics_wrong_answers_and_crashes_become_failed_cells() {
    let dir = tmp("broken");
    let o = perflab()
        .env("PERFLAB_SELFTEST_ABORT", "1")
        .args([
            "run",
            "-w",
            "selftest",
            "--size",
            "4KiB",
            "--allocator",
            "system",
            "--allocator",
            "mimalloc",
            "--budget",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    // The run completes and keeps every cell, and exits 1 because cells failed, naming them.
    assert_failed_naming(&o, "selftest/panics/system/4KiB");
    let r = results(&dir);
    for alloc in ["system", "mimalloc"] {
        let cell = |v: &str| cell(&r, &format!("selftest/{v}/{alloc}/4KiB"));
        assert_eq!(cell("naive")["status"], "ok");
        assert_eq!(cell("slowed")["status"], "ok");
        let failed = |v: &str, why: &str| {
            let c = cell(v);
            assert_eq!(c["status"], "failed", "{c}");
            assert!(c["error"].as_str().unwrap().contains(why), "{c}");
        };
        failed("panics", "always panics");
        failed("wrong", "differs from naive");
        failed("aborts", "crashed");
        assert_eq!(cell("aborts")["kind"], "simd");
    }
}

/// `run -w selftest --variant V` at 4KiB under system, with the environment `env`; it must end
/// within [`HANG_GUARD`].
fn selftest_run(dir: &Path, variant: &str, env: (&str, &str), extra: &[&str]) -> Output {
    let mut command = perflab();
    command
        .env(env.0, env.1)
        .args(["run", "-w", "selftest", "--variant", variant])
        .args(["--size", "4KiB", "--allocator", "system", "--budget", "2"])
        .args(["--out", dir.to_str().unwrap()])
        .args(extra);
    output_within(command, HANG_GUARD)
}

#[test]
fn a_kernel_that_never_returns_fails_its_cell_and_the_run_goes_on() {
    let dir = tmp("faults-hang");
    // That the run ends at all is the point: each of the two processes is given the limit once
    // (plus its warm-ups), not forever, and `selftest_run` fails a run that hangs.
    let o = selftest_run(
        &dir,
        "hangs",
        ("PERFLAB_SELFTEST_HANG_OVER", "1000"),
        &["--timeout", "2", "--threads", "1,2"],
    );
    assert_failed_naming(&o, "selftest/hangs/system/4KiB");
    let doc = results(&dir);
    for id in [
        "selftest/hangs/system/4KiB",
        "selftest/hangs/system/4KiB/2t",
    ] {
        let hung = cell(&doc, id);
        assert_eq!(hung["status"], "failed", "{hung}");
        let error = hung["error"].as_str().unwrap();
        assert!(error.contains("did not return within 2 s"), "{error}");
        assert!(error.contains("`hangs`"), "{error}");
    }
    // The rest of the group was measured by fresh processes.
    for id in [
        "selftest/naive/system/4KiB",
        "selftest/naive/system/4KiB/2t",
    ] {
        assert_eq!(cell(&doc, id)["status"], "ok", "{}", cell(&doc, id));
    }
}

#[test]
fn a_kernel_that_goes_wrong_after_many_calls_fails_in_the_round_it_did() {
    let dir = tmp("faults-drift");
    let o = selftest_run(&dir, "drifts", ("PERFLAB_SELFTEST_DRIFT_AFTER", "100"), &[]);
    assert_failed_naming(&o, "selftest/drifts/system/4KiB");
    let doc = results(&dir);
    let drifted = cell(&doc, "selftest/drifts/system/4KiB");
    assert_eq!(drifted["status"], "failed", "{drifted}");
    assert_eq!(
        drifted["median_ns"],
        Value::Null,
        "no number from a drifted cell"
    );
    let error = drifted["error"].as_str().unwrap();
    assert!(error.contains("differs from naive"), "{error}");
    assert!(error.contains("it agreed when verified"), "{error}");
    // Where: while it was warmed up (thousands of calls of 4 KiB) or in a round, named.
    assert!(
        error.contains("warming up") || error.contains("(round "),
        "{error}"
    );
    assert_eq!(cell(&doc, "selftest/naive/system/4KiB")["status"], "ok");

    // The same kernel is fine as long as it stays right: the check costs no false alarm.
    let calm = tmp("faults-no-drift");
    let o = selftest_run(
        &calm,
        "drifts",
        ("PERFLAB_SELFTEST_DRIFT_AFTER", "1000000000"),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_second_run_on_the_same_directory_is_refused_naming_the_first() {
    let dir = tmp("lock");
    let mut first = perflab()
        .args(["run", "-w", "search", "--kind", "naive", "--size", "4KiB"])
        .args([
            "--size",
            "8KiB",
            "--preset",
            "full",
            "--out",
            dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first run holds the lock (it writes its pid into the lock file). The full
    // preset gives each group 30 s, far longer than this test needs: the run is killed below, so
    // it is certainly still running when the second run tries the directory.
    let lock = dir.join(".perflab.lock");
    wait_for("the first run takes the lock", HANG_GUARD, || {
        std::fs::read_to_string(&lock)
            .ok()
            .filter(|t| !t.trim().is_empty())
    });
    let o = small_run(&dir, &[]);
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run ended before the second tried its directory"
    );
    assert_one_line_error(&o, 2, "a second run", &format!("pid {}", first.id()));
    first.kill().unwrap(); // SIGKILL: no chance to clean up
    let _ = first.wait();
    // The lock goes with its process, however it ended: the directory is usable again.
    let o = small_run(&dir, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn closed_pipes_end_quietly_and_the_run_keeps_its_cells() {
    let dir = tmp("pipes");
    let o = small_run(&dir, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.join("results.json");
    // stdout closed before export writes (`perflab export R | head -0`).
    let mut child = perflab()
        .args(["export", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panic"), "{}", stderr(&o));
    // stderr (and stdout) closed under a run (`perflab run … 2>&1 | head -0`).
    let out = dir.join("run");
    let mut child = perflab()
        .args([
            "run", "-w", "search", "--kind", "naive", "--size", "4KiB", "--size", "8KiB",
        ])
        .args(["--budget", "2", "--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(results(&out)["benchmarks"].as_array().unwrap().len(), 6);
}
