//! Results files read the way any other tool may read them: through the checked-in JSON Schema
//! and a standard validator, so that every file these tests make perflab write is checked
//! against the published contract, not only against perflab's own reader.
//!
//! The test files with their own `main` include this file alone (`#[path]`): they drive a
//! user's binary, not the `perflab` one the rest of `common` needs.

use serde_json::Value;
use std::path::Path;

/// The schema of `perflab/results/v1`, as checked in (perflab-harness's tests keep it current).
const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../schemas/perflab-results-v1.schema.json"
);

/// Reads the results file at `path`, panics listing every way it breaks the schema, and returns
/// it.
pub fn read_results(path: &Path) -> Value {
    let parse = |p: &Path| -> Value {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    let validator =
        jsonschema::validator_for(&parse(Path::new(SCHEMA))).expect("the schema compiles");
    let doc = parse(path);
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("  at '{}': {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{} does not match {SCHEMA}:\n{}",
        path.display(),
        errors.join("\n")
    );
    doc
}
