//! `perflab run --compare-with BASE`: an A/B run of two builds in lock step flags nothing when
//! they are the same, and flags a variant slowed by 30% once fresh processes repeat it.

use crate::common::{perflab, read_results, results, stderr, tmp};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// A base "build" for paired runs: the same binary with the selftest slowdown switched off.
fn base_wrapper(dir: &Path) -> String {
    let path = dir.join("base-perflab");
    let script = format!(
        "#!/bin/sh\nunset PERFLAB_SELFTEST_EXTRA_PCT\nexec '{}' \"$@\"\n",
        env!("CARGO_BIN_EXE_perflab")
    );
    std::fs::write(&path, script).unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    path.to_str().unwrap().to_owned()
}

/// A paired run of `selftest/tunable` (head slowed by `extra_pct`%): its output and head's
/// `tunable` cell.
fn paired(extra_pct: &str, name: &str) -> (Output, Value) {
    let dir = tmp(name);
    let base = base_wrapper(&dir);
    let o = perflab()
        .env("PERFLAB_SELFTEST_EXTRA_PCT", extra_pct)
        .args([
            "run",
            "-w",
            "selftest",
            "--variant",
            "tunable",
            "--size",
            "64KiB",
            "--allocator",
            "system",
        ])
        .args([
            "--budget",
            "3",
            "--compare-with",
            &base,
            "--out",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let head = results(&dir);
    read_results(&dir.join("base.json"));
    let tunable = head["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["variant"] == "tunable")
        .unwrap()
        .clone();
    (o, tunable)
}

#[test]
fn paired_a_a_flags_nothing() {
    let (o, tunable) = paired("0", "aa");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let r = &tunable["vs_base"];
    assert!(
        r["median"].as_f64().unwrap() > 0.9 && r["median"].as_f64().unwrap() < 1.1,
        "{r}"
    );
}

#[test]
fn paired_a_b_flags_a_slowed_variant() {
    let (o, tunable) = paired("30", "ab");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // A regression is reported only after fresh pairs of processes repeated it.
    assert!(
        tunable["vs_base_other"]["median"].as_f64().unwrap() > 1.1,
        "{tunable}"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.starts_with("regression") && l.contains("selftest/tunable/system/64KiB")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("unchanged") && l.contains("selftest/naive/system/64KiB")),
        "{out}"
    );
}
