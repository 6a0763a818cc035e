//! Helpers every command's tests use: the binary under test, a fresh scratch directory, results
//! files read through the schema, the one shape of a refused command line, and small results
//! documents made by hand or by a short real run.

use serde_json::Value;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a test waits for a process to do what it must before calling it hung. Only a guard:
/// tests wait for events (a line, a file, a port answering, an exit), never for a length of time,
/// and what they assert is what happened, not how fast, so a loaded machine makes them slower
/// but cannot make them fail.
pub const HANG_GUARD: Duration = Duration::from_secs(300);

pub mod schema;
pub use schema::read_results;

/// The `perflab` binary of this build, with the allocator left to its default.
pub fn perflab() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_perflab"));
    c.env_remove("PERFLAB_ALLOCATOR");
    c
}

/// Runs `perflab ARGS` to completion.
pub fn run(args: &[&str]) -> Output {
    perflab().args(args).output().expect("perflab starts")
}

/// Runs `perflab ARGS` to completion and checks it succeeded, showing its stderr if not.
pub fn run_ok(args: &[&str]) -> Output {
    let o = run(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

/// An empty directory private to this test process and `name`.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("perflab-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A command's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `o` exited with `code` and wrote exactly one line to stderr, naming `needle`: how every
/// command refuses what it cannot do. `what` names the command in a failure.
pub fn assert_one_line_error(o: &Output, code: i32, what: impl Debug, needle: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{what:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{what:?}: not one line: {err}"
    );
    assert!(
        err.contains(needle),
        "{what:?}: {err:?} does not name {needle:?}"
    );
}

/// `perflab ARGS` is a usage error: exit code 2 and exactly one line naming `needle`.
pub fn assert_usage_error(args: &[&str], needle: &str) {
    assert_one_line_error(&run(args), 2, args, needle);
}

/// The results file of the run directory `dir`, checked against the schema.
pub fn results(dir: &Path) -> Value {
    read_results(&dir.join("results.json"))
}

/// Rewrites the cells of `dir`'s results file with `edit` (an interrupted run, made by hand),
/// and returns what `edit` returns.
pub fn edit_cells<R>(dir: &Path, edit: impl FnOnce(&mut Vec<Value>) -> R) -> R {
    let mut doc = results(dir);
    let outcome = edit(doc["benchmarks"].as_array_mut().unwrap());
    std::fs::write(dir.join("results.json"), doc.to_string()).unwrap();
    outcome
}

/// The cell `id` of a results document; panics naming it when there is none.
pub fn cell<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no cell {id}"))
}

/// A small real run into `dir` (search, naive only, 4KiB: three cells), with `extra` flags.
pub fn small_run(dir: &Path, extra: &[&str]) -> Output {
    perflab()
        .args(["run", "-w", "search", "--kind", "naive", "--size", "4KiB"])
        .args(["--budget", "2", "--out", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

/// A results document with cells `(id, status, samples)`.
pub fn synthetic(cells: &[(&str, &str, Vec<f64>)]) -> Value {
    let benchmarks: Vec<Value> = cells
        .iter()
        .map(|(id, status, samples)| {
            let parts: Vec<&str> = id.split('/').collect();
            let mut sorted = samples.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted.get(sorted.len() / 2).copied();
            serde_json::json!({
                "id": id, "workload": parts[0], "variant": parts[1], "kind": "naive",
                "allocator": parts[2], "size": parts[3], "size_bytes": 4096, "status": status,
                "error": if *status == "failed" { Some("it broke") } else { None },
                "samples_ns": samples, "iters_per_sample": 1, "median_ns": median, "mad_ns": null,
                "ci95_ns": null, "throughput_bytes_per_s": null, "allocs_per_iter": 0.0,
                "bytes_allocated_per_iter": 0.0, "peak_bytes": 0, "instructions": null
            })
        })
        .collect();
    serde_json::json!({
        "schema": "perflab/results/v1",
        "environment": {"cpu_model": "test", "simd_features": [], "cores": 2, "os": "linux", "arch": "x86_64",
                        "rustc": null, "git_commit": null, "perflab_version": "0", "timer_precision_ns": 30.0,
                        "empty_loop_ns": 0.5},
        "config": {"preset": "quick", "measure": "time", "workloads": [], "variants": [], "kinds": [],
                   "allocators": [], "sizes": [], "input": null, "seed": 1, "shard": null, "budget_s": null,
                   "sample_target_ns": 0, "warmup_ns": 0, "min_samples": 0, "max_samples": 0},
        "benchmarks": benchmarks,
    })
}

/// Thirty samples within ±2% of `center`.
pub fn around(center: f64) -> Vec<f64> {
    (0..30)
        .map(|i| center * (1.0 + 0.01 * f64::from(i % 5) - 0.02))
        .collect()
}

/// Writes `v` to `dir/name` and returns the path as the CLI takes it.
pub fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_owned()
}

/// Polls `ready` every few milliseconds until it returns `Some`, and returns that; panics naming
/// `what` if it has not after `limit` (a guard against a hang: see [`HANG_GUARD`]).
pub fn wait_for<T>(what: &str, limit: Duration, mut ready: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = ready() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `command.output()`, except that a command still running after `limit` is killed and the test
/// fails, saying so: for commands whose promise is that they end (a kernel that never returns
/// must not hang them).
pub fn output_within(mut command: Command, limit: Duration) -> Output {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("perflab starts");
    let pid = child.id();
    let (done, outcome) = std::sync::mpsc::channel();
    // Another thread collects the output, so that neither pipe can fill up while this one waits.
    std::thread::spawn(move || done.send(child.wait_with_output()));
    match outcome.recv_timeout(limit) {
        Ok(output) => output.expect("perflab's output"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("{command:?} did not end within {limit:?}");
        }
    }
}
