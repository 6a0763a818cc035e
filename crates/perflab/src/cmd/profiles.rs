//! `perflab run --flame`: the profiles after a run. What to profile and how the profiles compare
//! is perflab-profile's (`after_run`); this module profiles one cell, in a child process of
//! this binary (`perflab flame`), as only a fresh process can run under the cell's allocator.

use anyhow::{Context, Result, bail};
use perflab_harness::results::{Benchmark, Results};
use perflab_profile::Folded;
use perflab_profile::after_run;
use perflab_report::flames::{CellFlame, FlameIndex};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Profiles every workload of `results` into `dir/flame/` and writes the index; a cell whose
/// profile fails is a warning (and its workload's error in the index), not the run's failure.
///
/// # Errors
/// The directory or the index cannot be written.
pub fn profile_run(results: &Results, dir: &Path, seconds: f64) -> Result<FlameIndex> {
    let exe = std::env::current_exe().context("cannot find the perflab executable")?;
    let mut profile_cell = |cell: &Benchmark| {
        profile_cell(results, dir, &exe, seconds, cell).map_err(|e| {
            errln!("perflab: warning: no profile of {}: {e:#}", cell.name.id);
            format!("{e:#}")
        })
    };
    Ok(after_run::profile_run(
        results,
        dir,
        seconds,
        &mut profile_cell,
    )?)
}

/// Profiles one cell with `perflab flame` in a child process whose global allocator is the
/// cell's, and reads back its folded stacks.
fn profile_cell(
    results: &Results,
    dir: &Path,
    exe: &Path,
    seconds: f64,
    cell: &Benchmark,
) -> Result<(Folded, CellFlame)> {
    let (svg, folded) = after_run::cell_files(cell);
    errln!("perflab: profiling {} for {seconds} s", cell.name.id);
    let mut cmd = Command::new(exe);
    cmd.arg("flame")
        .args([
            "--workload",
            &cell.name.workload,
            "--variant",
            &cell.name.variant,
        ])
        .args(["--allocator", &cell.name.allocator])
        .args(["--seconds", &seconds.to_string()])
        .args(["--seed", &results.config.seed.to_string()])
        .arg("--output")
        .arg(dir.join(&svg))
        .env(perflab_alloc::ENV_VAR, &cell.name.allocator)
        .env("RUST_BACKTRACE", "0");
    match &results.config.input {
        Some(path) => cmd.arg("--input").arg(PathBuf::from(path)),
        None => cmd.args(["--size", &cell.name.size]),
    };
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        bail!("perflab flame exited with {}: {last}", out.status);
    }
    let stacks = Folded::read(&dir.join(&folded))?;
    let samples = stacks.total();
    Ok((
        stacks,
        CellFlame {
            cell: cell.name.id.clone(),
            variant: cell.name.variant.clone(),
            svg,
            folded,
            samples,
        },
    ))
}
