//! The command line on a registry: parses arguments, checks the registry and the allocator, runs
//! one command and maps its outcome to an exit code (0 success, 1 the check failed, 2 bad usage
//! or bad input). Thin by design: the commands call the library crates.

use crate::cmd::{self, ALLOCATOR_LINE, Outcome, Session};
use clap::{Parser, Subcommand};
use perflab_core::Registry;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;

/// perflab: compare naive, optimized, SIMD and arena kernels honestly.
#[derive(Parser)]
#[command(name = "perflab", version, propagate_version = true)]
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

/// The whole command line on the registry `register` fills; see the crate docs.
pub fn main(register: impl FnOnce(&mut Registry)) -> ExitCode {
    let allocator_installed = match check_allocator() {
        Ok(installed) => installed,
        Err(line) => {
            errln!("perflab: error: {line}");
            return ExitCode::from(2);
        }
    };
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // A registration that panics is reported as one line below, not by the default hook.
    std::panic::set_hook(Box::new(|_| {}));
    let registry = build_registry(register);
    report_panics_in_one_line();
    let registry = match registry {
        Ok(r) => r,
        Err(line) => {
            errln!("perflab: error: {line}");
            return ExitCode::from(2);
        }
    };
    let session = Session {
        registry,
        allocator_installed,
    };
    exit_code(dispatch(cli.command, &session))
}

/// Whether perflab's allocator is this binary's global allocator; an error when the allocator
/// asked for (`PERFLAB_ALLOCATOR`) is unknown, or cannot be had: every command would report an
/// allocator this process does not use. The allocator was chosen on the first allocation; a
/// name it did not know is reported now.
fn check_allocator() -> Result<bool, String> {
    let selected = perflab_alloc::selection().map_err(|e| e.to_string())?;
    let installed = perflab_alloc::installed();
    if !installed && selected != perflab_alloc::Allocator::System {
        return Err(format!(
            "{}={} has no effect: this binary's global allocator is not perflab's (add `{ALLOCATOR_LINE}` to its main.rs)",
            perflab_alloc::ENV_VAR,
            selected.name()
        ));
    }
    Ok(installed)
}

/// The command line, or the exit code when there is no command to run: 0 after `--help` and
/// `--version`, 2 after a usage error (one line).
fn parse_command_line() -> Result<Cli, ExitCode> {
    Cli::try_parse().map_err(|err| {
        if !err.use_stderr() {
            // --help and --version: print as clap formats them.
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        // Usage errors: clap's first line names the problem; its tips follow on later lines,
        // which CI logs do not need.
        let text = err.to_string();
        errln!(
            "perflab: {}",
            text.lines()
                .next()
                .unwrap_or("bad usage")
                .trim_start_matches("error: ")
        );
        ExitCode::from(2)
    })
}

/// Kernels' panics are caught and reported as failed cells; one line each on stderr is enough
/// (a peer's stderr tail becomes a crashed cell's error). The hook must not panic itself, as
/// `eprintln!` does on a closed stderr: that aborts the process.
fn report_panics_in_one_line() {
    std::panic::set_hook(Box::new(|info| {
        let message = perflab_core::panic_message(info.payload());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        errln!(
            "perflab: panic{at}: {}",
            message.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }));
}

fn dispatch(command: Command, session: &Session) -> anyhow::Result<Outcome> {
    match command {
        Command::List(args) => cmd::list::run(args, session),
        Command::Verify(args) => cmd::verify::run(args, session),
        Command::Run(args) => cmd::run::run(*args, session),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Compare(args) => cmd::compare::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Flame(args) => cmd::flame::run(args, session),
        Command::Live(args) => cmd::live::run(args, session),
        Command::Peer => cmd::peer::run(session),
    }
}

/// 0 on success, 1 when a check failed (a failed cell, a regression), 2 on an error, printed as
/// one line: the chain of contexts, outermost first. Library errors often quote their cause
/// already ("cannot listen on ADDR: {source}"); each cause is said once.
fn exit_code(result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(err) => {
            let mut line = err.to_string();
            for cause in err.chain().skip(1) {
                let text = cause.to_string();
                if !line.contains(&text) {
                    line.push_str(": ");
                    line.push_str(&text);
                }
            }
            errln!("perflab: error: {line}");
            ExitCode::from(2)
        }
    }
}

/// Runs the user's registration and checks what it registered: a family with no naive variant,
/// two variants of one name or a registration that panics is one line, not a backtrace.
fn build_registry(register: impl FnOnce(&mut Registry)) -> Result<Registry, String> {
    catch_unwind(AssertUnwindSafe(|| Registry::built_by(register)))
        .map_err(|payload| {
            format!(
                "the registration function panicked: {}",
                perflab_core::panic_message(payload.as_ref())
            )
        })?
        .map_err(|e| e.to_string())
}
