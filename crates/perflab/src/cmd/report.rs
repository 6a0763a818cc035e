//! `perflab report`: the self-contained HTML page for a results file.

use crate::cmd::Outcome;
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `perflab report`.
#[derive(clap::Args)]
pub struct Args {
    /// The results file.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Mark each cell's change against this earlier results file.
    #[arg(long, value_name = "BASE")]
    baseline: Option<PathBuf>,
    /// Where to write the page. Default: index.html beside RESULTS.
    #[arg(short = 'o', long = "out", value_name = "FILE.html")]
    out: Option<PathBuf>,
}

/// Renders and writes the page atomically.
pub fn run(args: Args) -> Result<Outcome> {
    let out = args.out.unwrap_or_else(|| {
        args.results
            .parent()
            .map_or_else(|| PathBuf::from("index.html"), |d| d.join("index.html"))
    });
    perflab_report::write_report(&args.results, args.baseline.as_deref(), &out)?;
    errln!("perflab: report → {}", out.display());
    Ok(Outcome::Success)
}
