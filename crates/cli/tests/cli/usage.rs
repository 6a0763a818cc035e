//! Mistakes on the command line, for every command: exit code 2 and one line naming the mistake.

use crate::common::{assert_one_line_error, assert_usage_error, perflab, tmp};

#[test]
fn bad_usage_is_one_line_and_exit_2() {
    assert_usage_error(&["verify", "--workload", "nope"], "unknown workload `nope`");
    assert_usage_error(&["verify", "--input", "/no/such/file"], "/no/such/file");
    assert_usage_error(&["verify", "--size", "12XB"], "12XB");
    assert_usage_error(&["run", "--workload", "nope"], "unknown workload `nope`");
    assert_usage_error(&["run", "--variant", "nope"], "unknown variant `nope`");
    assert_usage_error(
        &["run", "--allocator", "tcmalloc"],
        "system, jemalloc, mimalloc",
    );
    assert_usage_error(&["run", "--input", "/no/such/file"], "/no/such/file");
    assert_usage_error(&["run", "--size", "1.5MiB"], "1.5MiB");
    assert_usage_error(&["run", "--shard", "3/2"], "3/2");
    assert_usage_error(
        &[
            "run",
            "-w",
            "search",
            "--size",
            "4KiB",
            "--out",
            "/proc/perflab",
        ],
        "/proc/perflab",
    );
    assert_usage_error(
        &["merge", "/no/such.json", "-o", "/tmp/x.json"],
        "/no/such.json",
    );
    assert_usage_error(&["export", "/no/such.json"], "/no/such.json");
    let o = perflab()
        .arg("list")
        .env("PERFLAB_ALLOCATOR", "tcmalloc")
        .output()
        .unwrap();
    assert_one_line_error(
        &o,
        2,
        "PERFLAB_ALLOCATOR=tcmalloc",
        "system, jemalloc, mimalloc",
    );
    let dir = tmp("garbage");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    assert_usage_error(&["export", bad.to_str().unwrap()], "bad.json");
}

#[test]
fn bad_sizes_inputs_and_thresholds_are_one_line_and_exit_2() {
    let dir = tmp("bad-values");
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let e = empty.to_str().unwrap();
    assert_usage_error(&["run", "-w", "search", "--size", "0"], "0");
    assert_usage_error(&["verify", "-w", "search", "--size", "0B"], "0B");
    assert_usage_error(&["run", "-w", "search", "--input", e], e);
    // `verify` checks an empty file (verify.rs); a missing one is an error.
    let missing = dir.join("missing.bin");
    let m = missing.to_str().unwrap();
    assert_usage_error(&["verify", "--input", m], m);
    for t in ["NaN", "-5", "inf"] {
        assert_usage_error(&["compare", "a.json", "b.json", "--threshold", t], t);
    }
    assert_usage_error(&["run", "--budget", "1e20"], "--budget");
    // Profiles need a timed run; instruction counts have none.
    assert_usage_error(&["run", "--flame", "--measure", "instructions"], "--flame");
}
