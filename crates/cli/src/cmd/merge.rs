//! `perflab merge`: join shard files (or runs of disjoint parts of the matrix) into one.

use crate::app::Outcome;
use anyhow::Result;
use perflab_harness::merge::merge;
use perflab_harness::results::Results;
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
    /// Merge even when the files come from different environments.
    #[arg(long)]
    force: bool,
}

/// Merges and writes atomically.
pub fn run(args: Args) -> Result<Outcome> {
    let files = args
        .files
        .iter()
        .map(|p| Ok((p.clone(), Results::read(p)?)))
        .collect::<Result<Vec<_>>>()?;
    let merged = merge(files, args.force)?;
    if !merged.duplicates.is_empty() {
        eprintln!(
            "perflab: {} cells appeared in more than one file; the later file's were kept (first: {})",
            merged.duplicates.len(),
            merged.duplicates[0]
        );
    }
    merged.results.write_atomic(&args.out)?;
    eprintln!(
        "perflab: merged {} files, {} cells → {}",
        args.files.len(),
        merged.results.benchmarks.len(),
        args.out.display()
    );
    Ok(Outcome::Success)
}
