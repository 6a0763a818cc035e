//! The results file: round trips, old files, bad files, the schema, atomic writes.

use perflab_harness::results::fixture::{filled, sparse};
use perflab_harness::results::*;
use std::path::Path;

#[test]
fn round_trips_and_ignores_unknown_fields() {
    let dir = std::env::temp_dir().join(format!("perflab-results-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("results.json");
    sparse().write_atomic(&path).unwrap();
    let back = Results::read(&path).unwrap();
    assert_eq!(back.benchmarks[0].name.id, "search/naive/system/4KiB");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v["future_field"] = 1.into();
    v["benchmarks"][0]["another"] = "x".into();
    v["schema"] = "perflab/results/v1.3".into();
    assert!(Results::parse(&v.to_string(), &path).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_from_before_threads_reads_as_one_thread() {
    let mut v = serde_json::to_value(sparse()).unwrap();
    let cell = v["benchmarks"][0].as_object_mut().unwrap();
    cell.remove("threads");
    let back = Results::parse(&v.to_string(), Path::new("old.json")).unwrap();
    assert_eq!(back.benchmarks[0].threads, 1);
    assert_eq!(back.benchmarks[0].name.id, "search/naive/system/4KiB");
    assert!(back.benchmarks[0].footprint.is_none());
    // Written again, a one-thread cell says it is one.
    let again = serde_json::to_value(&back).unwrap();
    assert_eq!(again["benchmarks"][0]["threads"], 1);
    assert_eq!(cell_id("w", "v", "a", "1MiB", 2), "w/v/a/1MiB/2t");
}

#[test]
fn other_major_version_and_garbage_are_clear_errors() {
    let p = Path::new("x.json");
    let mut v = serde_json::to_value(sparse()).unwrap();
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

/// `filled()` and `sparse()`'s cell in one document, as perflab writes it (pretty), captured from
/// the types before the cell's fields were grouped (`#[serde(flatten)]`): every key, its order and
/// every omission must stay as they were, for the same values.
const WRITTEN: &str = include_str!("data/filled-results.json");

/// The document [`WRITTEN`] holds.
fn filled_and_sparse() -> Results {
    let mut r = filled();
    r.benchmarks.extend(sparse().benchmarks);
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
    let base = serde_json::to_value(sparse()).unwrap();
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
    let mut r = sparse();
    let mut b = r.benchmarks[0].clone();
    b.time.samples_ns = vec![9.0];
    r.upsert(b);
    assert_eq!(r.benchmarks.len(), 1);
    assert_eq!(r.benchmarks[0].time.samples_ns, [9.0]);
}

/// A cell's keys in the order a file has them (a `serde_json::Value` sorts them).
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut m: M) -> Result<Keys, M::Error> {
                let mut keys = Vec::new();
                while let Some((k, serde::de::IgnoredAny)) = m.next_entry::<String, _>()? {
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// The keys of every cell of a results document, in order.
fn cell_keys(text: &str) -> Vec<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Doc {
        benchmarks: Vec<Keys>,
    }
    let doc: Doc = serde_json::from_str(text).unwrap();
    doc.benchmarks.into_iter().map(|k| k.0).collect()
}

/// A file a run wrote before threads and paired allocator ratios (the report's sample) reads, and
/// each cell writes back every value it held, under the same keys in the same order; all it gains
/// is what it did not have: `time_vs_system` (null) and `threads` (1).
#[test]
fn an_old_file_writes_back_what_it_held() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../report/tests/data/sample-results.json"
    ));
    let text = std::fs::read_to_string(path).unwrap();
    let old: serde_json::Value = serde_json::from_str(&text).unwrap();
    let written = serde_json::to_string(&Results::read(path).unwrap()).unwrap();
    let new: serde_json::Value = serde_json::from_str(&written).unwrap();
    let (was, now) = (cell_keys(&text), cell_keys(&written));
    assert_eq!(was.len(), now.len());
    for (i, (was, now)) in was.iter().zip(&now).enumerate() {
        let mut expected = old["benchmarks"][i].clone();
        expected["time_vs_system"] = serde_json::Value::Null;
        expected["threads"] = 1.into();
        assert_eq!(new["benchmarks"][i], expected, "cell {i}");
        let kept: Vec<&String> = now.iter().filter(|k| was.contains(k)).collect();
        assert_eq!(kept, was.iter().collect::<Vec<_>>(), "cell {i}: order");
    }
}
