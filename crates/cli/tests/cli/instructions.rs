//! `perflab run --measure instructions`: callgrind's counts repeat exactly from run to run.

use crate::common::{cell, perflab, results, run_ok, stderr, tmp};
use std::process::Command;

#[test]
fn instruction_counts_repeat_exactly() {
    if perflab_harness_valgrind_missing() {
        return;
    }
    let counts = |name: &str| {
        let dir = tmp(name);
        run_ok(&[
            "run",
            "--measure",
            "instructions",
            "-w",
            "selftest",
            "--variant",
            "slowed",
            "--allocator",
            "system",
            "--size",
            "4KiB",
            "--out",
            dir.to_str().unwrap(),
        ]);
        let r = results(&dir);
        let get = |v: &str| {
            r["benchmarks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["variant"] == v)
                .unwrap()["instructions"]
                .as_f64()
                .unwrap()
        };
        (get("naive"), get("slowed"))
    };
    let first = counts("instr-a");
    let second = counts("instr-b");
    assert_eq!(
        first, second,
        "callgrind counts must be identical run to run"
    );
    // `slowed` sums the input twice.
    let ratio = first.1 / first.0;
    assert!(
        (1.8..2.2).contains(&ratio),
        "slowed/naive instructions = {ratio}"
    );
}

/// Instruction mode counts each cell in a process of its own: a variant that aborts under
/// callgrind fails alone, with the words a timed run's lost cell gets (valgrind's own lines left
/// out), and naive is still counted. (A hang is the same path: the peer's time limit.)
#[test]
fn a_crash_under_callgrind_costs_only_its_cell() {
    if perflab_harness_valgrind_missing() {
        return;
    }
    let dir = tmp("instr-faults");
    let o = perflab()
        .args(["run", "--measure", "instructions", "-w", "selftest"])
        .args([
            "--variant",
            "aborts",
            "--allocator",
            "system",
            "--size",
            "4KiB",
        ])
        .args(["--out", dir.to_str().unwrap()])
        .env("PERFLAB_SELFTEST_ABORT", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let r = results(&dir);
    let cell = |v: &str| cell(&r, &format!("selftest/{v}/system/4KiB")).clone();
    assert_eq!(cell("naive")["status"], "ok");
    assert!(cell("naive")["instructions"].as_f64().unwrap() > 0.0);
    let aborts = cell("aborts");
    assert_eq!(aborts["status"], "failed");
    let error = aborts["error"].as_str().unwrap();
    assert!(
        error.starts_with("the measuring process (system under callgrind) crashed")
            && error.ends_with("(while counting it: `aborts`)")
            && !error.contains("=="),
        "{error}"
    );
}

/// Whether valgrind is absent; says so, and fails in CI where it must be present.
fn perflab_harness_valgrind_missing() -> bool {
    let found = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "valgrind is required in CI (.ci/run installs it)"
        );
        eprintln!("SKIPPED: valgrind is not installed; instruction counting is not tested here");
    }
    !found
}
