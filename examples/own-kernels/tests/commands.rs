//! This crate driven the way its author would: every command on its own registry, whose results
//! hold only its workload. The binary is the one cargo builds for these tests (the crate is a
//! member of perflab's workspace, so `cargo test --workspace` builds it with everything else;
//! its bench targets run there too, in criterion's test mode, each body once).

// Results files are read through perflab's checked-in JSON Schema, as perflab's own CLI tests
// read theirs (a crate of one's own would validate against
// `perflab::internals::harness::results::json_schema()`).
#[path = "../../../crates/cli/tests/cli/common/schema.rs"]
mod schema;

use schema::read_results;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The crate's binary, `perflab::main!(own_kernels::register)`.
fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_own-kernels"))
}

fn own_kernels(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .env_remove("PERFLAB_ALLOCATOR")
        .output()
        .expect("own-kernels starts")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An empty directory private to this test process and `name`.
fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("perflab-own-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

#[test]
fn list_shows_only_its_own_workloads_and_perflabs_allocator() {
    let doc = json(&own_kernels(&["list", "--json"]));
    let workloads = doc["workloads"].as_array().unwrap();
    let variants = |w: &Value| -> Vec<(String, String)> {
        w["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap().into(),
                    v["kind"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let names: Vec<&str> = workloads
        .iter()
        .map(|w| w["workload"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["utf8", "distinct"], "{doc}");
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|&(a, b)| (a.into(), b.into())).collect()
    };
    assert_eq!(
        variants(&workloads[0]),
        pairs(&[
            ("naive", "naive"),
            ("swar", "optimized"),
            ("std", "reference")
        ])
    );
    assert_eq!(
        variants(&workloads[1]),
        pairs(&[
            ("naive", "naive"),
            ("sort", "optimized"),
            ("arena", "arena")
        ])
    );
    assert_eq!(doc["allocator_installed"], true);
    let o = Command::new(binary())
        .args(["list", "--json"])
        .env("PERFLAB_ALLOCATOR", "mimalloc")
        .output()
        .unwrap();
    assert_eq!(json(&o)["allocator_proof"]["owner"], "mimalloc");
}

#[test]
fn verify_agrees_with_std_on_generated_input_and_on_a_file() {
    let o = own_kernels(&["verify", "--size", "4KiB", "--size", "100KiB"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let dir = tmp("verify");
    let file = dir.join("mixed.txt");
    let mut data = "plain ASCII, then é, € and 𝄞, all valid … "
        .repeat(20)
        .into_bytes();
    let cut = data.len();
    data.extend_from_slice(b"\xE0\x80\x80 overlong, then more");
    std::fs::write(&file, &data).unwrap();
    let doc = json(&own_kernels(&[
        "verify",
        "--input",
        file.to_str().unwrap(),
        "--json",
    ]));
    let expected = std::str::from_utf8(&data).unwrap_err().valid_up_to();
    assert_eq!(expected, cut);
    for v in doc[0]["variants"].as_array().unwrap() {
        assert_eq!(v["status"], "ok", "{v}");
        assert_eq!(v["output"], expected, "{v}");
    }
    // `distinct` generates its own numbers and reads no file: it says so, and verify fails.
    let o = own_kernels(&[
        "verify",
        "-w",
        "distinct",
        "--input",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("reads no file"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `run --preset quick` under all three allocators, small and short.
fn quick_run(dir: &Path) -> Value {
    let o = own_kernels(&[
        "run",
        "--preset",
        "quick",
        "--size",
        "4KiB",
        "--size",
        "64KiB",
        "--budget",
        "4",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    read_results(&dir.join("results.json"))
}

#[test]
fn run_report_compare_and_flame_on_its_own_registry() {
    let dir = tmp("runs");
    let (a, b) = (dir.join("a"), dir.join("b"));
    let results = quick_run(&a);
    let cells = results["benchmarks"].as_array().unwrap();
    // The quick preset measures 64KiB on two threads too: a crate of one's own gets threads.
    assert_eq!(
        cells.len(),
        2 * 3 * 3 * 3,
        "2 workloads × 3 variants × 3 allocators × (4KiB, 64KiB, 64KiB on 2 threads)"
    );
    assert!(
        cells
            .iter()
            .any(|c| c["id"] == "utf8/swar/jemalloc/64KiB/2t" && c["threads"] == 2)
    );
    for c in cells {
        assert!(
            c["workload"] == "utf8" || c["workload"] == "distinct",
            "only its own workloads: {}",
            c["id"]
        );
        assert_eq!(c["status"], "ok", "{}: {}", c["id"], c["error"]);
        assert!(c["median_ns"].as_f64().unwrap() > 0.0);
        // perflab's allocator counts: UTF-8 validation allocates nothing, the naive set and the
        // sorted copy allocate on every call, the arena variant only in its arena.
        let allocs = c["allocs_per_iter"].as_f64().unwrap();
        match (
            c["workload"].as_str().unwrap(),
            c["variant"].as_str().unwrap(),
        ) {
            ("utf8", _) | ("distinct", "arena") => assert_eq!(allocs, 0.0, "{}", c["id"]),
            _ => assert!(allocs >= 1.0, "{}", c["id"]),
        }
        if c["variant"] != "naive" {
            assert!(
                c["speedup_vs_naive"]["median"].as_f64().unwrap() > 0.0,
                "{}",
                c["id"]
            );
        }
    }
    for alloc in ["system", "jemalloc", "mimalloc"] {
        assert!(cells.iter().any(|c| c["allocator"] == alloc), "{alloc}");
    }
    assert!(a.join("index.html").is_file());
    quick_run(&b);

    // report: the page of one run, and against the other as a baseline.
    let page = dir.join("vs.html");
    let o = own_kernels(&[
        "report",
        b.join("results.json").to_str().unwrap(),
        "--baseline",
        a.join("results.json").to_str().unwrap(),
        "-o",
        page.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("utf8") && html.contains("swar"));

    // compare: a verdict per cell (two separate runs may differ; usage is never wrong).
    let o = own_kernels(&[
        "compare",
        a.join("results.json").to_str().unwrap(),
        b.join("results.json").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let cmp: Value = serde_json::from_slice(&o.stdout).unwrap();
    let text = cmp.to_string();
    for alloc in ["system", "jemalloc", "mimalloc"] {
        assert!(text.contains(&format!("utf8/swar/{alloc}/64KiB")), "{text}");
    }

    // flame: the kernel's own functions, named.
    let svg = dir.join("swar.svg");
    let o = own_kernels(&[
        "flame",
        "-w",
        "utf8",
        "--variant",
        "swar",
        "--size",
        "64KiB",
        "--seconds",
        "1",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<?xml"));
    let folded = std::fs::read_to_string(svg.with_extension("folded")).unwrap();
    assert!(folded.contains("own_kernels"), "{folded}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Rust blocks of the README's "Benchmark your own code", in order.
fn readme_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(example_dir().join("../../README.md")).unwrap();
    let start = readme
        .find("## Benchmark your own code")
        .expect("README has the section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    section
        .split("```rust\n")
        .skip(1)
        .map(|b| b[..b.find("```").unwrap()].to_owned())
        .collect()
}

#[test]
fn the_readme_shows_the_example_verbatim() {
    let files = ["src/lib.rs", "src/main.rs", "benches/criterion.rs"];
    let blocks = readme_blocks();
    assert_eq!(blocks.len(), files.len(), "{blocks:?}");
    for (block, file) in blocks.iter().zip(files) {
        let text = std::fs::read_to_string(example_dir().join(file)).unwrap();
        assert_eq!(
            block, &text,
            "README's block differs from examples/own-kernels/{file}"
        );
    }
}
