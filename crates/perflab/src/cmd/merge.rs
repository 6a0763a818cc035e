//! `perflab merge`: join shard files (or runs of disjoint parts of the matrix) into one.
//!
//! Files measured in different environments are merged with a warning; the merged file lists
//! every environment and each cell names its own (`environments`, per-cell `environment`).

use crate::cmd::Outcome;
use anyhow::Result;
use perflab_harness::merge::merge;
use std::path::PathBuf;

/// Arguments of `perflab merge`.
#[derive(clap::Args)]
pub struct Args {
    /// Results files to join, in order; a later file's cell replaces an earlier one's.
    #[arg(required = true, value_name = "RESULTS")]
    files: Vec<PathBuf>,
    /// Where to write the merged file.
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    out: PathBuf,
    /// Deprecated, accepted for old scripts: files from different environments (CI shards on
    /// different runners) are always merged now, with a warning, and each cell keeps the
    /// environment it was measured in.
    #[arg(long, hide = true)]
    force: bool,
}

/// Merges and writes atomically.
pub fn run(args: Args) -> Result<Outcome> {
    let read = super::read_results(&args.files)?;
    let files: Vec<_> = args.files.iter().cloned().zip(read).collect();
    // Shards of one CI run land on whatever runners the CI service gives: each cell keeps its
    // environment, so a mixed merge loses nothing and is allowed (`--force` is now the default).
    let _ = args.force;
    let merged = merge(files, true)?;
    for (path, what) in &merged.mixed {
        errln!(
            "perflab: warning: {} was measured in a different environment ({what}); its cells keep their own, and absolute times compare only within one",
            path.display()
        );
    }
    if !merged.duplicates.is_empty() {
        errln!(
            "perflab: {} cells appeared in more than one file; the later file's were kept (first: {})",
            merged.duplicates.len(),
            merged.duplicates[0]
        );
    }
    merged.results.write_atomic(&args.out)?;
    errln!(
        "perflab: merged {} files, {} cells → {}",
        args.files.len(),
        merged.results.benchmarks.len(),
        args.out.display()
    );
    Ok(Outcome::Success)
}
