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
}

/// What a command concluded, beyond "it ran".
pub enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran and its check failed (a mismatch, a regression): exit code 1.
    CheckFailed,
}

fn main() -> ExitCode {
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
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(err) => {
            // One line: the chain of contexts, outermost first.
            eprintln!("perflab: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
