//! `perflab compare BASE HEAD`: the CI regression gate. Exit 0 when nothing regressed, 1 when
//! something did (or a cell failed in head), 2 on bad input.

use crate::cmd::Outcome;
use anyhow::{Result, bail};
use perflab_harness::compare::{
    CellChange, Comparison, PAIRED_TIME_THRESHOLD, Thresholds, Verdict, compare, measured_together,
};
use perflab_harness::results::Results;
use perflab_harness::table::{self, Column, Table};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `perflab compare`.
#[derive(clap::Args)]
pub struct Args {
    /// The base results file (e.g. main).
    #[arg(value_name = "BASE")]
    base: PathBuf,
    /// The head results file (e.g. the pull request).
    #[arg(value_name = "HEAD")]
    head: PathBuf,
    /// Wall-time threshold in percent: a regression's whole 95% interval must lie beyond it.
    /// Default: 5 for separate runs, 2 for the two files of one paired run (METHODOLOGY.md §7).
    #[arg(long, value_name = "PCT", value_parser = super::parse_percent)]
    threshold: Option<f64>,
    /// Instruction-count threshold in percent (counts are exact).
    #[arg(long, value_name = "PCT", default_value_t = 0.5, value_parser = super::parse_percent)]
    instructions_threshold: f64,
    /// text (terminal), markdown (pull-request comments, $GITHUB_STEP_SUMMARY) or json.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// List every cell, not only the changed ones.
    #[arg(long)]
    all: bool,
    /// Fail (exit 1) when a cell of BASE is missing in HEAD: a gate that must see every cell it
    /// saw before (a renamed workload or a narrower filter in head would otherwise pass
    /// unnoticed, its cells merely "missing in head").
    #[arg(long)]
    fail_on_missing: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Markdown,
    Json,
}

/// Compares and prints.
pub fn run(args: Args) -> Result<Outcome> {
    let [base, head]: [Results; 2] = super::read_results(&[args.base.clone(), args.head.clone()])?
        .try_into()
        .unwrap_or_else(|_| unreachable!("two paths read as two files"));
    let time = match args.threshold {
        Some(pct) => pct / 100.0,
        None if measured_together(&base, &head) => PAIRED_TIME_THRESHOLD,
        None => Thresholds::default().time,
    };
    let thresholds = Thresholds {
        time,
        instructions: args.instructions_threshold / 100.0,
    };
    let cmp = compare(&base, &head, thresholds);
    let missing = cmp.count(Verdict::MissingInHead);
    if missing + cmp.count(Verdict::New) == cmp.cells.len() {
        // A gate that compared nothing has not passed.
        bail!(
            "no cell is in both {} ({} cells) and {} ({} cells): nothing was compared",
            args.base.display(),
            base.benchmarks.len(),
            args.head.display(),
            head.benchmarks.len()
        );
    }
    let out = match args.format {
        Format::Json => serde_json::to_string_pretty(&cmp)?,
        Format::Text => render(&cmp, args.all, table::Format::Terminal),
        Format::Markdown => render(&cmp, args.all, table::Format::Markdown),
    };
    outln!("{out}");
    if args.fail_on_missing && missing > 0 {
        errln!("perflab: {missing} cells of the base are missing in head (--fail-on-missing)");
    }
    Ok(if cmp.failed() || (args.fail_on_missing && missing > 0) {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Regression => "REGRESSION",
        Verdict::Improvement => "improvement",
        Verdict::Unchanged => "unchanged",
        Verdict::MissingInHead => "missing in head",
        Verdict::New => "new",
        Verdict::FailedInHead => "FAILED in head",
        Verdict::NotComparable => "not comparable",
    }
}

fn fmt_ns(ns: Option<f64>) -> String {
    match ns {
        None => "—".to_owned(),
        Some(n) if n >= 1e6 => format!("{:.2} ms", n / 1e6),
        Some(n) if n >= 1e3 => format!("{:.2} µs", n / 1e3),
        Some(n) => format!("{n:.1} ns"),
    }
}

fn fmt_change(c: &CellChange) -> String {
    let time = c.time_ratio.map(|e| {
        format!(
            "{:+.1}% [{:+.1}%, {:+.1}%]",
            (e.median - 1.0) * 100.0,
            (e.ci95[0] - 1.0) * 100.0,
            (e.ci95[1] - 1.0) * 100.0
        )
    });
    let instr = c
        .instructions_ratio
        .map(|r| format!("instr {:+.2}%", (r - 1.0) * 100.0));
    let allocs = c
        .allocs
        .filter(|(b, h)| b != h)
        .map(|(b, h)| format!("allocs {b:.1} → {h:.1}"));
    let parts: Vec<String> = [time, instr, allocs, c.note.clone()]
        .into_iter()
        .flatten()
        .collect();
    parts.join("; ")
}

fn render(cmp: &Comparison, all: bool, format: table::Format) -> String {
    let mut s = String::new();
    let summary = format!(
        "{} regressions, {} improvements, {} unchanged, {} failed in head, {} missing in head, {} new (threshold {:.1}% time, {:.2}% instructions)",
        cmp.count(Verdict::Regression),
        cmp.count(Verdict::Improvement),
        cmp.count(Verdict::Unchanged),
        cmp.count(Verdict::FailedInHead),
        cmp.count(Verdict::MissingInHead),
        cmp.count(Verdict::New),
        cmp.thresholds.time * 100.0,
        cmp.thresholds.instructions * 100.0,
    );
    let mut cells = Table::new([
        Column::left("cell").code(),
        Column::left("verdict"),
        Column::right("base"),
        Column::right("head"),
        Column::left("change (95% CI)"),
    ]);
    for c in cmp
        .cells
        .iter()
        .filter(|c| all || !matches!(c.verdict, Verdict::Unchanged))
    {
        cells.push_row([
            c.id.clone(),
            label(c.verdict).to_owned(),
            fmt_ns(c.base_ns),
            fmt_ns(c.head_ns),
            fmt_change(c),
        ]);
    }
    if format == table::Format::Markdown {
        let icon = if cmp.failed() { "❌" } else { "✅" };
        let _ = writeln!(s, "### {icon} perflab compare\n\n{summary}\n");
        if let Some(env) = &cmp.environment_changed {
            let _ = writeln!(
                s,
                "> ⚠️ The environments differ, so wall times may not be comparable: {env}\n"
            );
        }
        if !cells.is_empty() {
            let _ = writeln!(s, "{}", cells.markdown());
        }
    } else {
        if let Some(env) = &cmp.environment_changed {
            let _ = writeln!(
                s,
                "warning: the environments differ, so wall times may not be comparable: {env}"
            );
        }
        if !cells.is_empty() {
            let _ = writeln!(s, "{}", cells.terminal());
        }
        let _ = write!(s, "{summary}");
    }
    s
}
