//! A user's binary, as a test: `perflab::main` on registries this file defines, the way a crate of
//! someone else's kernels uses perflab. It has its own `main` (`harness = false`): run by
//! `cargo test`, it drives copies of itself, which are `perflab::main` on the registry named by
//! `PERFLAB_TEST_REGISTRY` (the engine's peers re-execute it too, and inherit the variable).
//!
//! - `wrong`: a naive, a correct and a deliberately wrong variant: `verify` exits 1 naming it,
//!   `run` records it as a failed cell, measures the rest and exits 1 naming it.
//! - `no-naive` / `duplicate` / `panics`: a family with no naive variant, two variants of one
//!   name, a registration that panics: one line `perflab: error: …` and exit 2.

use perflab::{ByteWorkload, Family, Registry, VariantKind, bytes_kernel};
use serde_json::Value;
use std::process::{Command, ExitCode, Output};

#[path = "../../cli/tests/cli/common/schema.rs"]
mod schema;

#[global_allocator]
static ALLOC: perflab::Allocator = perflab::Allocator::new();

/// Which registry a copy of this binary serves.
const REGISTRY_ENV: &str = "PERFLAB_TEST_REGISTRY";

/// Sums bytes.
struct Sum;

impl ByteWorkload for Sum {
    const NAME: &'static str = "sum";
    const SUMMARY: &'static str = "sum of bytes";
    type Output = u64;
}

fn sum(b: &[u8]) -> u64 {
    b.iter().map(|&x| u64::from(x)).sum()
}

fn register(which: &str, registry: &mut Registry) {
    let naive = bytes_kernel("naive", VariantKind::Naive, sum);
    let fast = bytes_kernel("fast", VariantKind::Optimized, |b: &[u8]| {
        b.chunks(8).map(sum).sum::<u64>()
    });
    let wrong = bytes_kernel("wrong", VariantKind::Optimized, |b: &[u8]| sum(b) + 1);
    match which {
        "wrong" => registry.add(Family::<Sum>::new(naive).with(fast).with(wrong)),
        "no-naive" => registry.add(Family::<Sum>::new(fast).with(naive)),
        "duplicate" => registry.add(Family::<Sum>::new(naive).with(fast).with(bytes_kernel(
            "fast",
            VariantKind::Simd,
            sum,
        ))),
        "panics" => panic!("cannot open the kernels' config"),
        other => panic!("no registry {other:?}"),
    }
}

fn main() -> ExitCode {
    if let Ok(which) = std::env::var(REGISTRY_ENV) {
        return perflab::main(|r| register(&which, r));
    }
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    let tests: [(&str, fn()); 3] = [
        (
            "verify_exits_1_naming_the_wrong_variant",
            verify_names_the_wrong_variant,
        ),
        (
            "run_fails_the_wrong_cell_and_measures_the_rest",
            run_measures_the_rest,
        ),
        (
            "mistakes_in_a_registry_are_one_line_and_exit_2",
            mistakes_are_one_line,
        ),
    ];
    let mut failed = 0;
    for (name, test) in tests {
        let ok = std::panic::catch_unwind(test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        failed += usize::from(!ok);
    }
    println!(
        "\ntest result: {}. {} passed; {failed} failed",
        if failed == 0 { "ok" } else { "FAILED" },
        tests.len() - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs a copy of this binary as `perflab::main` on registry `which`.
fn user(which: &str, args: &[&str]) -> Output {
    Command::new(std::env::current_exe().expect("own path"))
        .args(args)
        .env(REGISTRY_ENV, which)
        .env_remove("PERFLAB_ALLOCATOR")
        .output()
        .expect("the user's binary starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn verify_names_the_wrong_variant() {
    let o = user("wrong", &["verify", "--size", "4KiB"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("wrong "))
        .unwrap_or_else(|| panic!("no line for `wrong`: {out}"));
    assert!(line.contains("MISMATCH"), "{line}");
    assert!(
        out.lines()
            .any(|l| l.trim_start().starts_with("fast ") && l.contains(" ok ")),
        "{out}"
    );
    let o = user("wrong", &["verify", "--size", "4KiB", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let statuses: Vec<(String, String)> = doc[0]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["variant"].to_string(), v["status"].to_string()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("\"naive\"".into(), "\"ok\"".into()),
            ("\"fast\"".into(), "\"ok\"".into()),
            ("\"wrong\"".into(), "\"mismatch\"".into())
        ]
    );
}

fn run_measures_the_rest() {
    let dir = std::env::temp_dir().join(format!("perflab-user-registry-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = user(
        "wrong",
        &[
            "run",
            "--size",
            "4KiB",
            "--allocator",
            "system",
            "--allocator",
            "jemalloc",
            "--budget",
            "1",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    // A failed cell fails the run (exit 1, naming it), after every other cell is measured.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("sum/wrong/system/4KiB"),
        "{}",
        text(&o.stderr)
    );
    let r = schema::read_results(&dir.join("results.json"));
    let cells = r["benchmarks"].as_array().unwrap();
    assert_eq!(cells.len(), 6, "3 variants × 2 allocators");
    for alloc in ["system", "jemalloc"] {
        let cell = |v: &str| {
            cells
                .iter()
                .find(|b| b["id"] == format!("sum/{v}/{alloc}/4KiB"))
                .unwrap_or_else(|| panic!("no cell sum/{v}/{alloc}/4KiB"))
        };
        assert_eq!(cell("wrong")["status"], "failed");
        assert!(
            cell("wrong")["error"]
                .as_str()
                .unwrap()
                .contains("differs from naive"),
            "{}",
            cell("wrong")["error"]
        );
        for v in ["naive", "fast"] {
            assert_eq!(cell(v)["status"], "ok", "{}", cell(v)["error"]);
            assert!(cell(v)["median_ns"].as_f64().unwrap() > 0.0);
            // Counted by this binary's `perflab::Allocator`: the kernels allocate nothing.
            assert_eq!(cell(v)["allocs_per_iter"], 0.0);
        }
        assert!(cell("fast")["speedup_vs_naive"]["median"].as_f64().unwrap() > 0.0);
    }
    assert!(dir.join("index.html").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

fn mistakes_are_one_line() {
    for (which, needle) in [
        (
            "no-naive",
            "workload `sum` has no naive variant: its first variant `fast` is optimized",
        ),
        ("duplicate", "workload `sum` has two variants named `fast`"),
        (
            "panics",
            "the registration function panicked: cannot open the kernels' config",
        ),
    ] {
        for args in [&["list"][..], &["verify"], &["run", "--size", "4KiB"]] {
            let o = user(which, args);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{which} {args:?}: {err}");
            assert_eq!(
                err.lines().count(),
                1,
                "{which} {args:?}: not one line: {err}"
            );
            assert!(err.starts_with("perflab: error: "), "{err}");
            assert!(err.contains(needle), "{which}: {err:?} lacks {needle:?}");
            assert!(
                o.stdout.is_empty(),
                "{which} {args:?} printed {}",
                text(&o.stdout)
            );
        }
    }
}
