//! `perflab run`: verify and measure the matrix, saving results as they come.
//!
//! The parent plans the groups and hands them to the harness's engine, which starts peer
//! processes (this same binary in its hidden `__peer` mode; for `--compare-with`, the other build
//! too) per group and saves `results.json` after every group. `--resume DIR` measures again
//! every group that has a cell missing from `DIR/results.json`.

mod ab;
mod args;
mod outdir;
mod print;
mod progress;
mod resume;

pub use args::{Args, available_threads, parse_threads_arg};

use ab::run_ab;
use args::CALLGRIND_SLOWDOWN;
use outdir::{claim_out_dir, exit_on_interrupt};
use print::{print_instructions, print_summary};
use progress::RunProgress;
use resume::adopt_recorded;

use crate::cmd::{ALLOCATOR_LINE, Outcome, Session};
use anyhow::{Context, Result, bail};
use perflab_harness::engine::{Engine, Launch, Mode, ResultsFile};
use perflab_harness::plan::{self, Group, Measure, Preset, Selection};
use perflab_harness::results::{CellStatus, Results, RunConfig};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs the matrix.
pub fn run(mut args: Args, session: &Session) -> Result<Outcome> {
    // A resumed run is the recorded run: read it before anything is created, so a missing
    // directory is an error that leaves nothing behind.
    let resumed = read_resumed(&mut args)?;
    let valgrind = valgrind_for(&args)?;
    let preset = args.preset.unwrap_or_default();
    let registry = &session.registry;
    let workloads = input_workloads(registry, &args)?;
    let selection = selection(&args, preset, valgrind.is_some(), workloads);
    let mut groups = plan::plan(registry, &selection)?;
    check_allocators(session, &groups)?;
    let settings = settings_for(preset, &args, groups.len());

    let out_dir = args.resume.clone().unwrap_or_else(|| args.out.clone());
    let _lock = claim_out_dir(&out_dir, resumed.is_some())?;
    // `--preset full` profiles by default, except where there is no timed run to profile.
    let flame = !args.no_flame && (args.flame || preset == Preset::Full) && valgrind.is_none();
    let profile_seconds = flame.then_some(args.flame_seconds);
    // Ctrl-C or SIGTERM (even when inherited as ignored, as a background job's SIGINT is) ends
    // the run at once: every finished group is already saved, and the peers die with us.
    exit_on_interrupt();
    let results_path = out_dir.join("results.json");

    let mut results = match resumed {
        Some(old) => {
            // A group is measured whole (every comparison in it is paired within rounds), so
            // every group with a cell missing is measured again.
            let have = old.index();
            groups.retain(|g| {
                g.cell_ids()
                    .iter()
                    .any(|id| !have.contains_key(id.as_str()))
            });
            old
        }
        None => {
            let config = run_config(&args, preset, &selection, &groups, &settings);
            Results::new(environment(), config)
        }
    };

    let cells: usize = groups.iter().map(|g| g.cell_ids().len()).sum();
    errln!(
        "perflab: measuring {cells} cells in {} groups ({} preset) → {}",
        groups.len(),
        preset.as_str(),
        results_path.display()
    );
    let started = Instant::now();
    let mut progress = RunProgress::new(groups.len());
    let engine = engine_for(&args, settings, valgrind)?;
    if args.compare_with.is_some() {
        return run_ab(&args, &engine, &groups, results, &out_dir, progress);
    }
    engine.run(
        &groups,
        ResultsFile {
            results: &mut results,
            path: &results_path,
        },
        None,
        &mut progress,
    )?;
    progress.finish();
    if matches!(engine.mode, Mode::Instructions { .. }) {
        print_instructions(&results);
        errln!(
            "perflab: {} cells counted in {:.0?} → {}",
            results.benchmarks.len(),
            started.elapsed(),
            results_path.display()
        );
        return Ok(failed_cells(&results));
    }
    report_timed(&results, &out_dir, profile_seconds, started)
}

/// What a timed run leaves besides results.json: the summary on the terminal, the HTML report,
/// the profiles after the run (`profile_seconds`, with `--flame`), and a closing line.
fn report_timed(
    results: &Results,
    out_dir: &Path,
    profile_seconds: Option<f64>,
    started: Instant,
) -> Result<Outcome> {
    let results_path = out_dir.join("results.json");
    print_summary(results);
    let page = out_dir.join("index.html");
    // From the results in memory, which results.json holds too: not read back.
    perflab_report::write_report_of(results, None, &page)?;
    if let Some(seconds) = profile_seconds {
        // The page is written first: an interrupted profile still leaves the report.
        profile_after(results, out_dir, &page, seconds)?;
    }
    let failed = results
        .benchmarks
        .iter()
        .filter(|b| b.status == CellStatus::Failed)
        .count();
    errln!(
        "perflab: {} cells in {:.0?} ({failed} failed) → {} and {}",
        results.benchmarks.len(),
        started.elapsed(),
        results_path.display(),
        page.display()
    );
    Ok(failed_cells(results))
}

/// With `--resume DIR`: the results of the run in DIR, whose recorded configuration `args`
/// then takes on (see [`adopt_recorded`]).
fn read_resumed(args: &mut Args) -> Result<Option<Results>> {
    let Some(dir) = &args.resume else {
        return Ok(None);
    };
    let file = dir.join("results.json");
    let old = Results::read(&file)?;
    adopt_recorded(args, &old.config).map_err(|c| c.in_file(&file))?;
    Ok(Some(old))
}

/// Valgrind's path when the run counts instructions, after refusing what cannot be counted:
/// profiles are of timed runs, and callgrind runs one thread at a time.
fn valgrind_for(args: &Args) -> Result<Option<PathBuf>> {
    if args.measure != Some(Measure::Instructions) {
        return Ok(None);
    }
    if args.flame {
        bail!("--flame profiles timed runs; it cannot be used with --measure instructions");
    }
    if args.threads.iter().any(|&t| t > 1) {
        bail!(
            "--threads measures time on several threads at once; instruction counts are of one thread (valgrind runs one thread at a time)"
        );
    }
    let valgrind = perflab_harness::engine::instructions::find_valgrind().context(
        "--measure instructions needs valgrind on the PATH (Debian: apt-get install valgrind)",
    )?;
    Ok(Some(valgrind))
}

/// The engine that measures this run: its peers (this binary in its hidden `__peer` mode, and
/// the base build's of an A/B run), what they measure, and the limits they run under.
fn engine_for(
    args: &Args,
    settings: perflab_harness::plan::Settings,
    valgrind: Option<PathBuf>,
) -> Result<Engine> {
    let exe = std::env::current_exe().context("cannot find the perflab executable")?;
    // A peer's stderr tail becomes a crashed cell's error: one line. Its panics are one line by
    // the hook in main; RUST_BACKTRACE=0 keeps an out-of-memory abort from adding a backtrace.
    let peer = |exe: PathBuf| Launch::Process {
        exe,
        args: vec!["__peer".into()],
        env: vec![("RUST_BACKTRACE".into(), "0".into())],
    };
    let time_limit = match args.timeout {
        Some(secs) => Duration::from_secs_f64(secs),
        None if valgrind.is_some() => settings.time_limit() * CALLGRIND_SLOWDOWN,
        None => settings.time_limit(),
    };
    let mode = match (valgrind, &args.compare_with) {
        (Some(valgrind), _) => Mode::Instructions { valgrind },
        (None, Some(base)) => {
            if !base.is_file() {
                bail!("cannot find the base build {}", base.display());
            }
            Mode::Ab {
                base: peer(base.clone()),
                confirm: (!args.no_confirm).then_some(args.threshold / 100.0),
            }
        }
        (None, None) => Mode::Time,
    };
    Ok(Engine {
        head: peer(exe),
        mode,
        settings,
        seed: args.seed(),
        input: args.input.clone(),
        cpus: args.pin_cpu.resolve()?,
        clock: args.clock,
        layout_seed: fresh_seed(),
        time_limit: Some(time_limit),
    })
}

/// The workloads to measure: those asked for, or with `--input` (which must be readable and not
/// empty, checked before any peer starts) every workload that can read a file.
fn input_workloads(registry: &perflab_core::Registry, args: &Args) -> Result<Vec<String>> {
    let mut workloads = args.workloads.clone();
    if let Some(path) = &args.input {
        // Fail before any peer starts: an unreadable or empty input is a usage error.
        let source = perflab_core::InputSource::from_file(path)?;
        if workloads.is_empty() {
            // A workload that reads no file (its input is not bytes) is left out unless asked
            // for by name: the file is for the others.
            let (takes, refuses): (Vec<_>, Vec<_>) = registry.workloads().iter().partition(|w| {
                !matches!(
                    w.prepare(&source),
                    Err(perflab_core::InputError::Unsupported { .. })
                )
            });
            if !refuses.is_empty() && !takes.is_empty() {
                let names: Vec<&str> = refuses.iter().map(|w| w.name()).collect();
                errln!(
                    "perflab: note: {} read(s) no input file; measuring the others",
                    names.join(", ")
                );
                workloads = takes.iter().map(|w| w.name().to_owned()).collect();
            }
        }
    }
    Ok(workloads)
}

/// What the run measures: the workloads, filters, sizes (the preset's, or one mid size for
/// instruction counts) and thread counts (explicit ones at every size, else the preset's; none
/// for instruction counts, which are of one thread).
fn selection(args: &Args, preset: Preset, instructions: bool, workloads: Vec<String>) -> Selection {
    let sizes = if args.sizes.is_empty() && instructions {
        // Instruction counts do not need several sizes to be trusted; one mid size keeps a
        // callgrind run of the whole catalogue to a few minutes.
        vec![64 << 10]
    } else if args.sizes.is_empty() {
        preset.sizes()
    } else {
        args.sizes.clone()
    };
    // Explicit thread counts apply at every size; otherwise the preset's (none for instruction
    // counts, which are of one thread).
    let (threads, threaded_sizes) = if !args.threads.is_empty() {
        (args.threads.clone(), None)
    } else if instructions {
        (Vec::new(), None)
    } else {
        preset.threads(available_threads())
    };
    Selection {
        workloads,
        variants: args.variants.clone(),
        kinds: args.kinds.clone(),
        allocators: args.allocators.clone(),
        sizes,
        file_input: args.input.is_some(),
        shard: args.shard,
        threads,
        threaded_sizes,
    }
}

/// The run's configuration as results files record it (what `--resume` reads back).
fn run_config(
    args: &Args,
    preset: Preset,
    selection: &Selection,
    groups: &[Group],
    settings: &perflab_harness::plan::Settings,
) -> RunConfig {
    let allocators: Vec<String> = groups
        .first()
        .map(|g| g.allocators.clone())
        .unwrap_or_default();
    let bytes = |v: &[usize]| v.iter().map(|&s| s as u64).collect::<Vec<u64>>();
    RunConfig {
        preset,
        measure: args.measure.unwrap_or_default(),
        workloads: args.workloads.clone(),
        variants: args.variants.clone(),
        kinds: args.kinds.clone(),
        allocators,
        sizes: if args.input.is_some() {
            vec![]
        } else {
            bytes(&selection.sizes)
        },
        input: args.input.as_ref().map(|p| p.display().to_string()),
        seed: args.seed(),
        shard: args.shard,
        budget_s: args.budget,
        sample_target_ns: settings.sample_target.as_nanos() as u64,
        warmup_ns: settings.warmup.as_nanos() as u64,
        min_samples: settings.min_rounds,
        max_samples: settings.max_rounds,
        threads: bytes(&args.threads),
        threaded: (args.threads.is_empty() && selection.threads.iter().any(|&t| t > 1)).then(
            || perflab_harness::results::ThreadedPlan {
                threads: bytes(&selection.threads),
                sizes: bytes(selection.threaded_sizes.as_deref().unwrap_or_default()),
            },
        ),
        ..RunConfig::default()
    }
}

/// The preset's settings with the user's `--processes`, `--window` and `--budget` applied
/// (a budget is shared equally by the `groups`).
fn settings_for(preset: Preset, args: &Args, groups: usize) -> perflab_harness::plan::Settings {
    let mut settings = preset.settings();
    if let Some(n) = args.processes {
        settings.processes = usize::from(n);
    }
    if let Some(n) = args.window {
        settings.window = usize::from(n);
    }
    if let Some(budget) = args.budget {
        let share = Duration::from_secs_f64(budget / groups.max(1) as f64);
        // Verification, warm-up and calibration also take time: give sampling two thirds.
        settings.group_budget = settings.group_budget.min(share.mul_f64(2.0 / 3.0));
        settings.warmup = settings.warmup.min(share / 6 / 16);
    }
    settings
}

/// Profiles each workload's naive variant and fastest cell after the run (`--flame`), renders
/// the report again with them, and prints each workload's sentence.
fn profile_after(results: &Results, out_dir: &Path, page: &Path, seconds: f64) -> Result<()> {
    let index = super::profiles::profile_run(results, out_dir, seconds)?;
    perflab_report::write_report_of(results, None, page)?;
    for w in &index.workloads {
        let sentence = w.sentence();
        if !sentence.is_empty() {
            outln!(
                "\n{} at {} ({}): {sentence}",
                w.workload,
                w.size,
                w.allocator
            );
        }
    }
    errln!(
        "perflab: profiles of {} workload(s) → {}",
        index.workloads.len(),
        out_dir.join("flame").display()
    );
    Ok(())
}

/// Exit code 1 when a cell failed (a wrong answer, a panic, a crash: unsupported is not a
/// failure), naming the failed cells, so a script or CI job sees it.
fn failed_cells(results: &Results) -> Outcome {
    let failed: Vec<&str> = results
        .benchmarks
        .iter()
        .filter(|b| b.status == CellStatus::Failed)
        .map(|b| b.name.id.as_str())
        .collect();
    if failed.is_empty() {
        return Outcome::Success;
    }
    const SHOWN: usize = 10;
    let mut names = failed[..failed.len().min(SHOWN)].join(", ");
    if failed.len() > SHOWN {
        names.push_str(&format!(", and {} more", failed.len() - SHOWN));
    }
    errln!(
        "perflab: {} cell(s) failed (see their errors in the report): {names}",
        failed.len()
    );
    Outcome::CheckFailed
}

/// Refuses allocators this binary cannot really run under: without `perflab::Allocator` as its
/// global allocator, a peer asked for jemalloc would run on whatever the binary links and its
/// cells would be labelled wrongly. Under system alone the times are right; allocations are
/// then not counted (null in the results, not zero), which a warning says.
fn check_allocators(session: &Session, groups: &[Group]) -> Result<()> {
    if session.allocator_installed {
        return Ok(());
    }
    let others: Vec<&str> = groups
        .iter()
        .flat_map(|g| g.allocators.iter().map(String::as_str))
        .filter(|&a| a != "system")
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !others.is_empty() {
        bail!(
            "cannot measure under {}: this binary's global allocator is not perflab's (add `{ALLOCATOR_LINE}` to its main.rs, or pass --allocator system)",
            others.join(" and ")
        );
    }
    errln!(
        "perflab: warning: this binary's global allocator is not perflab's: allocations are not counted (add `{ALLOCATOR_LINE}` to its main.rs)"
    );
    Ok(())
}

/// Where and with what this run measures, with the versions of the allocators this binary links.
fn environment() -> perflab_harness::results::Environment {
    let mut env = perflab_harness::env::capture();
    let v = perflab_alloc::versions();
    env.allocator_versions = Some(perflab_harness::results::AllocatorVersions {
        jemalloc: v.jemalloc,
        mimalloc: v.mimalloc,
        glibc: v.glibc,
    });
    env
}

/// A seed for this run's layouts: different every run (a run is a fresh draw of layouts, by
/// design), recorded in the results.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}
