//! `perflab`: the command line. Thin by design: it parses arguments, calls the library crates and
//! maps outcomes to exit codes (0 success, 1 the check failed, 2 bad usage or bad input).

mod cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// perflab: compare naive, optimized, SIMD and arena kernels honestly.
#[derive(Parser)]
#[command(name = "perflab", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List workloads and variants, and whether this CPU supports each.
    List(cmd::list::Args),
    /// Check every variant's output against naive's on the same input.
    Verify(cmd::verify::Args),
    /// Verify and measure the matrix (workload × variant × allocator × size).
    Run(Box<cmd::run::Args>),
    /// Compare two results files: what got slower or faster (exit 1 on a regression).
    Compare(cmd::compare::Args),
    /// Render the HTML report of a results file (optionally against a baseline).
    Report(cmd::report::Args),
    /// Join results files (e.g. the shards of a sharded run) into one.
    Merge(cmd::merge::Args),
    /// Convert results for other tools (Bencher Metric Format for bencher.dev).
    Export(cmd::export::Args),
    /// Flamegraph of one cell: where its time goes (pprof samples or puffin scopes, inferno SVG).
    Flame(cmd::flame::Args),
    /// Serve live puffin profiles of the cells for puffin_viewer (and record them).
    Live(cmd::live::Args),
    /// A measuring peer of `run` (internal).
    #[command(name = "__peer", hide = true)]
    Peer,
}

/// What a command concluded, beyond "it ran".
pub enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran and its check failed (a mismatch, a regression): exit code 1.
    CheckFailed,
}

/// Every allocation of this process goes through the allocator chosen by `PERFLAB_ALLOCATOR`
/// (system, jemalloc or mimalloc), counted; see perflab-alloc for why one binary serves all three.
#[global_allocator]
static GLOBAL: perflab_alloc::PerflabAllocator = perflab_alloc::PerflabAllocator::new();

/// The harness's view of perflab-alloc's counters.
struct Probe;

impl perflab_harness::probe::AllocProbe for Probe {
    fn snapshot(&self) -> perflab_harness::probe::AllocCounts {
        let s = perflab_alloc::snapshot();
        perflab_harness::probe::AllocCounts {
            allocs: s.allocations,
            deallocs: s.deallocations,
            reallocs: s.reallocations,
            bytes_allocated: s.bytes_allocated,
            live_bytes: s.live_bytes,
            peak_live_bytes: s.peak_live_bytes,
        }
    }

    fn reset_peak(&self) {
        perflab_alloc::reset_peak();
    }

    fn set_counting(&self, on: bool) -> bool {
        perflab_alloc::set_counting(on)
    }
}

/// The allocation counters of this process's global allocator, for the harness.
pub fn alloc_probe() -> Option<&'static dyn perflab_harness::probe::AllocProbe> {
    Some(&Probe)
}

fn main() -> ExitCode {
    // The allocator was chosen on the first allocation; a name it did not know is reported now.
    if let Err(e) = perflab_alloc::selection() {
        eprintln!("perflab: error: {e}");
        return ExitCode::from(2);
    }
    // Kernels' panics are caught and reported as failed cells; one line each on stderr is enough.
    std::panic::set_hook(Box::new(|info| eprintln!("perflab: panic: {info}")));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => {
            // --help and --version: print as clap formats them.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            // Usage errors: clap's first line names the problem; its tips follow on later lines,
            // which CI logs do not need.
            let text = err.to_string();
            eprintln!(
                "perflab: {}",
                text.lines()
                    .next()
                    .unwrap_or("bad usage")
                    .trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::List(args) => cmd::list::run(args),
        Command::Verify(args) => cmd::verify::run(args),
        Command::Run(args) => cmd::run::run(*args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Flame(args) => cmd::flame::run(args),
        Command::Live(args) => cmd::live::run(args),
        Command::Peer => cmd::child::run(),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(err) => {
            // One line: the chain of contexts, outermost first. Library errors often quote
            // their cause already ("cannot listen on ADDR: {source}"); say each cause once.
            let mut line = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !line.contains(&text) {
                    line.push_str(": ");
                    line.push_str(&text);
                }
            }
            eprintln!("perflab: error: {line}");
            ExitCode::from(2)
        }
    }
}
