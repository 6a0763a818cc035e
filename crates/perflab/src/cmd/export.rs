//! `perflab export`: results in the formats other tools read — CSV for spreadsheets, pandas
//! and R; a flat JSON array for jq; a Markdown table for a pull request or a wiki; Bencher
//! Metric Format for bencher.dev.

use crate::cmd::Outcome;
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

/// One table row per cell, the numbers as the report shows them (units included), for a pull
/// request, a wiki page or `$GITHUB_STEP_SUMMARY`.
fn markdown(results: &perflab_harness::results::Results) -> String {
    use perflab_harness::table::{Column, Table};
    use perflab_report::fmt;
    let mut t = Table::new([
        Column::left("cell").code(),
        Column::left("status"),
        Column::right("median"),
        Column::right("95% CI"),
        Column::right("throughput"),
        Column::right("vs naive [95% CI]"),
        Column::right("vs system [95% CI]"),
        Column::right("scaling [95% CI]"),
        Column::right("allocs/iter"),
        Column::right("RSS growth / live"),
        Column::left("error"),
    ]);
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".to_owned());
    let estimate = |e: Option<perflab_harness::stats::Estimate>| {
        or_dash(e.map(|e| format!("{} [{}]", fmt::ratio(e.median), fmt::ratio_ci(e.ci95))))
    };
    for (row, b) in export::rows(results).into_iter().zip(&results.benchmarks) {
        t.push_row([
            row.id,
            row.status,
            or_dash(row.median_ns.map(fmt::time_ns)),
            or_dash(b.time.ci95_ns.map(fmt::time_ci)),
            or_dash(row.throughput_bytes_per_s.map(fmt::throughput)),
            estimate(b.paired.speedup_vs_naive),
            estimate(b.paired.time_vs_system),
            estimate(b.threaded.scaling_vs_one_thread),
            or_dash(row.allocs_per_iter.map(fmt::count)),
            or_dash(row.rss_growth_bytes.map(|rss| {
                let live = row
                    .footprint_peak_live_bytes
                    .map_or_else(|| "–".to_owned(), |l| fmt::bytes(l as f64));
                format!("{} / {live}", fmt::bytes(rss as f64))
            })),
            row.error.unwrap_or_default(),
        ]);
    }
    let env = &results.environment;
    format!(
        "### perflab results\n\n{} cells · {} · {} · preset {}\n\n{}\n",
        results.benchmarks.len(),
        env.cpu_model,
        env.os,
        results.config.preset,
        t.markdown()
    )
}
