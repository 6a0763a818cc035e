//! The command line as a user meets it: outputs, exit codes, and runs that are interrupted,
//! crash, are sharded or resumed. Uses the test-only `selftest` workload for broken variants.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{perflab, run, stderr, tmp};

/// Exit code 2 and exactly one line naming `needle`.
fn assert_usage_error(args: &[&str], needle: &str) {
    let o = run(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: {err:?} does not name {needle:?}"
    );
}

fn results(dir: &Path) -> Value {
    common::read_results(&dir.join("results.json"))
}

#[test]
fn list_json_shows_every_kind_and_the_allocator() {
    let o = run(&["list", "--json"]);
    assert!(o.status.success());
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["allocator"], "system");
    assert_eq!(doc["allocator_proof"]["owner"], "system");
    let mut kinds: Vec<String> = doc["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["workload"] != "selftest")
        .flat_map(|w| w["variants"].as_array().unwrap().clone())
        .map(|v| v["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    for k in ["naive", "optimized", "simd", "arena", "reference"] {
        assert!(kinds.iter().any(|x| x == k), "no {k} variant: {kinds:?}");
    }
    let o = perflab()
        .args(["list", "--json"])
        .env("PERFLAB_ALLOCATOR", "jemalloc")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["allocator_proof"]["owner"], "jemalloc");
}

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
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("system, jemalloc, mimalloc"));
    let dir = tmp("garbage");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    assert_usage_error(&["export", bad.to_str().unwrap()], "bad.json");
}

#[test]
fn verify_on_a_file_agrees_with_independent_counts() {
    let dir = tmp("verify");
    let file = dir.join("input.txt");
    let text = b"one\ntwo words\n\nthree, Three THREE\nno newline at end";
    std::fs::write(&file, text).unwrap();
    let o = run(&[
        "verify",
        "--input",
        file.to_str().unwrap(),
        "--json",
        "-w",
        "search",
        "-w",
        "checksum",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let by = |w: &str| {
        doc.as_array()
            .unwrap()
            .iter()
            .find(|x| x["workload"] == w)
            .cloned()
    };
    if let Some(search) = by("search") {
        let newlines = text.iter().filter(|&&b| b == b'\n').count();
        for v in search["variants"].as_array().unwrap() {
            if v["status"] == "ok" {
                assert_eq!(v["output"]["count"], newlines as u64, "{v}");
                assert_eq!(v["output"]["first"], 3);
                assert_eq!(v["matches_naive"], true);
            }
        }
    }
    if let Some(checksum) = by("checksum") {
        // RFC 1950, written out here independently of the crate.
        let (mut a, mut b) = (1u32, 0u32);
        for &x in text {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        for v in checksum["variants"].as_array().unwrap() {
            if v["status"] == "ok" {
                assert_eq!(v["output"]["adler32"], (b << 16) | a, "{v}");
            }
        }
    }
}

#[test]
fn verify_exits_1_on_a_mismatch() {
    let o = run(&["verify", "-w", "selftest", "--size", "1KiB", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let status = |name: &str| {
        doc[0]["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["variant"] == name)
            .map(|v| v["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(status("naive").as_deref(), Some("ok"));
    assert_eq!(status("wrong").as_deref(), Some("mismatch"));
    assert_eq!(status("panics").as_deref(), Some("failed"));
}

const REQUIRED: [&str; 23] = [
    "id",
    "workload",
    "variant",
    "kind",
    "allocator",
    "size_bytes",
    "status",
    "error",
    "samples_ns",
    "iters_per_sample",
    "median_ns",
    "mad_ns",
    "ci95_ns",
    "throughput_bytes_per_s",
    "allocs_per_iter",
    "bytes_allocated_per_iter",
    "peak_bytes",
    "instructions",
    "speedup_vs_naive",
    "outliers",
    "size",
    "arena_bytes",
    "time_vs_system",
];

#[test]
fn run_end_to_end_under_every_allocator() {
    let dir = tmp("e2e");
    let o = run(&[
        "run",
        "-w",
        "search",
        "--size",
        "4KiB",
        "--budget",
        "3",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = results(&dir);
    assert_eq!(r["schema"], "perflab/results/v1");
    for f in [
        "cpu_model",
        "simd_features",
        "cores",
        "os",
        "rustc",
        "perflab_version",
        "timer_precision_ns",
        "empty_loop_ns",
    ] {
        assert!(r["environment"].get(f).is_some(), "environment lacks {f}");
    }
    assert!(r["environment"]["timer_precision_ns"].as_f64().unwrap() > 0.0);
    assert_eq!(r["config"]["processes"], 2);
    // search allocates nothing: every non-system cell is part of the negative control.
    assert!(r["allocator_control"]["cells"].as_u64().unwrap() >= 4);
    let cells = r["benchmarks"].as_array().unwrap();
    for alloc in ["system", "jemalloc", "mimalloc"] {
        let mine: Vec<&Value> = cells.iter().filter(|b| b["allocator"] == alloc).collect();
        assert!(mine.len() >= 3, "{alloc}: {} cells", mine.len());
        for b in mine {
            for f in REQUIRED {
                assert!(b.get(f).is_some(), "{} lacks {f}", b["id"]);
            }
            assert_eq!(
                b["id"],
                format!("search/{}/{alloc}/4KiB", b["variant"].as_str().unwrap())
            );
            match b["status"].as_str().unwrap() {
                "ok" => {
                    assert!(b["median_ns"].as_f64().unwrap() > 0.0);
                    assert!(!b["samples_ns"].as_array().unwrap().is_empty());
                    assert_eq!(
                        b["allocs_per_iter"], 0.0,
                        "search allocates nothing: {}",
                        b["id"]
                    );
                    assert!(b["ci95_ns"][0].as_f64() <= b["median_ns"].as_f64());
                    // Pooled over two processes, every round's sample kept.
                    assert_eq!(b["process_medians_ns"].as_array().unwrap().len(), 2);
                    // Time relative to system, paired within rounds: none for system itself;
                    // positive, with its median inside its interval, for the others.
                    let t = &b["time_vs_system"];
                    if alloc == "system" {
                        assert!(t.is_null(), "{}: {t}", b["id"]);
                    } else {
                        let m = t["median"].as_f64().unwrap();
                        let (lo, hi) = (
                            t["ci95"][0].as_f64().unwrap(),
                            t["ci95"][1].as_f64().unwrap(),
                        );
                        assert!(m > 0.0 && lo <= m && m <= hi, "{}: {t}", b["id"]);
                    }
                }
                "unsupported" => assert!(b["variant"].as_str().unwrap().starts_with("simd")),
                s => panic!("{}: {s} {}", b["id"], b["error"]),
            }
        }
    }
    let bmf = run(&[
        "export",
        dir.join("results.json").to_str().unwrap(),
        "--format",
        "bmf",
    ]);
    let bmf: Value = serde_json::from_slice(&bmf.stdout).unwrap();
    assert!(
        bmf["search/naive/mimalloc/4KiB"]["latency"]["value"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    exports_have_a_row_per_cell(&dir.join("results.json"), cells);
}

/// `export --format csv|json|markdown`: one row per cell (failed and unsupported ones too),
/// the numbers those of results.json, units in the CSV header.
fn exports_have_a_row_per_cell(file: &Path, cells: &[Value]) {
    let export = |format: &str| {
        let o = run(&["export", file.to_str().unwrap(), "--format", format]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let csv_text = export("csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().clone();
    for col in [
        "id",
        "status",
        "median_ns",
        "ci95_low_ns",
        "throughput_bytes_per_s",
        "allocs_per_iter",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "no {col} column in {header:?}"
        );
    }
    let median = header.iter().position(|h| h == "median_ns").unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), cells.len(), "one CSV row per cell");
    for (row, cell) in rows.iter().zip(cells) {
        assert_eq!(&row[0], cell["id"].as_str().unwrap());
        match cell["median_ns"].as_f64() {
            Some(m) => assert_eq!(row[median].parse::<f64>().unwrap(), m),
            None => assert_eq!(&row[median], ""),
        }
    }
    let json: Value = serde_json::from_str(&export("json")).unwrap();
    assert_eq!(json.as_array().unwrap().len(), cells.len());
    assert_eq!(json[0]["id"], cells[0]["id"]);
    let md = export("markdown");
    let table_rows = md.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(table_rows, cells.len(), "{md}");
}

#[test]
fn panics_wrong_answers_and_crashes_become_failed_cells() {
    let dir = tmp("broken");
    let o = perflab()
        .env("PERFLAB_SELFTEST_ABORT", "1")
        .args([
            "run",
            "-w",
            "selftest",
            "--size",
            "4KiB",
            "--allocator",
            "system",
            "--allocator",
            "mimalloc",
            "--budget",
            "2",
            "--out",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    // The run completes and keeps every cell, and exits 1 because cells failed, naming them.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("selftest/panics/system/4KiB"),
        "{}",
        stderr(&o)
    );
    let r = results(&dir);
    for alloc in ["system", "mimalloc"] {
        let cell = |v: &str| {
            r["benchmarks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["id"] == format!("selftest/{v}/{alloc}/4KiB"))
                .unwrap_or_else(|| panic!("no cell for {v} under {alloc}"))
                .clone()
        };
        assert_eq!(cell("naive")["status"], "ok");
        assert_eq!(cell("slowed")["status"], "ok");
        assert_eq!(cell("panics")["status"], "failed");
        assert!(
            cell("panics")["error"]
                .as_str()
                .unwrap()
                .contains("always panics")
        );
        assert_eq!(cell("wrong")["status"], "failed");
        assert!(
            cell("wrong")["error"]
                .as_str()
                .unwrap()
                .contains("differs from naive")
        );
        assert_eq!(cell("aborts")["status"], "failed");
        assert!(
            cell("aborts")["error"]
                .as_str()
                .unwrap()
                .contains("crashed"),
            "{}",
            cell("aborts")["error"]
        );
        assert_eq!(cell("aborts")["kind"], "simd");
    }
}

#[test]
fn shards_merge_into_the_whole_and_resume_fills_gaps() {
    let base = tmp("shards");
    let common = [
        "run", "-w", "search", "-w", "selftest", "--kind", "naive", "--size", "1KiB", "--size",
        "2KiB", "--budget", "2",
    ];
    let ids = |dir: &Path| {
        let mut v: Vec<String> = results(dir)["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let mut dirs = Vec::new();
    for shard in ["1/2", "2/2", ""] {
        let dir = base.join(if shard.is_empty() {
            "all".to_owned()
        } else {
            shard.replace('/', "of")
        });
        let mut args: Vec<&str> = common.to_vec();
        let d = dir.to_str().unwrap().to_owned();
        if !shard.is_empty() {
            args.extend(["--shard", shard]);
        }
        args.extend(["--out", &d]);
        let o = run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        dirs.push(dir);
    }
    let merged = base.join("merged.json");
    let o = run(&[
        "merge",
        dirs[0].join("results.json").to_str().unwrap(),
        dirs[1].join("results.json").to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let m = base.join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::rename(&merged, m.join("results.json")).unwrap();
    assert_eq!(ids(&m), ids(&dirs[2]));
    assert_eq!(ids(&dirs[2]).len(), 2 * 2 * 3);

    // Resume: drop two cells from the whole run; --resume measures just those.
    let path = dirs[2].join("results.json");
    let mut doc = results(&dirs[2]);
    let cells = doc["benchmarks"].as_array_mut().unwrap();
    let dropped: Vec<String> = cells
        .drain(..2)
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    std::fs::write(&path, doc.to_string()).unwrap();
    let mut args: Vec<&str> = common.to_vec();
    let d = dirs[2].to_str().unwrap().to_owned();
    args.extend(["--resume", &d]);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    // Both dropped cells were in one group (search at 1KiB, system and jemalloc), and a group is
    // measured whole: its three cells, one per allocator, and nothing else.
    assert!(
        stderr(&o).contains("measuring 3 cells in 1 groups"),
        "{}",
        stderr(&o)
    );
    let after = ids(&dirs[2]);
    assert_eq!(after.len(), 12);
    for id in dropped {
        assert!(after.contains(&id));
    }
}

/// Starts a long run, waits until it has saved at least one group, sends `signal`, and checks the
/// file it leaves.
fn interrupted(signal: &str) {
    interrupted_with(signal, "DEFAULT");
}

/// The perflab command, started with SIGINT's disposition set to `disposition` (`DEFAULT` or
/// `IGNORE`) whatever this test process inherited: a suite started as a background job
/// inherits SIGINT ignored, and so would every child it spawns. perl (part of every Debian and
/// most Unix systems) resets it and execs perflab, keeping the pid; without perl, perflab is
/// started directly.
fn perflab_with_sigint(disposition: &str) -> Command {
    let perl = ["/usr/bin/perl", "/bin/perl"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    match perl {
        Some(perl) => {
            let mut c = Command::new(perl);
            c.env_remove("PERFLAB_ALLOCATOR")
                .arg("-e")
                .arg(format!(
                    "$SIG{{INT}} = '{disposition}'; exec {{$ARGV[0]}} @ARGV or die \"exec: $!\""
                ))
                .arg(env!("CARGO_BIN_EXE_perflab"));
            c
        }
        None => perflab(),
    }
}

/// [`interrupted`], with the run's SIGINT disposition at start set to `disposition`.
fn interrupted_with(signal: &str, disposition: &str) {
    let dir = tmp(&format!("signal-{signal}-{disposition}"));
    let mut child = perflab_with_sigint(disposition)
        .args([
            "run", "-w", "search", "-w", "selftest", "--kind", "naive", "--size", "1KiB", "--size",
            "8KiB", "--size", "64KiB", "--budget", "60",
        ])
        // One group at a time: side by side, groups finish within milliseconds of each other
        // (their rounds are spread evenly), so the signal could land after the last one.
        .args(["--window", "1"])
        .args(["--out", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = std::fs::read(dir.join("results.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .map_or(0, |v| v["benchmarks"].as_array().map_or(0, Vec::len));
        if n > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no cell saved within a minute");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be interrupted"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    let r = results(&dir);
    let cells = r["benchmarks"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(cells.len() < 18, "the run finished before the signal");
    for b in cells {
        assert!(["ok", "failed", "unsupported"].contains(&b["status"].as_str().unwrap()));
    }
}

#[test]
fn sigint_keeps_finished_cells() {
    interrupted("-INT");
}

#[test]
fn sigkill_keeps_finished_cells() {
    interrupted("-KILL");
}

#[test]
fn sigterm_keeps_finished_cells() {
    interrupted("-TERM");
}

/// A run started with SIGINT ignored (a background job's inheritance) still stops on SIGINT:
/// `perflab run` installs its own handler.
#[test]
fn sigint_stops_a_run_that_inherited_it_ignored() {
    interrupted_with("-INT", "IGNORE");
}

/// A results document with cells `(id, status, samples)`.
fn synthetic(cells: &[(&str, &str, Vec<f64>)]) -> Value {
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

/// Writes `v` to `dir/name` and returns the path as the CLI takes it.
fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p.to_str().unwrap().to_owned()
}

fn around(center: f64) -> Vec<f64> {
    (0..30)
        .map(|i| center * (1.0 + 0.01 * f64::from(i % 5) - 0.02))
        .collect()
}

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

#[test]
fn instruction_counts_repeat_exactly() {
    if perflab_harness_valgrind_missing() {
        return;
    }
    let counts = |name: &str| {
        let dir = tmp(name);
        let o = run(&[
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
        assert!(o.status.success(), "{}", stderr(&o));
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
    common::read_results(&dir.join("base.json"));
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

/// A small real run into `dir` (search, naive only, 4KiB: three cells), for the tests below.
fn small_run(dir: &Path, extra: &[&str]) -> Output {
    perflab()
        .args(["run", "-w", "search", "--kind", "naive", "--size", "4KiB"])
        .args(["--budget", "2", "--out", dir.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_second_run_on_the_same_directory_is_refused_naming_the_first() {
    let dir = tmp("lock");
    let mut first = perflab()
        .args(["run", "-w", "search", "--kind", "naive", "--size", "4KiB"])
        .args([
            "--size",
            "8KiB",
            "--preset",
            "full",
            "--out",
            dir.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first run holds the lock (it writes its pid into the lock file). The full
    // preset gives each group 30 s, far longer than this test needs: the run is killed below, so
    // it is certainly still running when the second run tries the directory.
    let lock = dir.join(".perflab.lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_to_string(&lock).map_or(true, |t| t.trim().is_empty()) {
        assert!(
            Instant::now() < deadline,
            "the first run never took the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = small_run(&dir, &[]);
    let err = stderr(&o);
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run ended before the second tried its directory"
    );
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    first.kill().unwrap(); // SIGKILL: no chance to clean up
    let _ = first.wait();
    // The lock goes with its process, however it ended: the directory is usable again.
    let o = small_run(&dir, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn resume_continues_the_recorded_run_and_refuses_conflicting_flags() {
    let dir = tmp("resume-config");
    let o = small_run(&dir, &["--seed", "7", "--preset", "ci", "--size", "8KiB"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = dir.join("results.json");
    let mut doc = results(&dir);
    let all = doc["benchmarks"].as_array().unwrap().len();
    doc["benchmarks"].as_array_mut().unwrap().truncate(1);
    std::fs::write(&path, doc.to_string()).unwrap();
    let d = dir.to_str().unwrap();
    for (args, needles) in [
        (vec!["--seed", "42"], ["--seed 42", "seed 7"]),
        (vec!["--preset", "quick"], ["--preset quick", "preset ci"]),
        (vec!["-w", "checksum"], ["--workload checksum", "search"]),
        (vec!["--size", "64KiB"], ["--size 64KiB", "4KiB,8KiB"]),
    ] {
        let o = run(&[&["run", "--resume", d][..], &args].concat());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: {err} lacks {n}");
        }
    }
    // Without flags (or with the same ones) it measures the recorded matrix, seed and preset.
    let o = run(&["run", "--resume", d, "--seed", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("(ci preset)"), "{}", stderr(&o));
    let after = results(&dir);
    assert_eq!(after["benchmarks"].as_array().unwrap().len(), all);
    assert_eq!(after["config"]["seed"], 7);
    assert_eq!(after["config"]["preset"], "ci");

    // A directory that does not exist is an error, and is not created.
    let missing = dir.join("missing");
    let o = run(&["run", "--resume", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing"), "{}", stderr(&o));
    assert!(!missing.exists());
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
    // `verify` checks an empty file (tests/faults.rs); a missing one is an error.
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

#[test]
fn closed_pipes_end_quietly_and_the_run_keeps_its_cells() {
    let dir = tmp("pipes");
    let o = small_run(&dir, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file = dir.join("results.json");
    // stdout closed before export writes (`perflab export R | head -0`).
    let mut child = perflab()
        .args(["export", file.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panic"), "{}", stderr(&o));
    // stderr (and stdout) closed under a run (`perflab run … 2>&1 | head -0`).
    let out = dir.join("run");
    let mut child = perflab()
        .args([
            "run", "-w", "search", "--kind", "naive", "--size", "4KiB", "--size", "8KiB",
        ])
        .args(["--budget", "2", "--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(results(&out)["benchmarks"].as_array().unwrap().len(), 6);
}

#[test]
fn impossible_results_are_refused_by_every_reader_naming_file_and_cell() {
    let dir = tmp("invalid");
    let good = write_json(
        &dir,
        "good.json",
        &synthetic(&[
            ("w/naive/system/4KiB", "ok", around(100.0)),
            ("w/fast/system/4KiB", "ok", around(50.0)),
        ]),
    );
    let mut negative = synthetic(&[
        ("w/naive/system/4KiB", "ok", around(100.0)),
        ("w/fast/system/4KiB", "ok", vec![-200.0; 30]),
    ]);
    negative["benchmarks"][1]["median_ns"] = (-200.0).into();
    let mut zero = synthetic(&[("w/naive/system/4KiB", "ok", around(100.0))]);
    zero["benchmarks"][0]["median_ns"] = 0.0.into();
    let cases = [
        ("negative.json", negative, "w/fast/system/4KiB"),
        ("zero.json", zero, "w/naive/system/4KiB"),
        (
            "no-samples.json",
            synthetic(&[("w/naive/system/4KiB", "ok", vec![])]),
            "w/naive/system/4KiB",
        ),
        (
            "duplicate.json",
            synthetic(&[
                ("w/naive/system/4KiB", "ok", around(100.0)),
                ("w/naive/system/4KiB", "failed", vec![]),
            ]),
            "w/naive/system/4KiB",
        ),
    ];
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    for (name, doc, cell) in cases {
        let bad = write_json(&dir, name, &doc);
        for args in [
            vec!["compare", &good, &bad],
            vec!["compare", &bad, &good],
            vec!["report", &bad, "-o", o],
            vec!["report", &good, "--baseline", &bad, "-o", o],
            vec!["merge", &good, &bad, "-o", o],
            vec!["export", &bad],
        ] {
            let r = run(&args);
            let err = stderr(&r);
            assert_eq!(r.status.code(), Some(2), "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
            assert!(err.contains(&bad) && err.contains(cell), "{args:?}: {err}");
        }
    }
    assert!(!out.exists(), "nothing written from a bad file");
}

/// The shell commands of the `merge` job of `.github/workflows/bench.yml`, as written there.
fn workflow_merge_step() -> String {
    let yml = include_str!("../../../.github/workflows/bench.yml");
    let job = &yml[yml.find("\n  merge:").expect("a merge job")..];
    let block = &job[job.find("- run: |").expect("a run block") + "- run: |".len()..];
    block
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("          ") || l.trim().is_empty())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_workflow_merges_shards_measured_on_different_machines() {
    let dir = tmp("workflow");
    // Two shards as the measure jobs leave them, downloaded to shards/shard-N/results.json, one
    // from a runner with another CPU and kernel.
    for (i, cpu) in [
        (1, "AMD EPYC 7763 64-Core Processor"),
        (2, "Intel(R) Xeon(R) Platinum 8370C"),
    ] {
        let shard = dir.join(format!("shard{i}"));
        let o = small_run(&shard, &["--shard", &format!("{i}/2"), "--size", "8KiB"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut doc = results(&shard);
        doc["environment"]["cpu_model"] = cpu.into();
        doc["environment"]["os"] = format!("linux 6.{i}").into();
        let to = dir.join("shards").join(format!("shard-{i}"));
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("results.json"), doc.to_string()).unwrap();
    }
    let bin = dir.join("target/release");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_perflab"), bin.join("perflab")).unwrap();
    let step = workflow_merge_step();
    assert!(step.contains("perflab merge"), "{step}");
    let o = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &step])
        .current_dir(&dir)
        .env_remove("PERFLAB_ALLOCATOR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{step}\n{err}");
    assert!(
        err.contains("warning") && err.contains("different environment"),
        "{err}"
    );
    let merged = results(&dir.join("merged"));
    let envs = merged["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    let cells = merged["benchmarks"].as_array().unwrap();
    assert_eq!(cells.len(), 6);
    for b in cells {
        let k = b["environment"].as_u64().unwrap() as usize;
        let size = b["size"].as_str().unwrap();
        // Shards split by group (here: by size), so each group carries one environment.
        let want = cells
            .iter()
            .find(|c| c["size"] == size)
            .map(|c| c["environment"].clone())
            .unwrap();
        assert_eq!(b["environment"], want);
        assert!(envs[k]["cpu_model"].as_str().unwrap().len() > 10);
    }
    let page = std::fs::read_to_string(dir.join("merged/index.html")).unwrap();
    assert!(
        page.contains("2 different environments"),
        "the report says so"
    );
    assert!(page.contains("Intel(R) Xeon(R) Platinum 8370C"));
    let bmf: Value =
        serde_json::from_slice(&std::fs::read(dir.join("merged/bmf.json")).unwrap()).unwrap();
    assert_eq!(bmf.as_object().unwrap().len(), 6);
}

#[test]
fn a_resumed_group_is_measured_whole_so_speedups_stay_paired() {
    let dir = tmp("resume-whole");
    let d = dir.to_str().unwrap().to_owned();
    let o = run(&[
        "run",
        "-w",
        "search",
        "--kind",
        "naive",
        "--kind",
        "optimized",
        "--size",
        "4KiB",
        "--allocator",
        "system",
        "--budget",
        "2",
        "--out",
        &d,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Cut the group half way: its naive cell is missing.
    let path = dir.join("results.json");
    let mut doc = results(&dir);
    let cells = doc["benchmarks"].as_array_mut().unwrap();
    let before = cells.len();
    cells.retain(|b| b["variant"] != "naive");
    assert!(cells.len() < before && !cells.is_empty());
    std::fs::write(&path, doc.to_string()).unwrap();
    let o = run(&["run", "--resume", &d]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = results(&dir);
    let cells = after["benchmarks"].as_array().unwrap();
    assert_eq!(cells.len(), before);
    let fast: Vec<&Value> = cells
        .iter()
        .filter(|b| b["status"] == "ok" && b["variant"] != "naive")
        .collect();
    assert!(!fast.is_empty(), "no measured optimized cell to check");
    for b in fast {
        assert!(
            b["speedup_vs_naive"].is_object(),
            "{} lost its pairing",
            b["id"]
        );
    }
}

/// The pids of the live processes whose parent is `parent`.
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid …`; comm may hold spaces, so split after its closing paren.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let mut fields = rest.split_whitespace();
        let (state, ppid) = (fields.next(), fields.next());
        if state != Some("Z") && ppid == Some(&parent.to_string()) {
            found.push(pid);
        }
    }
    found
}

#[cfg(target_os = "linux")]
#[test]
fn measuring_peers_die_with_a_killed_parent() {
    let dir = tmp("orphans");
    let mut child = perflab()
        .args([
            "run", "-w", "search", "--kind", "naive", "--size", "64KiB", "--size", "1MiB",
        ])
        .args(["--budget", "60", "--out", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let peers = loop {
        let p = children_of(child.id());
        if !p.is_empty() {
            break p;
        }
        assert!(Instant::now() < deadline, "no peer started");
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let alive = |pid: &u32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
            rest.split_whitespace().next() != Some("Z")
        })
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while peers.iter().any(alive) {
        assert!(
            Instant::now() < deadline,
            "peers {peers:?} outlived their killed parent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
