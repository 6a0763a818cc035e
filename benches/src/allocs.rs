//! Allocations per iteration of every benchmark, counted in an untimed pass and reported beside
//! criterion's times.
//!
//! criterion measures one quantity per benchmark, and a variant's allocation count is exact and
//! deterministic, so sampling it a hundred times with statistics would only cost time. Instead,
//! exactly as `perflab run` does, each benchmark gets one extra pass of [`COUNT_ITERS`]
//! iterations with the allocator's counters on (they are off while criterion times, since
//! counting costs a few ns per allocation). The result is printed next to the benchmark's
//! criterion output and merged into `<criterion dir>/perflab-allocs.json` (keyed by benchmark id,
//! so running one target or a filtered subset updates only its own entries).

use perflab_harness::subject::{Phase, Subject, SubjectError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use perflab_harness::probe::COUNT_ITERS;

/// The file name of the report inside criterion's output directory.
pub const REPORT_FILE: &str = "perflab-allocs.json";

/// The `format` field of the report, bumped if its shape changes.
pub const REPORT_FORMAT: &str = "perflab-bench-allocs/1";

/// Allocation figures of one benchmark, per iteration of its timed loop.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllocEntry {
    /// Global allocator the counts were taken under.
    pub allocator: String,
    /// Workload name.
    pub workload: String,
    /// Input size as in the group name (`64KiB`).
    pub size: String,
    /// Variant name.
    pub variant: String,
    /// Iterations the counting pass ran.
    pub iters: u64,
    /// `alloc`/`alloc_zeroed` calls per iteration.
    pub allocs_per_iter: f64,
    /// `realloc` calls per iteration.
    pub reallocs_per_iter: f64,
    /// Bytes requested per iteration (allocations plus growth).
    pub bytes_allocated_per_iter: f64,
    /// Most bytes live at once during the pass, above what was live before it.
    pub peak_bytes: u64,
}

/// The whole report file.
#[derive(Debug, Serialize, Deserialize)]
pub struct AllocReport {
    /// [`REPORT_FORMAT`].
    pub format: String,
    /// Entries by benchmark id, `<allocator>/<workload>/<size>/<variant>`.
    pub benchmarks: BTreeMap<String, AllocEntry>,
}

impl Default for AllocReport {
    fn default() -> Self {
        AllocReport::new()
    }
}

impl AllocReport {
    /// An empty report.
    pub fn new() -> Self {
        AllocReport {
            format: REPORT_FORMAT.to_owned(),
            benchmarks: BTreeMap::new(),
        }
    }

    /// Adds `entries` to the report at `path` (creating it), replacing entries with the same id.
    ///
    /// # Errors
    /// If the directory or file cannot be written. An unreadable or foreign old file is replaced.
    pub fn merge_into(entries: &[AllocEntry], path: &Path) -> std::io::Result<()> {
        let mut report = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<AllocReport>(&b).ok())
            .filter(|r| r.format == REPORT_FORMAT)
            .unwrap_or_default();
        for e in entries {
            report.benchmarks.insert(e.id(), e.clone());
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }
}

impl AllocEntry {
    /// The benchmark id: criterion's `<group>/<function>`.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.allocator, self.workload, self.size, self.variant
        )
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        format!(
            "{:<48} allocs/iter {:>9.2}  reallocs/iter {:>7.2}  bytes/iter {:>11.0}  peak {:>10} B",
            self.id(),
            self.allocs_per_iter,
            self.reallocs_per_iter,
            self.bytes_allocated_per_iter,
            self.peak_bytes
        )
    }
}

/// Counts what `COUNT_ITERS` iterations of variant `slot` allocate: the harness's counting pass
/// ([`Subject::count`]), with the counters switched on for exactly that region.
///
/// One uncounted iteration runs first, as the harness's counting pass follows its warm-up: an
/// arena variant's first call grows the arena, a one-off cost the steady state does not pay.
///
/// # Errors
/// The variant panicked or its output no longer agrees with naive's.
pub fn count(subject: &mut Subject, slot: usize) -> Result<CountedPass, SubjectError> {
    subject.run(slot, 1, Phase::CountingAllocations)?;
    let tally = subject.count(slot, COUNT_ITERS, &perflab_alloc::HarnessProbe)?;
    Ok(CountedPass {
        iters: tally.iters,
        allocs_per_iter: tally.per_iter(tally.allocs),
        reallocs_per_iter: tally.per_iter(tally.reallocs),
        bytes_allocated_per_iter: tally.per_iter(tally.bytes),
        peak_bytes: tally.peak,
    })
}

/// The figures of one counting pass, before they are labelled with a benchmark id.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CountedPass {
    /// Iterations run.
    pub iters: u64,
    /// Allocations per iteration.
    pub allocs_per_iter: f64,
    /// Reallocations per iteration.
    pub reallocs_per_iter: f64,
    /// Bytes allocated per iteration.
    pub bytes_allocated_per_iter: f64,
    /// Peak growth of live bytes over the pass.
    pub peak_bytes: u64,
}

/// criterion's output directory, found the way criterion 0.8 finds it: `$CRITERION_HOME`, else
/// `$CARGO_TARGET_DIR/criterion`, else `<target>/criterion` for the `<target>/<profile>/deps/`
/// directory this executable runs from, else `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("criterion")))
        .unwrap_or_else(|| PathBuf::from("target/criterion"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(variant: &str, allocs: f64) -> AllocEntry {
        AllocEntry {
            allocator: "system".into(),
            workload: "search".into(),
            size: "4KiB".into(),
            variant: variant.into(),
            iters: COUNT_ITERS,
            allocs_per_iter: allocs,
            reallocs_per_iter: 0.0,
            bytes_allocated_per_iter: 0.0,
            peak_bytes: 0,
        }
    }

    #[test]
    fn report_merges_by_id() {
        let dir = std::env::temp_dir().join(format!("perflab-benches-{}", std::process::id()));
        let path = dir.join("criterion").join(REPORT_FILE);
        AllocReport::merge_into(&[entry("naive", 1.0), entry("swar", 0.0)], &path).unwrap();
        AllocReport::merge_into(&[entry("naive", 2.0)], &path).unwrap();
        let r: AllocReport = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(r.format, REPORT_FORMAT);
        assert_eq!(r.benchmarks.len(), 2);
        assert_eq!(
            r.benchmarks["system/search/4KiB/naive"].allocs_per_iter,
            2.0
        );
        assert!(
            entry("naive", 1.0)
                .line()
                .starts_with("system/search/4KiB/naive ")
        );
    }
}
