//! `perflab run --measure instructions`: callgrind's counts repeat exactly from run to run.

use crate::common::{results, run_ok, tmp};
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
