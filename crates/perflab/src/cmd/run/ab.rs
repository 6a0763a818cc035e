//! `--compare-with`: an A/B run of this build against another, in lock step.

use super::args::Args;
use super::progress::RunProgress;
use crate::cmd::Outcome;
use anyhow::Result;
use perflab_harness::engine::{Engine, ResultsFile};
use perflab_harness::plan::Group;
use perflab_harness::results::Results;

/// An A/B run of this build against the base build, in lock step.
pub(super) fn run_ab(
    args: &Args,
    engine: &Engine,
    groups: &[Group],
    mut head: Results,
    out_dir: &std::path::Path,
    mut progress: RunProgress,
) -> Result<Outcome> {
    let run_id = format!(
        "{}-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        std::process::id()
    );
    head.config.paired = Some(run_id);
    let mut base = head.clone();
    let (head_path, base_path) = (out_dir.join("results.json"), out_dir.join("base.json"));
    engine.run(
        groups,
        ResultsFile {
            results: &mut head,
            path: &head_path,
        },
        Some(ResultsFile {
            results: &mut base,
            path: &base_path,
        }),
        &mut progress,
    )?;
    progress.finish();
    let cmp = perflab_harness::compare::compare(
        &base,
        &head,
        perflab_harness::compare::Thresholds {
            time: args.threshold / 100.0,
            ..Default::default()
        },
    );
    print_changes(&cmp);
    use perflab_harness::compare::Verdict;
    errln!(
        "perflab: A/B run{}, {} clock, {} processes per cell: {} regressions, {} improvements, {} unchanged (threshold {}%) → {} and {}",
        match head.config.pinned_cpus.as_slice() {
            [] => String::new(),
            [c] => format!(" on CPU {c}"),
            cs => format!(" on CPUs {cs:?}"),
        },
        head.config.clock.unwrap_or_default().as_str(),
        engine.processes(),
        cmp.count(Verdict::Regression),
        cmp.count(Verdict::Improvement),
        cmp.count(Verdict::Unchanged),
        args.threshold,
        head_path.display(),
        base_path.display()
    );
    Ok(if cmp.failed() {
        Outcome::CheckFailed
    } else {
        Outcome::Success
    })
}

/// Each compared cell's verdict, change and interval, one row each.
fn print_changes(cmp: &perflab_harness::compare::Comparison) {
    use perflab_harness::table::{Column, Table};
    let mut cells = Table::new([
        Column::left("verdict"),
        Column::left("cell"),
        Column::right("change"),
        Column::right("95% interval"),
    ]);
    let pct = |ratio: f64| format!("{:+.2}%", (ratio - 1.0) * 100.0);
    for c in &cmp.cells {
        let Some(e) = c.time_ratio else { continue };
        cells.push_row([
            format!("{:?}", c.verdict).to_lowercase(),
            c.id.clone(),
            pct(e.median),
            format!("[{}, {}]", pct(e.ci95[0]), pct(e.ci95[1])),
        ]);
    }
    if !cells.is_empty() {
        outln!("{}", cells.terminal());
    }
}
