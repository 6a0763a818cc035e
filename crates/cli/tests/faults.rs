//! Faults that must neither hang a command nor pass by default: a kernel that never returns, a
//! kernel that goes wrong after many calls, a comparison of files that share no cell, an empty
//! input file for `verify`.

mod common;

use common::{cell, perflab, read_results, run, stderr, tmp};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// `run -w selftest --variant V` at 4KiB under system, with the environment `env`.
fn selftest_run(
    dir: &Path,
    variant: &str,
    env: (&str, &str),
    extra: &[&str],
) -> std::process::Output {
    perflab()
        .env(env.0, env.1)
        .args([
            "run",
            "-w",
            "selftest",
            "--variant",
            variant,
            "--size",
            "4KiB",
        ])
        .args(["--allocator", "system", "--budget", "2"])
        .args(["--out", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_kernel_that_never_returns_fails_its_cell_and_the_run_goes_on() {
    let dir = tmp("faults-hang");
    let started = Instant::now();
    let o = selftest_run(
        &dir,
        "hangs",
        ("PERFLAB_SELFTEST_HANG_OVER", "1000"),
        &["--timeout", "2", "--threads", "1,2"],
    );
    let took = started.elapsed();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("selftest/hangs/system/4KiB"),
        "the run names the hung cell: {}",
        stderr(&o)
    );
    let doc = read_results(&dir.join("results.json"));
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
    // Each of the two processes is given the limit once (plus its warm-ups), not forever.
    assert!(took < Duration::from_secs(120), "{took:?}");
}

#[test]
fn a_kernel_that_goes_wrong_after_many_calls_fails_in_the_round_it_did() {
    let dir = tmp("faults-drift");
    let o = selftest_run(&dir, "drifts", ("PERFLAB_SELFTEST_DRIFT_AFTER", "100"), &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("selftest/drifts/system/4KiB"),
        "{}",
        stderr(&o)
    );
    let doc = read_results(&dir.join("results.json"));
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
fn verify_gives_up_on_a_variant_that_never_returns() {
    let o = perflab()
        .env("PERFLAB_SELFTEST_HANG_OVER", "1000")
        .args([
            "verify",
            "-w",
            "selftest",
            "--size",
            "4KiB",
            "--timeout",
            "1",
        ])
        .args(["--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let variants = doc[0]["variants"].as_array().unwrap();
    let of = |name: &str| variants.iter().find(|v| v["variant"] == name).unwrap();
    assert_eq!(of("hangs")["status"], "failed");
    assert_eq!(of("hangs")["error"], "did not return within 1 s");
    // The variants after it were still checked.
    assert_eq!(of("drifts")["status"], "ok");
    assert_eq!(of("naive")["status"], "ok");
}

#[test]
fn verify_checks_every_workload_on_an_empty_file_and_run_still_refuses_it() {
    let dir = tmp("faults-empty");
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    let o = run(&["verify", "--input", empty.to_str().unwrap(), "--json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let workloads = doc.as_array().unwrap();
    assert!(workloads.len() >= 8, "{doc}");
    for w in workloads {
        assert_eq!(w["input"]["size_bytes"], 0, "{w}");
        for v in w["variants"].as_array().unwrap() {
            // selftest's `wrong` and `panics` are wrong on any input, empty included.
            let broken = w["workload"] == "selftest"
                && (v["variant"] == "wrong" || v["variant"] == "panics");
            if !broken && v["status"] != "unsupported" {
                assert_eq!(v["status"], "ok", "{} on an empty file: {v}", w["workload"]);
            }
        }
    }
    let o = run(&["run", "-w", "checksum", "--input", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is empty"), "{}", stderr(&o));
}

/// A small results file: the naive variants of `checksum` and `search` at 1KiB under system.
fn small_results(name: &str) -> Value {
    let dir = tmp(name);
    let o = perflab()
        .args(["run", "-w", "checksum", "-w", "search", "--kind", "naive"])
        .args(["--size", "1KiB", "--allocator", "system", "--budget", "1"])
        .args(["--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    read_results(&dir.join("results.json"))
}

fn write(dir: &Path, name: &str, doc: &Value) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(doc).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_comparison_of_files_with_no_cell_in_common_is_an_error_and_missing_cells_can_fail_it() {
    let base = small_results("faults-compare");
    let dir = tmp("faults-compare-files");
    let base_path = write(&dir, "base.json", &base);

    // Head measured another workload (a rename, other filters): nothing is in both.
    let mut renamed = base.clone();
    for c in renamed["benchmarks"].as_array_mut().unwrap() {
        let id = c["id"]
            .as_str()
            .unwrap()
            .replacen("checksum", "checksum2", 1)
            .replacen("search", "search2", 1);
        c["id"] = id.into();
        let workload = format!("{}2", c["workload"].as_str().unwrap());
        c["workload"] = workload.into();
    }
    let renamed_path = write(&dir, "renamed.json", &renamed);
    let o = run(&["compare", &base_path, &renamed_path]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains("no cell is in both"), "{err}");

    // Head lost a workload: by default it is reported and passes; with --fail-on-missing it fails.
    let mut narrower = base.clone();
    narrower["benchmarks"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["workload"] != "search");
    let narrower_path = write(&dir, "narrower.json", &narrower);
    let o = run(&["compare", &base_path, &narrower_path]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("missing in head"));
    let o = run(&["compare", &base_path, &narrower_path, "--fail-on-missing"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing in head"), "{}", stderr(&o));
    // And a head with every cell passes the strict gate.
    let o = run(&["compare", &base_path, &base_path, "--fail-on-missing"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn flame_gives_up_on_a_kernel_that_never_returns() {
    let out = tmp("faults-flame");
    let o = perflab()
        .env("PERFLAB_SELFTEST_HANG_OVER", "1000")
        .args([
            "flame",
            "-w",
            "selftest",
            "--variant",
            "hangs",
            "--size",
            "4KiB",
        ])
        .args(["--timeout", "1", "--seconds", "1"])
        .args(["-o", out.join("hangs.svg").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`selftest/hangs` did not return within 1 s"),
        "{}",
        stderr(&o)
    );
    // `live` serves every variant of a workload and refuses one whose variants fail their
    // check (selftest's always do), so its watchdog is not reached from here.
}
