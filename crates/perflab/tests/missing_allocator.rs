//! A user's binary that forgot `#[global_allocator] static ALLOC: perflab::Allocator = …`: perflab
//! must say so instead of labelling results with allocators it cannot choose and reporting zero
//! allocations. It has its own `main` (`harness = false`): run by `cargo test`, it drives copies
//! of itself, which are `perflab::main` when `PERFLAB_TEST_AS_USER` is set.

use perflab::{ByteWorkload, Family, VariantKind, bytes_kernel};
use serde_json::Value;
use std::process::{Command, ExitCode, Output};

#[path = "../../cli/tests/cli/common/schema.rs"]
mod schema;

const AS_USER: &str = "PERFLAB_TEST_AS_USER";

/// Counts zero bytes, allocating a copy first (so there is something to count).
struct Zeros;

impl ByteWorkload for Zeros {
    const NAME: &'static str = "zeros";
    const SUMMARY: &'static str = "zero bytes";
    type Output = usize;
}

fn main() -> ExitCode {
    if std::env::var_os(AS_USER).is_some() {
        return perflab::main(|r| {
            r.add(Family::<Zeros>::new(bytes_kernel(
                "naive",
                VariantKind::Naive,
                |b: &[u8]| b.to_vec().iter().filter(|&&x| x == 0).count(),
            )))
        });
    }
    if std::env::args().any(|a| a == "--list") {
        return ExitCode::SUCCESS;
    }
    let ok = std::panic::catch_unwind(the_missing_line_is_named).is_ok();
    println!(
        "test the_missing_line_is_named ... {}",
        if ok { "ok" } else { "FAILED" }
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn user(args: &[&str], allocator: Option<&str>) -> Output {
    let mut c = Command::new(std::env::current_exe().expect("own path"));
    c.args(args)
        .env(AS_USER, "1")
        .env_remove("PERFLAB_ALLOCATOR");
    if let Some(a) = allocator {
        c.env("PERFLAB_ALLOCATOR", a);
    }
    c.output().expect("the user's binary starts")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const LINE: &str =
    "#[global_allocator] static ALLOC: perflab::Allocator = perflab::Allocator::new();";

fn the_missing_line_is_named() {
    // The default run includes jemalloc and mimalloc: refused, naming the line.
    let o = user(&["run", "--size", "4KiB"], None);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot measure under jemalloc and mimalloc"),
        "{err}"
    );
    assert!(err.contains(LINE), "{err}");

    // Any command asked to run under another allocator refuses too (peers included).
    let o = user(&["list"], Some("mimalloc"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("PERFLAB_ALLOCATOR=mimalloc has no effect"));

    let o = user(&["list", "--json"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["allocator_installed"], false);

    // Under system alone the times are real; allocations are unknown, not zero.
    let dir = std::env::temp_dir().join(format!("perflab-no-alloc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = user(
        &[
            "run",
            "--size",
            "4KiB",
            "--allocator",
            "system",
            "--budget",
            "1",
            "--out",
            dir.to_str().unwrap(),
        ],
        None,
    );
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("allocations are not counted"), "{err}");
    let r = schema::read_results(&dir.join("results.json"));
    let cell = &r["benchmarks"][0];
    assert_eq!(cell["id"], "zeros/naive/system/4KiB");
    assert_eq!(cell["status"], "ok");
    assert!(cell["median_ns"].as_f64().unwrap() > 0.0);
    assert!(
        cell["allocs_per_iter"].is_null(),
        "{}",
        cell["allocs_per_iter"]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
