//! `perflab verify`: outputs that independent counts agree with, a mismatch exits 1, a variant
//! that never returns is given up on, and an empty file is checked by every workload.

use crate::common::{
    HANG_GUARD, assert_usage_error, output_within, perflab, run, run_ok, stderr, tmp,
};
use serde_json::Value;

/// The variant `name` of the first workload in `verify --json`'s output.
fn variant<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc[0]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variant"] == name)
        .unwrap_or_else(|| panic!("no variant {name} in {doc}"))
}

#[test]
fn verify_on_a_file_agrees_with_independent_counts() {
    let dir = tmp("verify");
    let file = dir.join("input.txt");
    let text = b"one\ntwo words\n\nthree, Three THREE\nno newline at end";
    std::fs::write(&file, text).unwrap();
    let o = run_ok(&[
        "verify",
        "--input",
        file.to_str().unwrap(),
        "--json",
        "-w",
        "search",
        "-w",
        "checksum",
    ]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    // The variants that ran (`ok`) of workload `w`, which must be in the document with at least
    // its naive variant run: a document that lost a workload or ran nothing must not pass.
    let checked = |w: &str| -> Vec<Value> {
        let workload = doc
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["workload"] == w)
            .unwrap_or_else(|| panic!("no `{w}` in {doc}"));
        let ok: Vec<Value> = workload["variants"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["status"] == "ok")
            .cloned()
            .collect();
        assert!(!ok.is_empty(), "no variant of `{w}` ran: {workload}");
        ok
    };
    let newlines = text.iter().filter(|&&b| b == b'\n').count();
    for v in checked("search") {
        assert_eq!(v["output"]["count"], newlines as u64, "{v}");
        assert_eq!(v["output"]["first"], 3);
        assert_eq!(v["matches_naive"], true);
    }
    // RFC 1950, written out here independently of the crate.
    let (mut a, mut b) = (1u32, 0u32);
    for &x in text {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    for v in checked("checksum") {
        assert_eq!(v["output"]["adler32"], (b << 16) | a, "{v}");
    }
}

#[test]
fn verify_exits_1_on_a_mismatch() {
    let o = run(&["verify", "-w", "selftest", "--size", "1KiB", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(variant(&doc, "naive")["status"], "ok");
    assert_eq!(variant(&doc, "wrong")["status"], "mismatch");
    assert_eq!(variant(&doc, "panics")["status"], "failed");
}

#[test]
fn verify_gives_up_on_a_variant_that_never_returns() {
    let mut verify = perflab();
    verify
        .env("PERFLAB_SELFTEST_HANG_OVER", "1000")
        .args(["verify", "-w", "selftest", "--size", "4KiB"])
        .args(["--timeout", "1", "--json"]);
    let o = output_within(verify, HANG_GUARD);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let of = |name: &str| variant(&doc, name);
    assert_eq!(of("hangs")["status"], "failed");
    assert_eq!(of("hangs")["error"], "did not return within 1 s");
    // The variants after it were still checked.
    assert_eq!(of("drifts")["status"], "ok");
    assert_eq!(of("naive")["status"], "ok");
}

#[test]
fn verify_checks_every_workload_on_an_empty_file_and_run_still_refuses_it() {
    let dir = tmp("faults-empty");
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
    assert_usage_error(
        &["run", "-w", "checksum", "--input", empty.to_str().unwrap()],
        "is empty",
    );
}
