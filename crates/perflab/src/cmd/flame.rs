//! `perflab flame`: from a slow cell to the function that costs the time, in one command.
//!
//! Runs one cell in the harness's loop for `--seconds`, under pprof's sampler (`sampling`, the
//! default) or with the kernels' puffin scopes on (`scopes`), and writes an inferno SVG plus the
//! folded stacks beside it (`.folded`, for other tools and for `--diff`). Prints where the time
//! went: the frames with the most self time.

use crate::cmd::{Outcome, Session};
use anyhow::{Context, Result, bail};
use perflab_profile::render::{self, Labels};
use perflab_profile::{Cell, Folded};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `perflab flame`.
#[derive(clap::Args)]
pub struct Args {
    /// The workload, e.g. wordfreq.
    #[arg(long, short = 'w', value_name = "W")]
    workload: String,
    /// The variant, e.g. naive.
    #[arg(long, value_name = "V")]
    variant: String,
    /// The allocator to run under: system, jemalloc or mimalloc. Default: this process's
    /// (PERFLAB_ALLOCATOR, else system).
    #[arg(long, value_name = "A")]
    allocator: Option<perflab_alloc::Allocator>,
    /// Generated input size, e.g. 1MiB.
    #[arg(long, value_name = "S", default_value = "1MiB", value_parser = super::parse_size_arg)]
    size: usize,
    /// Profile on this file (your own data) instead of generated input; the cell is named
    /// `…/file`, as `run --input` names it.
    #[arg(long, value_name = "FILE", conflicts_with = "size")]
    input: Option<PathBuf>,
    /// How long to run the cell, seconds.
    #[arg(long, value_name = "N", default_value_t = 5.0, value_parser = super::parse_seconds)]
    seconds: f64,
    #[command(flatten)]
    timeout: super::InProcessTimeout,
    /// Where stacks come from: sampled by pprof (every function) or the kernels' puffin scopes
    /// (the phases the kernel names, exactly timed).
    #[arg(long, value_enum, default_value = "sampling")]
    source: Source,
    /// The SVG to write; the folded stacks go beside it (same name, `.folded`; given a
    /// `.folded` name, the SVG goes beside it as `.svg`). Default:
    /// profiles/<workload>-<variant>-<allocator>-<size>[-<N>t][-scopes].svg
    #[arg(short = 'o', long = "output", value_name = "FILE.svg")]
    output: Option<PathBuf>,
    /// Render a differential flamegraph against these folded stacks (an earlier `.folded`):
    /// red frames grew, blue shrank.
    #[arg(long, value_name = "BASE.folded")]
    diff: Option<PathBuf>,
    /// Seed of the generated input.
    #[arg(long, default_value_t = perflab_core::DEFAULT_SEED)]
    seed: u64,
    /// Run the cell on N threads at once, as `run --threads` measures it (each thread on its own
    /// copy of the input); the profile covers every thread.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = super::run::parse_threads_arg)]
    threads: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Source {
    Sampling,
    Scopes,
}

/// Profiles one cell and writes its flamegraph and folded stacks.
pub fn run(args: Args, session: &Session) -> Result<Outcome> {
    let current = perflab_alloc::selection()?;
    if let Some(wanted) = args.allocator.filter(|&a| a != current) {
        // The global allocator is fixed when the process starts: run again under the one asked.
        return rerun_under(wanted);
    }
    // Read the base first: a bad --diff file should not cost a whole profile.
    let base = args
        .diff
        .as_deref()
        .map(Folded::read)
        .transpose()
        .context("--diff")?;
    // Profile what `run` times: allocations uncounted (counting costs ~6 ns a pair, which would
    // show up as perflab-alloc frames that the measured samples never paid for).
    perflab_alloc::set_counting(false);
    let source = match &args.input {
        Some(path) => perflab_core::InputSource::from_file(path)?,
        None => perflab_core::InputSource::Generated {
            size: args.size,
            seed: args.seed,
        },
    };
    let limit = args.timeout.limit();
    let what = format!("`{}/{}`", args.workload, args.variant);
    let verifying = super::Watchdog::arm(what.clone(), limit);
    let mut cell = Cell::prepare_on(&session.registry, &args.workload, &args.variant, &source)?
        .on_threads(&session.registry, &source, args.threads)?;
    drop(verifying);
    let duration = Duration::from_secs_f64(args.seconds);
    // The results file's cell id (workload/variant/allocator/size), so a slow cell in a report
    // and its flamegraph share a name.
    let id = perflab_harness::results::cell_id(
        cell.workload(),
        cell.variant(),
        current.name(),
        cell.size_label(),
        cell.threads(),
    );
    let (svg, folded_path) = output_paths(&args, &id)?;

    errln!(
        "perflab: profiling {id} for {}s ({})",
        args.seconds,
        match args.source {
            Source::Sampling => "pprof sampling",
            Source::Scopes => "puffin scopes",
        }
    );
    // The profile runs the kernel for `--seconds`, in batches of about a millisecond: one call
    // that never returns overruns that by the limit.
    let _profiling = super::Watchdog::arm(what, duration + limit);
    let (folded, labels) = record(&args, &mut cell, duration, &id)?;
    folded.write(&folded_path)?;
    match &base {
        Some(base) => render::write_diff_svg(&labels, base, &folded, &svg)?,
        None => render::write_svg(&labels, &folded, &svg)?,
    }
    print_summary(&folded, &labels.count_name, &svg, &folded_path);
    Ok(Outcome::Success)
}

/// Where the profile goes: the SVG (`-o`, or `profiles/` named by the cell id) and its folded
/// stacks beside it. A `-o x.folded` names the stacks, so the SVG goes beside them rather than
/// over them; and the stacks must not overwrite the `--diff` base they are compared with.
fn output_paths(args: &Args, id: &str) -> Result<(PathBuf, PathBuf)> {
    let svg = args.output.clone().unwrap_or_else(|| {
        let suffix = if args.source == Source::Scopes {
            "-scopes"
        } else {
            ""
        };
        PathBuf::from("profiles").join(format!("{}{suffix}.svg", id.replace('/', "-")))
    });
    // `-o x.folded` names the stacks: the SVG goes beside them rather than over them.
    let svg = if svg.extension().is_some_and(|e| e == "folded") {
        svg.with_extension("svg")
    } else {
        svg
    };
    let folded_path = svg.with_extension("folded");
    if args.diff.as_deref() == Some(folded_path.as_path()) {
        bail!(
            "--diff {} would be overwritten by this profile's stacks; copy it first or choose another -o",
            folded_path.display()
        );
    }

    Ok((svg, folded_path))
}

/// Runs the cell for `duration` under the chosen source of stacks.
fn record(args: &Args, cell: &mut Cell, duration: Duration, id: &str) -> Result<(Folded, Labels)> {
    Ok(match args.source {
        Source::Sampling => sample(cell, duration, id)?,
        Source::Scopes => {
            let folder = perflab_profile::scopes::record_cell(cell, duration)?;
            let labels = Labels {
                title: format!("{id} (puffin scopes, self time)"),
                subtitle: Some(format!(
                    "{} frames in {}s; widths are nanoseconds of self time",
                    folder.frames(),
                    args.seconds
                )),
                count_name: "ns".into(),
            };
            (folder.into_folded(), labels)
        }
    })
}

#[cfg(unix)]
fn sample(cell: &mut Cell, duration: Duration, id: &str) -> Result<(Folded, Labels)> {
    let folded = perflab_profile::sampling::sample_cell(cell, duration)?;
    let labels = Labels {
        title: format!(
            "{id} (pprof {} Hz)",
            perflab_profile::sampling::FREQUENCY_HZ
        ),
        subtitle: Some(format!(
            "{} samples; harness frames above the timed loop are folded into the root",
            folded.total()
        )),
        count_name: "samples".into(),
    };
    Ok((folded, labels))
}

#[cfg(not(unix))]
fn sample(_: &mut Cell, _: Duration, _: &str) -> Result<(Folded, Labels)> {
    bail!("--source sampling needs a Unix (SIGPROF); use --source scopes")
}

/// Re-runs this same command in a child whose global allocator is `allocator`, and exits with
/// its status.
fn rerun_under(allocator: perflab_alloc::Allocator) -> Result<Outcome> {
    let exe = std::env::current_exe().context("cannot find this perflab's executable")?;
    let status = std::process::Command::new(&exe)
        .args(std::env::args_os().skip(1))
        .env(perflab_alloc::ENV_VAR, allocator.name())
        .status()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    // The child printed its own results or error; pass its exit code on.
    std::process::exit(status.code().unwrap_or(2));
}

fn print_summary(folded: &Folded, unit: &str, svg: &Path, folded_path: &Path) {
    let total = folded.total();
    outln!("flamegraph: {}", svg.display());
    outln!("folded:     {} ({total} {unit})", folded_path.display());
    if total == 0 {
        outln!("no samples: run longer (--seconds) or on a larger --size");
        return;
    }
    outln!("most self {unit}:");
    for (frame, count) in folded.top_self(5) {
        outln!(
            "  {:>5.1}%  {}",
            100.0 * count as f64 / total as f64,
            shorten(&frame, 110)
        );
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(max - 1).collect();
    s.push('…');
    s
}
