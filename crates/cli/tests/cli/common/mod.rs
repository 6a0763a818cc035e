//! Helpers every CLI test file uses: the binary under test, a fresh scratch directory, results
//! files read through the schema.

use std::path::PathBuf;
use std::process::{Command, Output};

// profile.rs reads no results file.
#[allow(dead_code)]
pub mod schema;
#[allow(unused_imports)]
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

/// The cell `id` of a results document; panics naming it when there is none.
#[allow(dead_code)]
pub fn cell<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["benchmarks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no cell {id}"))
}
