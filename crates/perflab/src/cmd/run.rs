//! `perflab run`: verify and measure the matrix, saving results as they come.
//!
//! The parent plans the groups and hands them to the harness's engine, which starts peer
//! processes (this same binary in its hidden `__peer` mode; for `--compare-with`, the other build
//! too) per group and saves `results.json` after every group. `--resume DIR` measures again
//! every group that has a cell missing from `DIR/results.json`.

use crate::app::{ALLOCATOR_LINE, Outcome, Session};
use anyhow::{Context, Result, bail};
use clap::ValueEnum as _;
use indicatif::{ProgressBar, ProgressStyle};
use perflab_core::VariantKind;
use perflab_harness::clock::Clock;
use perflab_harness::engine::{Engine, Launch, Mode, Pinning, Progress, Sink};
use perflab_harness::plan::{self, Group, Preset, Selection};
use perflab_harness::results::{Benchmark, CellStatus, Results, RunConfig};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Arguments of `perflab run`.
#[derive(clap::Args)]
pub struct Args {
    /// Only these workloads (repeatable).
    #[arg(long = "workload", short = 'w', value_name = "W")]
    workloads: Vec<String>,
    /// Only these variants (repeatable); naive is always measured as the baseline.
    #[arg(long = "variant", value_name = "V")]
    variants: Vec<String>,
    /// Only these kinds (repeatable): naive, optimized, simd, arena, reference.
    #[arg(long = "kind", value_name = "K")]
    kinds: Vec<VariantKind>,
    /// Only these allocators (repeatable): system, jemalloc, mimalloc.
    #[arg(long = "allocator", value_name = "A")]
    allocators: Vec<String>,
    /// Generated input sizes (repeatable), e.g. 64KiB. Default: the preset's sizes.
    #[arg(long = "size", value_name = "S", value_parser = super::parse_size_arg)]
    sizes: Vec<usize>,
    /// Measure on this file instead of generated input.
    #[arg(long, value_name = "FILE", conflicts_with = "sizes")]
    input: Option<PathBuf>,
    /// Thread counts to measure every cell at, e.g. `1,2` or `1,max` (`max`: this machine's
    /// available parallelism; more threads than CPUs are allowed, to show oversubscription).
    /// One thread is always measured: it is every scaling figure's baseline. Default: the
    /// preset's (quick: 1 and max(2, cores) at 64KiB and 1MiB; ci: 1; full: 1, 2, cores and
    /// twice the cores at every size).
    #[arg(
        long,
        value_name = "N,...",
        value_delimiter = ',',
        value_parser = parse_threads_arg
    )]
    threads: Vec<usize>,
    /// quick (default: the whole matrix in about two minutes), ci, or full.
    #[arg(long, value_enum)]
    preset: Option<PresetArg>,
    /// Time budget for the whole run, seconds; each group gets an equal share.
    #[arg(long, value_name = "SECS", value_parser = super::parse_seconds)]
    budget: Option<f64>,
    /// What to measure: time (default) or instructions (callgrind).
    #[arg(long, value_enum)]
    measure: Option<MeasureArg>,
    /// Measure only shard I of N (deterministic), e.g. 1/4; join shards with `perflab merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard_arg)]
    shard: Option<(usize, usize)>,
    /// Output directory.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "reports/latest",
        conflicts_with = "resume"
    )]
    out: PathBuf,
    /// Continue an interrupted run in DIR: the run recorded in DIR/results.json (its workloads,
    /// variants, kinds, allocators, sizes, input, preset, seed, measure and shard), measuring only
    /// the groups with a cell missing. A filter given again must agree with the recorded one.
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// Seed of the generated inputs (default: perflab's fixed seed).
    #[arg(long)]
    seed: Option<u64>,
    /// A/B run: measure this build (head) and the perflab binary at PATH (base) in lock step,
    /// sample by sample; writes results.json (head) and base.json, prints the comparison and
    /// exits 1 on a regression.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["resume", "measure"])]
    compare_with: Option<PathBuf>,
    /// Regression threshold of an A/B run, percent: a cell regressed when its whole 95%
    /// interval lies above it. 2% was chosen from A/A and 5%-slowdown runs on a shared 2-core
    /// host (METHODOLOGY.md §7); separate runs compared with `perflab compare` need 5%.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = perflab_harness::compare::PAIRED_TIME_THRESHOLD * 100.0,
        requires = "compare_with",
        value_parser = super::parse_percent
    )]
    threshold: f64,
    /// The CPU the measuring processes run on (`auto`: each replica on its own CPU, the last
    /// first; `N`: all on CPU N; `off`: let the scheduler place them). The processes whose samples
    /// are compared are always on one CPU: pinning removes a bias between processes that unpinned
    /// A/A runs showed (METHODOLOGY.md §7).
    #[arg(long, value_name = "CPU", default_value = "auto")]
    pin_cpu: Pinning,
    /// Time samples by the measuring thread's CPU time (`cpu`, robust to preemption on a loaded
    /// machine) or by elapsed time (`wall`). See METHODOLOGY.md §4.
    #[arg(long, value_enum, default_value = "cpu")]
    clock: ClockArg,
    /// Independent processes per cell (default: the preset's, 2 or 3). Each is a fresh draw of
    /// address-space layout; a cell's interval includes the variation between them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    processes: Option<u16>,
    /// Groups sampled side by side, their rounds interleaved (default: the preset's, 8). Each
    /// group's samples are spread over the time the window takes; a group is saved when it is
    /// done, so a larger window spreads samples wider but saves later.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    window: Option<u16>,
    /// After measuring, profile each workload's naive variant and its fastest cell at the
    /// largest size measured (pprof samples, under the fastest cell's allocator), and write
    /// their flamegraphs, folded stacks and a differential flamegraph of the two to DIR/flame/;
    /// the report shows them in each workload's section. On by default with `--preset full`.
    #[arg(long, overrides_with = "no_flame", conflicts_with = "compare_with")]
    flame: bool,
    /// No profiles, even with `--preset full`.
    #[arg(long, overrides_with = "flame")]
    no_flame: bool,
    /// How long each profiled cell runs under the sampler, seconds.
    #[arg(long, value_name = "N", default_value_t = 3.0, value_parser = super::parse_seconds)]
    flame_seconds: f64,
    /// Seconds a measuring process may go without answering (one sample, one variant's
    /// verification or warm-up, one counting pass) before it is killed: the cell it ran fails
    /// with "did not return within N s" and the run goes on without it. Default: five times a
    /// group's sampling budget, at least 30 (instructions: twenty times that, as callgrind runs
    /// code 20-100 times slower).
    #[arg(long, value_name = "SECS", value_parser = super::parse_seconds)]
    timeout: Option<f64>,
    /// A/B runs: do not re-measure a group that shows a change beyond the threshold with fresh
    /// processes (by default up to two more attempts, and a cell is reported only when every
    /// attempt's interval lies beyond the threshold; see METHODOLOGY.md §7).
    #[arg(long, requires = "compare_with")]
    no_confirm: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ClockArg {
    Wall,
    Cpu,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PresetArg {
    Quick,
    Ci,
    Full,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MeasureArg {
    Time,
    Instructions,
}

fn parse_shard_arg(text: &str) -> Result<(usize, usize), String> {
    plan::parse_shard(text).map_err(|e| e.to_string())
}

/// The most threads `--threads` accepts: a cell at N threads holds N copies of its input.
const MAX_THREADS: usize = 256;

/// How many times the default time limit a cell gets under callgrind, which runs code 20 to 100
/// times slower than the CPU does.
const CALLGRIND_SLOWDOWN: u32 = 20;

/// Parses one `--threads` value for clap: a count from 1 to [`MAX_THREADS`], or `max`.
pub fn parse_threads_arg(text: &str) -> Result<usize, String> {
    match text.trim() {
        "max" => Ok(available_threads()),
        n => match n.parse::<usize>() {
            Ok(t) if (1..=MAX_THREADS).contains(&t) => Ok(t),
            _ => Err(format!(
                "malformed thread count `{text}` (expected 1 to {MAX_THREADS}, or `max`)"
            )),
        },
    }
}

/// How many threads this process can run at once (its CPU set): what `max` means.
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs the matrix.
pub fn run(mut args: Args, session: &Session) -> Result<Outcome> {
    // A resumed run is the recorded run: read it before anything is created, so a missing
    // directory is an error that leaves nothing behind.
    let resumed = match args.resume.clone() {
        Some(dir) => {
            let old = Results::read(&dir.join("results.json"))?;
            adopt_recorded(&mut args, &dir, &old.config)?;
            Some(old)
        }
        None => None,
    };
    let measure = args.measure.unwrap_or(MeasureArg::Time);
    let seed = args.seed.unwrap_or(perflab_core::DEFAULT_SEED);
    if args.flame && measure == MeasureArg::Instructions {
        bail!("--flame profiles timed runs; it cannot be used with --measure instructions");
    }
    if args.threads.iter().any(|&t| t > 1) && measure == MeasureArg::Instructions {
        bail!(
            "--threads measures time on several threads at once; instruction counts are of one thread (valgrind runs one thread at a time)"
        );
    }
    let valgrind = match measure {
        MeasureArg::Time => None,
        MeasureArg::Instructions => Some(
            perflab_harness::engine::instructions::find_valgrind().context(
                "--measure instructions needs valgrind on the PATH (Debian: apt-get install valgrind)",
            )?,
        ),
    };
    let preset = match args.preset.unwrap_or(PresetArg::Quick) {
        PresetArg::Quick => Preset::Quick,
        PresetArg::Ci => Preset::Ci,
        PresetArg::Full => Preset::Full,
    };
    let registry = &session.registry;
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
    let sizes = if args.sizes.is_empty() && valgrind.is_some() {
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
    } else if valgrind.is_some() {
        (Vec::new(), None)
    } else {
        preset.threads(available_threads())
    };
    let selection = Selection {
        workloads,
        variants: args.variants.clone(),
        kinds: args.kinds.clone(),
        allocators: args.allocators.clone(),
        sizes: sizes.clone(),
        file_input: args.input.is_some(),
        shard: args.shard,
        threads: threads.clone(),
        threaded_sizes: threaded_sizes.clone(),
    };
    let mut groups = plan::plan(registry, &selection)?;
    check_allocators(session, &groups)?;

    let mut settings = preset.settings();
    if let Some(n) = args.processes {
        settings.processes = usize::from(n);
    }
    if let Some(n) = args.window {
        settings.window = usize::from(n);
    }
    if let Some(budget) = args.budget {
        let share = Duration::from_secs_f64(budget / groups.len().max(1) as f64);
        // Verification, warm-up and calibration also take time: give sampling two thirds.
        settings.group_budget = settings.group_budget.min(share.mul_f64(2.0 / 3.0));
        settings.warmup = settings.warmup.min(share / 6 / 16);
    }

    let out_dir = args.resume.clone().unwrap_or_else(|| args.out.clone());
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create output directory {}", out_dir.display()))?;
    // One run per directory at a time: two would each rewrite results.json with only their own
    // cells. Held until this process ends, however it ends (the kernel drops the lock).
    let _lock = lock_dir(&out_dir)?;
    if resumed.is_none() {
        // Profiles of an earlier run into this directory are of other numbers.
        super::profiles::remove_stale(&out_dir)?;
    }
    // `--preset full` profiles by default, except where there is no timed run to profile.
    let flame = !args.no_flame && (args.flame || preset == Preset::Full) && valgrind.is_none();
    // Ctrl-C or SIGTERM (even when inherited as ignored, as a background job's SIGINT is) ends
    // the run at once: every finished group is already saved, and the peers die with us.
    exit_on_interrupt();
    let results_path = out_dir.join("results.json");

    let allocators: Vec<String> = groups
        .first()
        .map(|g| g.allocators.clone())
        .unwrap_or_default();
    let config = RunConfig {
        preset: preset.as_str().to_owned(),
        measure: if valgrind.is_some() {
            "instructions"
        } else {
            "time"
        }
        .to_owned(),
        workloads: args.workloads.clone(),
        variants: args.variants.clone(),
        kinds: args.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        allocators,
        sizes: if args.input.is_some() {
            vec![]
        } else {
            sizes.iter().map(|&s| s as u64).collect()
        },
        input: args.input.as_ref().map(|p| p.display().to_string()),
        seed,
        shard: args.shard.map(|(i, n)| format!("{i}/{n}")),
        budget_s: args.budget,
        sample_target_ns: settings.sample_target.as_nanos() as u64,
        warmup_ns: settings.warmup.as_nanos() as u64,
        min_samples: settings.min_rounds,
        max_samples: settings.max_rounds,
        threads: args.threads.iter().map(|&t| t as u64).collect(),
        threaded: (args.threads.is_empty() && threads.iter().any(|&t| t > 1)).then(|| {
            perflab_harness::results::ThreadedPlan {
                threads: threads.iter().map(|&t| t as u64).collect(),
                sizes: threaded_sizes
                    .unwrap_or_default()
                    .iter()
                    .map(|&s| s as u64)
                    .collect(),
            }
        }),
        ..RunConfig::default()
    };
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
        None => Results::new(environment(), config),
    };

    let cells: usize = groups.iter().map(|g| g.cell_ids().len()).sum();
    errln!(
        "perflab: measuring {cells} cells in {} groups ({} preset) → {}",
        groups.len(),
        preset.as_str(),
        results_path.display()
    );
    let started = Instant::now();
    let progress = Reporter::new(groups.len());
    let exe = std::env::current_exe().context("cannot find the perflab executable")?;
    // A peer's stderr tail becomes a crashed cell's error: one line. Its panics are one line by
    // the hook in main; RUST_BACKTRACE=0 keeps an out-of-memory abort from adding a backtrace.
    let peer = |exe: PathBuf| Launch::Process {
        exe,
        args: vec!["__peer".into()],
        env: vec![("RUST_BACKTRACE".into(), "0".into())],
    };
    let mode = match (&valgrind, &args.compare_with) {
        (Some(v), _) => Mode::Instructions {
            valgrind: v.clone(),
        },
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
    let engine = Engine {
        head: peer(exe),
        mode,
        settings,
        seed,
        input: args.input.clone(),
        cpus: args.pin_cpu.resolve()?,
        clock: match args.clock {
            ClockArg::Wall => Clock::Wall,
            ClockArg::Cpu => Clock::Cpu,
        },
        layout_seed: fresh_seed(),
        time_limit: Some(match args.timeout {
            Some(secs) => Duration::from_secs_f64(secs),
            None if valgrind.is_some() => settings.time_limit() * CALLGRIND_SLOWDOWN,
            None => settings.time_limit(),
        }),
    };
    if args.compare_with.is_some() {
        return run_ab(&args, &engine, &groups, results, &out_dir, progress);
    }
    let mut progress = progress;
    engine.run(
        &groups,
        Sink {
            results: &mut results,
            path: &results_path,
        },
        None,
        &mut progress,
    )?;
    progress.finish();

    if valgrind.is_some() {
        print_instructions(&results);
        errln!(
            "perflab: {} cells counted in {:.0?} → {}",
            results.benchmarks.len(),
            started.elapsed(),
            results_path.display()
        );
        return Ok(failed_cells(&results));
    }
    print_summary(&results);
    let page = out_dir.join("index.html");
    perflab_report::write_report(&results_path, None, &page)?;
    if flame {
        // The page is written first: an interrupted profile still leaves the report.
        let index = super::profiles::profile_run(&results, &out_dir, args.flame_seconds)?;
        perflab_report::write_report(&results_path, None, &page)?;
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
    Ok(failed_cells(&results))
}

/// Exit code 1 when a cell failed (a wrong answer, a panic, a crash: unsupported is not a
/// failure), naming the failed cells, so a script or CI job sees it.
fn failed_cells(results: &Results) -> Outcome {
    let failed: Vec<&str> = results
        .benchmarks
        .iter()
        .filter(|b| b.status == CellStatus::Failed)
        .map(|b| b.id.as_str())
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

/// Takes the lock of an output directory: `DIR/.perflab.lock`, an advisory lock the kernel
/// releases when this process ends, however it ends, with this process's id in the file so the
/// second run can say who holds it.
fn lock_dir(dir: &Path) -> Result<std::fs::File> {
    use std::io::{Read as _, Seek as _, Write as _};
    let path = dir.join(".perflab.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let holder = match text.trim() {
                "" => "another process".to_owned(),
                pid => format!("pid {pid}"),
            };
            bail!(
                "{} is in use by another perflab run ({holder}); wait for it to end or choose another --out",
                dir.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    // Best effort: the pid is only for the message above.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    Ok(file)
}

/// On SIGINT or SIGTERM, ends the process with the conventional status 130. The handler replaces
/// whatever disposition was inherited (a background job's SIGINT is ignored), so `kill -INT`
/// always stops a run; results are saved after every group, so nothing finished is lost.
fn exit_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        errln!("perflab: interrupted; every finished group is saved");
        std::process::exit(130);
    });
    if let Err(e) = installed {
        errln!("perflab: warning: Ctrl-C will not stop cleanly: {e}");
    }
}

/// How a value is spelled on the command line.
fn value_name(v: impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_owned())
}

/// Makes `args` the run recorded in `dir` (`config` of its results.json): what the user gave
/// again must agree with it, what they left out is taken from it.
fn adopt_recorded(args: &mut Args, dir: &Path, recorded: &RunConfig) -> Result<()> {
    let file = dir.join("results.json");
    let conflict = |flag: &str, given: String, kept: String| -> anyhow::Error {
        anyhow::anyhow!(
            "{flag} {given} conflicts with the run being resumed ({kept} in {}); leave it out, or start a new run with --out",
            file.display()
        )
    };
    let show = |v: &[String]| {
        if v.is_empty() {
            "all".to_owned()
        } else {
            v.join(",")
        }
    };
    let same_set = |a: &[String], b: &[String]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort();
        a.dedup();
        b.sort();
        b.dedup();
        a == b
    };
    for (flag, given, kept) in [
        ("--workload", &mut args.workloads, &recorded.workloads),
        ("--variant", &mut args.variants, &recorded.variants),
        ("--allocator", &mut args.allocators, &recorded.allocators),
    ] {
        if !given.is_empty() && !same_set(given, kept) {
            return Err(conflict(flag, show(given), show(kept)));
        }
        given.clone_from(kept);
    }
    let kinds: Vec<String> = args.kinds.iter().map(|k| k.as_str().to_owned()).collect();
    if !kinds.is_empty() && !same_set(&kinds, &recorded.kinds) {
        return Err(conflict("--kind", show(&kinds), show(&recorded.kinds)));
    }
    args.kinds = recorded
        .kinds
        .iter()
        .map(|k| k.parse::<VariantKind>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("the kinds recorded in {}", file.display()))?;
    let recorded_input = recorded.input.as_ref().map(PathBuf::from);
    match (&args.input, &recorded_input) {
        (Some(given), kept) if Some(given) != kept.as_ref() => {
            return Err(conflict(
                "--input",
                given.display().to_string(),
                kept.as_ref()
                    .map_or("generated inputs".to_owned(), |p| p.display().to_string()),
            ));
        }
        _ => args.input = recorded_input,
    }
    let label = |s: &[u64]| {
        s.iter()
            .map(|&b| perflab_core::format_size(b as usize))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut given: Vec<u64> = args.sizes.iter().map(|&s| s as u64).collect();
    let mut kept = recorded.sizes.clone();
    given.sort_unstable();
    given.dedup();
    kept.sort_unstable();
    if !given.is_empty() && given != kept {
        return Err(conflict("--size", label(&given), label(&kept)));
    }
    args.sizes = recorded.sizes.iter().map(|&s| s as usize).collect();

    let preset = PresetArg::from_str(&recorded.preset, true).map_err(|_| {
        anyhow::anyhow!("unknown preset `{}` in {}", recorded.preset, file.display())
    })?;
    if let Some(given) = args.preset.filter(|&p| p != preset) {
        return Err(conflict(
            "--preset",
            value_name(given),
            format!("preset {}", value_name(preset)),
        ));
    }
    args.preset = Some(preset);
    if let Some(seed) = args.seed.filter(|&s| s != recorded.seed) {
        return Err(conflict(
            "--seed",
            seed.to_string(),
            format!("seed {}", recorded.seed),
        ));
    }
    args.seed = Some(recorded.seed);
    let measure = match recorded.measure.as_str() {
        "instructions" => MeasureArg::Instructions,
        _ => MeasureArg::Time,
    };
    if let Some(given) = args.measure.filter(|&m| m != measure) {
        return Err(conflict(
            "--measure",
            value_name(given),
            format!("measure {}", recorded.measure),
        ));
    }
    args.measure = Some(measure);
    let recorded_threads: Vec<usize> = recorded.threads.iter().map(|&t| t as usize).collect();
    let wanted = |t: &[usize]| {
        let mut t: Vec<usize> = t.iter().copied().chain([1]).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    if !args.threads.is_empty() && wanted(&args.threads) != wanted(&recorded_threads) {
        let show = |t: &[usize]| {
            t.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        return Err(conflict(
            "--threads",
            show(&args.threads),
            if recorded_threads.is_empty() {
                "the preset's thread counts".to_owned()
            } else {
                format!("threads {}", show(&recorded_threads))
            },
        ));
    }
    args.threads = recorded_threads;
    let shard = args.shard.map(|(i, n)| format!("{i}/{n}"));
    if shard.is_some() && shard != recorded.shard {
        return Err(conflict(
            "--shard",
            shard.unwrap_or_default(),
            recorded
                .shard
                .as_ref()
                .map_or("no shard".to_owned(), |s| format!("shard {s}")),
        ));
    }
    args.shard = match &recorded.shard {
        Some(s) => {
            Some(plan::parse_shard(s).with_context(|| format!("the shard in {}", file.display()))?)
        }
        None => None,
    };
    Ok(())
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

/// An A/B run of this build against the base build, in lock step.
fn run_ab(
    args: &Args,
    engine: &Engine,
    groups: &[Group],
    mut head: Results,
    out_dir: &std::path::Path,
    mut progress: Reporter,
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
        Sink {
            results: &mut head,
            path: &head_path,
        },
        Some(Sink {
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

/// Instructions per iteration, and per byte, of every counted cell.
fn print_instructions(results: &Results) {
    use perflab_harness::table::{Column, Table};
    let mut table = Table::new([
        Column::left("cell"),
        Column::right("instructions/iter"),
        Column::right("per byte"),
    ]);
    for b in &results.benchmarks {
        let Some(i) = b.instructions else { continue };
        let per_byte = i / b.size_bytes.max(1) as f64;
        table.push_row([b.id.clone(), format!("{i:.0}"), format!("{per_byte:.3}")]);
    }
    outln!("{}", table.terminal());
}

/// A progress bar on a terminal; one quiet line per group otherwise (CI logs).
struct Reporter {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
    /// When each group in the window started (groups are measured side by side).
    started: std::collections::HashMap<String, Instant>,
}

impl Reporter {
    fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} groups, {elapsed} elapsed, ~{eta} left  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Reporter {
            bar,
            total,
            done: 0,
            started: std::collections::HashMap::new(),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Reporter {
    fn group_started(&mut self, g: &Group) {
        self.started.insert(g.label(), Instant::now());
        if let Some(b) = &self.bar {
            b.set_message(format!("{} {}", g.workload, g.size));
        }
    }

    fn group_finished(&mut self, g: &Group, cells: &[Benchmark]) {
        self.done += 1;
        let failed = cells
            .iter()
            .filter(|c| c.status == CellStatus::Failed)
            .count();
        match &self.bar {
            Some(b) => {
                b.inc(1);
                for c in cells.iter().filter(|c| c.status == CellStatus::Failed) {
                    b.println(format!(
                        "failed: {}: {}",
                        c.id,
                        c.error.as_deref().unwrap_or("")
                    ));
                }
            }
            None => errln!(
                "[{}/{}] {} {} ({}): {} cells over {:.1?}{}",
                self.done,
                self.total,
                g.workload,
                g.size,
                g.allocators.join(", "),
                cells.len(),
                self.started
                    .remove(&g.label())
                    .map_or(Duration::ZERO, |t| t.elapsed()),
                if failed > 0 {
                    format!(", {failed} failed")
                } else {
                    String::new()
                }
            ),
        }
    }

    fn warn(&mut self, message: &str) {
        match &self.bar {
            Some(b) => b.println(format!("warning: {message}")),
            None => errln!("warning: {message}"),
        }
    }
}

/// Per workload and allocator: the variant with the best geometric-mean speed-up over naive;
/// then, for the variants that allocate, each allocator's time relative to system.
fn print_summary(results: &Results) {
    use perflab_harness::table::{Column, Table};
    let winners = perflab_harness::summary::winners(results);
    if winners.is_empty() {
        return;
    }
    let mut table = Table::new([
        Column::left("workload"),
        Column::left("allocator"),
        Column::left("fastest"),
        Column::right("vs naive"),
        Column::right("sizes"),
    ]);
    for w in winners {
        let speedup = format!("{:.2}×", w.speedup);
        table.push_row([
            w.workload,
            w.allocator,
            w.variant,
            speedup,
            w.sizes.to_string(),
        ]);
    }
    outln!("{}", table.terminal());
    let rows = perflab_harness::summary::allocator_ratios(results);
    if rows.iter().any(|r| !r.ratios.is_empty()) {
        outln!(
            "\ntime relative to system (paired within rounds; median [95% interval]), for variants that allocate (largest size):"
        );
        // A column per allocator compared with system, in the order the results have them.
        let mut allocators: Vec<&str> = Vec::new();
        for (a, _) in rows.iter().flat_map(|r| &r.ratios) {
            if !allocators.contains(&a.as_str()) {
                allocators.push(a);
            }
        }
        let mut table = Table::new(
            [
                Column::left("workload"),
                Column::left("variant"),
                Column::right("size"),
                Column::right("allocs/iter"),
            ]
            .into_iter()
            .chain(allocators.iter().map(|&a| Column::right(a))),
        );
        for r in &rows {
            let ratio =
                |a: &str| estimate(r.ratios.iter().find(|(name, _)| name == a).map(|(_, e)| *e));
            let mut cells = vec![
                r.workload.clone(),
                r.variant.clone(),
                r.size.clone(),
                format!("{:.1}", r.allocs_per_iter),
            ];
            cells.extend(allocators.iter().map(|&a| ratio(a)));
            table.push_row(cells);
        }
        outln!("{}", table.terminal());
    }
    print_threads(results);
    for c in results
        .allocator_control
        .iter()
        .chain(&results.allocator_control_threaded)
    {
        outln!(
            "{}negative control{}: {} of {} cells that make no allocation show an allocator effect beyond {}%{}",
            if c.threads == 1 { "\n" } else { "" },
            if c.threads == 1 {
                String::new()
            } else {
                format!(" at {} threads", c.threads)
            },
            c.beyond,
            c.cells,
            c.threshold * 100.0,
            if c.beyond > 0 {
                format!(" ({})", c.ids.join(", "))
            } else {
                String::new()
            }
        );
    }
}

/// A paired ratio as the closing tables print it: `0.93 [0.88, 0.97]`, or a dash.
fn estimate(e: Option<perflab_harness::stats::Estimate>) -> String {
    e.map_or_else(
        || "—".to_owned(),
        |e| format!("{:.2} [{:.2}, {:.2}]", e.median, e.ci95[0], e.ci95[1]),
    )
}

/// The threads view of each workload measured at more than one thread: for the variants that
/// allocate, throughput at one thread and at the most threads, scaling, the allocator ratio and
/// the memory taken from the OS; then which allocator wins there.
fn print_threads(results: &Results) {
    use perflab_harness::table::{Column, Table};
    use perflab_report::fmt;
    let views = perflab_harness::summary::threads_views(results);
    if views.is_empty() {
        return;
    }
    outln!(
        "\nthreads: N threads of one process run the variant at once, each on its own input; time is wall time per call; scaling = time at N ÷ time at 1 thread (1.00 = perfect); memory = peak RSS growth / peak live bytes, for variants that allocate:"
    );
    let mut table = Table::new([
        Column::left("workload"),
        Column::left("variant"),
        Column::left("allocator"),
        Column::right("size"),
        Column::right("threads"),
        Column::right("throughput"),
        Column::right("scaling"),
        Column::right("vs system"),
        Column::right("memory"),
    ]);
    for v in &views {
        for r in v.rows.iter().filter(|r| r.allocates) {
            let Some(top) = r.points.last().and_then(Option::as_ref) else {
                continue;
            };
            let one = r.points.first().and_then(Option::as_ref);
            let tput = |p: Option<&perflab_harness::summary::ThreadsPoint>| {
                p.and_then(|p| p.aggregate_throughput)
                    .map_or_else(|| "—".to_owned(), fmt::throughput)
            };
            let memory = match (top.rss_growth, top.peak_live) {
                (Some(rss), Some(live)) => {
                    format!("{} / {}", fmt::bytes(rss as f64), fmt::bytes(live as f64))
                }
                (Some(rss), None) => fmt::bytes(rss as f64),
                _ => "—".to_owned(),
            };
            table.push_row([
                v.workload.clone(),
                r.variant.clone(),
                r.allocator.clone(),
                v.size.clone(),
                format!("1 → {}", top.threads),
                format!("{} → {}", tput(one), tput(Some(top))),
                estimate(top.scaling),
                estimate(top.time_vs_system),
                memory,
            ]);
        }
    }
    if !table.is_empty() {
        outln!("{}", table.terminal());
    }
    for v in &views {
        if let Some(line) = perflab_report::threads_verdict(v) {
            outln!("{line}");
        }
    }
}
