//! `perflab export`: results in other tools' formats (today: Bencher Metric Format).

use crate::app::Outcome;
use anyhow::Result;
use perflab_harness::results::Results;
use std::path::PathBuf;

/// Arguments of `perflab export`.
#[derive(clap::Args)]
pub struct Args {
    /// The results file.
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// Output format: bmf (Bencher Metric Format, for `bencher run --adapter json`).
    #[arg(long, value_enum, default_value = "bmf")]
    format: Format,
    /// Write here instead of stdout.
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Bmf,
}

/// Prints (or writes) the export.
pub fn run(args: Args) -> Result<Outcome> {
    let results = Results::read(&args.results)?;
    let doc = match args.format {
        Format::Bmf => perflab_harness::export::to_bmf(&results),
    };
    let text = serde_json::to_string_pretty(&doc)?;
    match &args.out {
        Some(path) => perflab_harness::results::write_file_atomic(path, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => outln!("{text}"),
    }
    Ok(Outcome::Success)
}
