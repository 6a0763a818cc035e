//! `perflab compare`: each kind of change with its exit code, files of one paired run compared
//! at the paired threshold, files with no cell in common refused, missing cells failing it on
//! request.

use crate::common::{
    around, assert_usage_error, results, run, run_ok, stderr, synthetic, tmp, write_json,
};
use serde_json::Value;

#[test]
fn compare_reports_each_kind_of_change_with_the_right_exit_code() {
    let dir = tmp("compare");
    let write = |name: &str, v: &Value| write_json(&dir, name, v);
    let base = write(
        "base.json",
        &synthetic(&[
            ("w/faster/system/4KiB", "ok", around(100.0)),
            ("w/slower/system/4KiB", "ok", around(100.0)),
            ("w/same/system/4KiB", "ok", around(100.0)),
            ("w/gone/system/4KiB", "ok", around(100.0)),
            ("w/broken/system/4KiB", "ok", around(100.0)),
        ]),
    );
    let quiet = write(
        "quiet.json",
        &synthetic(&[
            ("w/faster/system/4KiB", "ok", around(70.0)),
            ("w/slower/system/4KiB", "ok", around(101.0)),
            ("w/same/system/4KiB", "ok", around(100.5)),
            ("w/gone/system/4KiB", "ok", around(100.0)),
            ("w/broken/system/4KiB", "ok", around(100.0)),
            ("w/added/system/4KiB", "ok", around(10.0)),
        ]),
    );
    let o = run(&["compare", &base, &quiet, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let verdict = |doc: &Value, id: &str| {
        doc["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["verdict"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(verdict(&doc, "w/faster/system/4KiB"), "improvement");
    assert_eq!(
        verdict(&doc, "w/slower/system/4KiB"),
        "unchanged",
        "1% is inside the noise threshold"
    );
    assert_eq!(verdict(&doc, "w/added/system/4KiB"), "new");

    let bad = write(
        "bad.json",
        &synthetic(&[
            ("w/faster/system/4KiB", "ok", around(100.0)),
            ("w/slower/system/4KiB", "ok", around(130.0)),
            ("w/same/system/4KiB", "ok", around(100.0)),
            ("w/broken/system/4KiB", "failed", vec![]),
        ]),
    );
    let o = run(&["compare", &base, &bad, "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(verdict(&doc, "w/slower/system/4KiB"), "regression");
    assert_eq!(verdict(&doc, "w/same/system/4KiB"), "unchanged");
    assert_eq!(verdict(&doc, "w/gone/system/4KiB"), "missing_in_head");
    assert_eq!(verdict(&doc, "w/broken/system/4KiB"), "failed_in_head");
    let md = run(&["compare", &base, &bad, "--format", "markdown"]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.contains("| `w/slower/system/4KiB` | REGRESSION |"),
        "{md}"
    );
    assert!(md.contains("❌"));

    let mut other = synthetic(&[]);
    other["schema"] = "perflab/results/v2".into();
    let other = write("v2.json", &other);
    assert_usage_error(&["compare", &base, &other], "perflab/results/v2");
}

#[test]
fn files_of_one_paired_run_are_compared_at_the_paired_threshold() {
    let dir = tmp("compare-paired");
    let write = |name: &str, v: &Value| write_json(&dir, name, v);
    let mut base = synthetic(&[("w/v/system/4KiB", "ok", around(100.0))]);
    let mut head = synthetic(&[("w/v/system/4KiB", "ok", around(103.0))]);
    for (f, id) in [(&mut base, "run-1"), (&mut head, "run-1")] {
        f["config"]["paired"] = id.into();
    }
    // The paired ratio says +3% [+2.6%, +3.4%]: beyond the paired 2%, inside the separate 5%.
    head["benchmarks"][0]["vs_base"] = serde_json::json!({"median": 1.03, "ci95": [1.026, 1.034]});
    let (b, h) = (write("base.json", &base), write("head.json", &head));
    let o = run(&["compare", &b, &h]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("threshold 2.0% time"));
    let o = run(&["compare", &b, &h, "--threshold", "5"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Two separate runs (different or no paired ids) keep the 5% default.
    head["config"]["paired"] = "run-2".into();
    let h = write("head.json", &head);
    let o = run(&["compare", &b, &h]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("threshold 5.0% time"));
}

/// A small results file: the naive variants of `checksum` and `search` at 1KiB under system.
fn small_results(name: &str) -> Value {
    let dir = tmp(name);
    run_ok(&[
        "run",
        "-w",
        "checksum",
        "-w",
        "search",
        "--kind",
        "naive",
        "--size",
        "1KiB",
        "--allocator",
        "system",
        "--budget",
        "1",
        "--out",
        dir.to_str().unwrap(),
    ]);
    results(&dir)
}

#[test]
fn a_comparison_of_files_with_no_cell_in_common_is_an_error_and_missing_cells_can_fail_it() {
    let base = small_results("faults-compare");
    let dir = tmp("faults-compare-files");
    let base_path = write_json(&dir, "base.json", &base);

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
    let renamed_path = write_json(&dir, "renamed.json", &renamed);
    assert_usage_error(
        &["compare", &base_path, &renamed_path],
        "no cell is in both",
    );

    // Head lost a workload: by default it is reported and passes; with --fail-on-missing it fails.
    let mut narrower = base.clone();
    narrower["benchmarks"]
        .as_array_mut()
        .unwrap()
        .retain(|c| c["workload"] != "search");
    let narrower_path = write_json(&dir, "narrower.json", &narrower);
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
