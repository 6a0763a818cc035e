//! The results file: round trips, old files, bad files, the schema, atomic writes.

use perflab_core::VariantKind;
use perflab_harness::results::*;
use perflab_harness::stats::{Estimate, Outliers};
use std::path::Path;

fn sample() -> Results {
    let mut r = Results::new(Environment::default(), RunConfig::default());
    let mut b = Benchmark::empty(
        "search",
        "naive",
        VariantKind::Naive,
        "system",
        "4KiB",
        4096,
    );
    b.status = CellStatus::Ok;
    b.samples_ns = vec![1.0, 2.0];
    r.upsert(b);
    r
}

#[test]
fn round_trips_and_ignores_unknown_fields() {
    let dir = std::env::temp_dir().join(format!("perflab-results-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("results.json");
    sample().write_atomic(&path).unwrap();
    let back = Results::read(&path).unwrap();
    assert_eq!(back.benchmarks[0].id, "search/naive/system/4KiB");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["future_field"] = 1.into();
    v["benchmarks"][0]["another"] = "x".into();
    v["schema"] = "perflab/results/v1.3".into();
    assert!(Results::parse(&v.to_string(), &path).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_from_before_threads_reads_as_one_thread() {
    let mut v = serde_json::to_value(sample()).unwrap();
    let cell = v["benchmarks"][0].as_object_mut().unwrap();
    cell.remove("threads");
    let back = Results::parse(&v.to_string(), Path::new("old.json")).unwrap();
    assert_eq!(back.benchmarks[0].threads, 1);
    assert_eq!(back.benchmarks[0].id, "search/naive/system/4KiB");
    assert!(back.benchmarks[0].footprint.is_none());
    // Written again, a one-thread cell says it is one.
    let again = serde_json::to_value(&back).unwrap();
    assert_eq!(again["benchmarks"][0]["threads"], 1);
    assert_eq!(cell_id("w", "v", "a", "1MiB", 2), "w/v/a/1MiB/2t");
}

#[test]
fn other_major_version_and_garbage_are_clear_errors() {
    let p = Path::new("x.json");
    let mut v = serde_json::to_value(sample()).unwrap();
    v["schema"] = "perflab/results/v2".into();
    let e = Results::parse(&v.to_string(), p).unwrap_err();
    assert!(e.to_string().contains("perflab/results/v2"), "{e}");
    assert!(matches!(
        Results::parse("", p),
        Err(ResultsError::Parse { .. })
    ));
    assert!(matches!(
        Results::parse("{\"benchmarks\": 3}", p),
        Err(ResultsError::Schema { .. })
    ));
    let missing = Results::read(Path::new("/no/such/results.json")).unwrap_err();
    assert!(missing.to_string().contains("/no/such/results.json"));
}

#[test]
fn a_failed_write_is_an_error_and_leaves_no_temporary_file() {
    let dir = std::env::temp_dir().join(format!("perflab-atomic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Into a directory that does not exist: nothing can be created.
    let missing = dir.join("no-such-dir/results.json");
    assert!(write_file_atomic(&missing, b"{}").is_err());
    assert!(!dir.join("no-such-dir").exists());
    // Over a directory: the temporary file is written, the rename fails, and it is removed.
    let target = dir.join("results.json");
    std::fs::create_dir(&target).unwrap();
    assert!(write_file_atomic(&target, b"{}").is_err());
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["results.json"],
        "only the directory it could not replace"
    );
    // And a write that succeeds leaves just its file, readable like any `File::create`d one.
    std::fs::remove_dir(&target).unwrap();
    write_file_atomic(&target, b"{}").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"{}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        let created = dir.join("created");
        std::fs::File::create(&created).unwrap();
        let want = std::fs::metadata(&created).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, want & 0o777, "{mode:o} vs {want:o}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The checked-in schema file.
const SCHEMA_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/perflab-results-v1.schema.json"
);

#[test]
fn checked_in_schema_is_the_generated_one() {
    assert!(SCHEMA_FILE.ends_with(JSON_SCHEMA_PATH));
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    let path = Path::new(SCHEMA_FILE);
    if std::env::var_os("PERFLAB_UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        write_file_atomic(path, generated.as_bytes()).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    if checked_in != generated {
        let line = checked_in
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(checked_in.lines().count().min(generated.lines().count()));
        panic!(
            "{JSON_SCHEMA_PATH} is not the schema the results types generate (first \
             difference at line {}); refresh it with\n\n    \
             PERFLAB_UPDATE_SCHEMA=1 cargo test -p perflab-harness schema\n\n\
             and commit it with the change to the types",
            line + 1
        );
    }
}

/// A results document with every optional field set, as an A/B run merged from machines of
/// two environments could write it.
fn filled() -> Results {
    let env = Environment {
        cpu_model: "Example CPU @ 3.0GHz".into(),
        simd_features: vec!["sse2".into(), "avx2".into()],
        cores: 4,
        os: "linux 6.1.0".into(),
        arch: "x86_64".into(),
        rustc: Some("rustc 1.89.0".into()),
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        perflab_version: "0.1.0".into(),
        timer_precision_ns: 20.0,
        empty_loop_ns: 0.8,
        cpu_set: vec![0, 1, 2, 3],
        allocator_versions: Some(AllocatorVersions {
            jemalloc: Some("5.3.0".into()),
            mimalloc: Some("2.1.7".into()),
            glibc: Some("2.36".into()),
        }),
        allocator_env: [("MALLOC_ARENA_MAX".to_owned(), "2".to_owned())].into(),
    };
    let config = RunConfig {
        preset: "ci".into(),
        measure: "time".into(),
        workloads: vec!["search".into()],
        variants: vec!["naive".into(), "simd".into()],
        kinds: vec!["naive".into(), "simd".into()],
        allocators: vec!["system".into(), "jemalloc".into()],
        sizes: vec![4096],
        input: Some("input.bin".into()),
        seed: 7,
        shard: Some("1/2".into()),
        budget_s: Some(60.0),
        sample_target_ns: 5_000_000,
        warmup_ns: 100_000_000,
        min_samples: 10,
        max_samples: 100,
        paired: Some("run-1".into()),
        pinned_cpus: vec![0, 1],
        clock: Some(perflab_harness::clock::Clock::Cpu),
        processes: Some(3),
        layout_seed: Some(42),
        threads: vec![2, 4],
        threaded: Some(ThreadedPlan {
            threads: vec![2],
            sizes: vec![65536],
        }),
    };
    let mut r = Results::new(env.clone(), config);
    let e = Estimate {
        median: 1.02,
        ci95: [1.01, 1.03],
    };
    let mut b = Benchmark::empty(
        "search",
        "simd",
        VariantKind::Simd,
        "jemalloc",
        "4KiB",
        4096,
    );
    b.status = CellStatus::Ok;
    b.error = Some("none, but the field is there".into());
    b.samples_ns = vec![100.0, 101.0, 99.0, 100.5, 100.2, 99.8];
    b.iters_per_sample = 1000;
    b.median_ns = Some(100.1);
    b.mad_ns = Some(0.3);
    b.ci95_ns = Some([99.5, 100.6]);
    b.throughput_bytes_per_s = Some(4.09e10);
    b.allocs_per_iter = Some(0.0);
    b.reallocs_per_iter = Some(0.0);
    b.bytes_allocated_per_iter = Some(0.0);
    b.peak_bytes = Some(0);
    b.arena_bytes = Some(128);
    b.instructions = Some(1234.0);
    b.speedup_vs_naive = Some(Estimate {
        median: 8.0,
        ci95: [7.5, 8.5],
    });
    b.time_vs_system = Some(e);
    b.process_medians_ns = vec![100.0, 100.2, 100.1];
    b.outliers = Some(Outliers {
        low_severe: 0,
        low_mild: 1,
        high_mild: 2,
        high_severe: 0,
    });
    b.vs_base = Some(e);
    b.vs_base_other = Some(e);
    b.environment = Some(1);
    b.footprint = Some(Footprint {
        iters: 16,
        rss_growth_bytes: Some(8192),
        peak_live_bytes: Some(4096),
        fragmentation: Some(2.0),
        allocator: Some(AllocatorHeld {
            source: "jemalloc stats.resident".into(),
            before_bytes: 1 << 20,
            after_bytes: 2 << 20,
        }),
    });
    let mut threaded = b.clone().at_threads(2);
    threaded.clock = Some(perflab_harness::clock::Clock::Wall);
    threaded.aggregate_throughput_bytes_per_s = Some(8.0e10);
    threaded.scaling_vs_one_thread = Some(e);
    threaded.contention = Some(Contention {
        cpu_per_call_ns: Some(95.0),
        system_per_call_ns: Some(1.5),
        cpu_utilisation: Some(0.95),
        start_skew_ns: Some(600.0),
    });
    r.upsert(b);
    r.upsert(threaded);
    r.allocator_control = Some(AllocatorControl {
        threads: 1,
        cells: 1,
        beyond: 0,
        threshold: 0.03,
        ids: vec!["search/simd/jemalloc/4KiB".into()],
    });
    r.allocator_control_threaded = vec![AllocatorControl {
        threads: 2,
        cells: 1,
        beyond: 1,
        threshold: 0.03,
        ids: vec!["search/simd/jemalloc/4KiB/2t".into()],
    }];
    r.environments = vec![
        env.clone(),
        Environment {
            cpu_model: "Another CPU".into(),
            ..env
        },
    ];
    r
}

/// `filled()` and `sample()`'s cell in one document, as perflab writes it (pretty), captured from
/// the types before the cell's fields were grouped (`#[serde(flatten)]`): every key, its order and
/// every omission must stay as they were, for the same values.
const WRITTEN: &str = include_str!("data/filled-results.json");

/// The document [`WRITTEN`] holds.
fn filled_and_sparse() -> Results {
    let mut r = filled();
    r.benchmarks.extend(sample().benchmarks);
    r
}

#[test]
fn results_are_written_byte_for_byte_as_before() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/filled-results.json"
    ));
    let written = serde_json::to_string_pretty(&filled_and_sparse()).unwrap();
    if std::env::var_os("PERFLAB_UPDATE_WRITTEN").is_some_and(|v| v == "1") {
        write_file_atomic(path, written.as_bytes()).unwrap();
        return;
    }
    assert_eq!(written, WRITTEN);
    // Read back and written again, the same bytes: nothing is lost or reordered on the way in.
    let back = Results::parse(WRITTEN, path).unwrap();
    assert_eq!(serde_json::to_string_pretty(&back).unwrap(), WRITTEN);
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&json_schema()).expect("the generated schema is valid")
}

fn schema_errors(doc: &serde_json::Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn schema_accepts_a_fully_filled_document() {
    let doc = serde_json::to_value(filled()).unwrap();
    assert_eq!(schema_errors(&doc), Vec::<String>::new());
    // ...which perflab reads too, and which really sets every field the schema names.
    assert!(Results::parse(&doc.to_string(), Path::new("filled.json")).is_ok());
    let schema = json_schema();
    let names = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let defs = &schema["$defs"];
    for (value, props) in [
        (&doc, &schema["properties"]),
        (&doc["environment"], &defs["Environment"]["properties"]),
        (&doc["config"], &defs["RunConfig"]["properties"]),
        // The threaded cell: every field a cell can have.
        (&doc["benchmarks"][1], &defs["Benchmark"]["properties"]),
        (
            &doc["allocator_control_threaded"][0],
            &defs["AllocatorControl"]["properties"],
        ),
    ] {
        assert_eq!(names(value), names(props));
    }
    for v in doc["benchmarks"][1].as_object().unwrap().values() {
        assert!(!v.is_null(), "{doc}");
    }
    // And the minimal document this version writes for an empty run.
    let empty = Results::new(Environment::default(), RunConfig::default());
    assert_eq!(
        schema_errors(&serde_json::to_value(empty).unwrap()),
        Vec::<String>::new()
    );
}

#[test]
fn schema_refuses_what_perflab_cannot_read() {
    let doc = serde_json::to_value(filled()).unwrap();
    type Mutation = fn(&mut serde_json::Value);
    let mutations: [(&str, Mutation); 7] = [
        ("status weird", |d| {
            d["benchmarks"][0]["status"] = "weird".into()
        }),
        ("ci95_ns of 3", |d| {
            d["benchmarks"][0]["ci95_ns"] = serde_json::json!([1.0, 2.0, 3.0])
        }),
        ("schema v2", |d| d["schema"] = "perflab/results/v2".into()),
        ("median_ns a string", |d| {
            d["benchmarks"][0]["median_ns"] = "100".into()
        }),
        ("kind upper-case", |d| {
            d["benchmarks"][0]["kind"] = "Simd".into()
        }),
        ("clock unknown", |d| d["config"]["clock"] = "tsc".into()),
        ("no benchmarks", |d| {
            d.as_object_mut().unwrap().remove("benchmarks");
        }),
    ];
    for (what, mutate) in mutations {
        let mut bad = doc.clone();
        mutate(&mut bad);
        assert!(!schema_errors(&bad).is_empty(), "{what}: accepted");
        assert!(
            Results::parse(&bad.to_string(), Path::new("bad.json")).is_err(),
            "{what}: perflab reads it, the schema should not refuse it"
        );
    }
    // Unknown fields stay allowed: readers ignore them.
    let mut newer = doc;
    newer["future"] = 1.into();
    newer["benchmarks"][0]["another"] = "x".into();
    newer["environment"]["gpu"] = "none".into();
    assert_eq!(schema_errors(&newer), Vec::<String>::new());
}

#[test]
fn schema_tag_pattern_and_parse_agree() {
    let base = serde_json::to_value(sample()).unwrap();
    for (tag, ok) in [
        ("perflab/results/v1", true),
        ("perflab/results/v1.3", true),
        ("perflab/results/v1.3.10", true),
        ("perflab/results/v2", false),
        ("perflab/results/v10", false),
        ("perflab/results/v01", false),
        ("perflab/results/v1.", false),
        ("perflab/results/v1.x", false),
        ("perflab/results/v1-beta", false),
        ("perflab/results/v1\n", false),
        ("perflab/results/v", false),
        ("other/results/v1", false),
        ("", false),
    ] {
        let mut doc = base.clone();
        doc["schema"] = tag.into();
        let read = Results::parse(&doc.to_string(), Path::new("x.json"));
        assert_eq!(read.is_ok(), ok, "{tag:?}: perflab");
        assert_eq!(schema_errors(&doc).is_empty(), ok, "{tag:?}: the schema");
    }
}

#[test]
fn upsert_replaces_by_id() {
    let mut r = sample();
    let mut b = r.benchmarks[0].clone();
    b.samples_ns = vec![9.0];
    r.upsert(b);
    assert_eq!(r.benchmarks.len(), 1);
    assert_eq!(r.benchmarks[0].samples_ns, [9.0]);
}
