//! The report's tests' shared pieces: the synthetic results every page is rendered from (the
//! harness's one builder of synthetic results, `results::fixture`) and a fresh directory.
#![allow(dead_code)]

// Each test binary uses its own part of them.
#[allow(unused_imports)]
pub use perflab_harness::results::fixture::{
    SIZES, WORKLOADS, default_matrix, synthetic, with_threads,
};

/// A fresh, empty directory under the test target's temporary directory.
pub fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("perflab-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
