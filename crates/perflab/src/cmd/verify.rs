//! `perflab verify`: every variant's output next to naive's, so a user can trust (and check with
//! an independent tool) what a run will time.

use crate::app::{Outcome, Session};
use anyhow::Result;
use perflab_core::{InputSource, Status, verify};
use perflab_harness::table::{Column, Table};
use serde_json::json;

/// Arguments of `perflab verify`.
#[derive(clap::Args)]
pub struct Args {
    /// Only these workloads (repeatable). Default: all.
    #[arg(long = "workload", short = 'w', value_name = "W")]
    workloads: Vec<String>,
    /// Run on this file instead of generated input.
    #[arg(long, value_name = "FILE", conflicts_with = "sizes")]
    input: Option<std::path::PathBuf>,
    /// Generated input size, e.g. 64KiB (repeatable). Default: 64KiB.
    #[arg(long = "size", value_name = "S", value_parser = super::parse_size_arg)]
    sizes: Vec<usize>,
    /// Seed of the generated input.
    #[arg(long, default_value_t = perflab_core::DEFAULT_SEED)]
    seed: u64,
    /// Print one JSON document (an array, one object per workload and input).
    #[arg(long)]
    json: bool,
}

/// Verifies the selected workloads; exit code 1 when any variant mismatches or fails.
pub fn run(args: Args, session: &Session) -> Result<Outcome> {
    let workloads = super::select_workloads(&session.registry, &args.workloads)?;
    let sources: Vec<InputSource> = match &args.input {
        Some(path) => vec![InputSource::from_file(path)?],
        None if args.sizes.is_empty() => vec![InputSource::Generated {
            size: 64 << 10,
            seed: args.seed,
        }],
        None => args
            .sizes
            .iter()
            .map(|&size| InputSource::Generated {
                size,
                seed: args.seed,
            })
            .collect(),
    };

    let mut all_ok = true;
    let mut doc = Vec::new();
    for source in &sources {
        for w in &workloads {
            let input = match w.prepare(source) {
                // A workload that reads no file (its input is not bytes) is left out of
                // `--input` unless it was asked for by name: the file is for the others.
                Err(e @ perflab_core::InputError::Unsupported { .. })
                    if args.workloads.is_empty() =>
                {
                    errln!("perflab: note: {e}; verifying the others");
                    continue;
                }
                other => other?,
            };
            let verdicts = verify(w.as_ref(), input.as_ref());
            all_ok &= verdicts
                .iter()
                .all(|v| matches!(v.status, Status::Ok | Status::Unsupported));
            if args.json {
                doc.push(
                    json!({"workload": w.name(), "input": input.describe(), "variants": verdicts}),
                );
                continue;
            }
            outln!("{} on {}", w.name(), input.describe());
            let mut table = Table::new(["variant", "kind", "status", "output"].map(Column::left));
            for v in &verdicts {
                let status = match v.status {
                    Status::Ok => "ok",
                    Status::Mismatch => "MISMATCH",
                    Status::Unsupported => "unsupported",
                    Status::Failed => "FAILED",
                };
                let detail = match (&v.output, &v.error) {
                    (_, Some(err)) => format!("panicked: {err}"),
                    (Some(out), None) => out.to_string(),
                    (None, None) => String::new(),
                };
                table.push_row([v.variant, v.kind.as_str(), status, detail.as_str()]);
            }
            // Indented under its heading, as each workload and input is a table of its own.
            for line in table.terminal().lines() {
                outln!("  {line}");
            }
        }
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    }
    Ok(if all_ok {
        Outcome::Success
    } else {
        Outcome::CheckFailed
    })
}
