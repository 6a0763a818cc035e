//! `perflab verify`: every variant's output next to naive's, so a user can trust (and check with
//! an independent tool) what a run will time.

use crate::cmd::{Outcome, Session};
use anyhow::Result;
use perflab_core::{
    Ctx, DynWorkload, InputSource, PreparedInput, Status, Verification, verify_variant,
};
use perflab_harness::table::{Column, Table};
use serde_json::json;
use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::Duration;

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
    #[command(flatten)]
    timeout: super::InProcessTimeout,
}

/// Verifies the selected workloads; exit code 1 when any variant mismatches or fails.
pub fn run(args: Args, session: &Session) -> Result<Outcome> {
    let workloads = super::select_workloads(&session.registry, &args.workloads)?;
    let sources: Vec<InputSource> = match &args.input {
        // An empty file is checked, not refused: no input is an edge case with a defined output.
        Some(path) => vec![InputSource::from_file_to_check(path)?],
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

    let limit = args.timeout.limit();
    let mut all_ok = true;
    let mut doc = Vec::new();
    for source in &sources {
        for w in &workloads {
            let input: Arc<dyn PreparedInput> = match w.prepare(source) {
                // A workload that reads no file (its input is not bytes) is left out of
                // `--input` unless it was asked for by name: the file is for the others.
                Err(e @ perflab_core::InputError::Unsupported { .. })
                    if args.workloads.is_empty() =>
                {
                    errln!("perflab: note: {e}; verifying the others");
                    continue;
                }
                other => Arc::from(other?),
            };
            let verdicts = verify_within(w.as_ref(), &input, limit);
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
                    (_, Some(err)) if err.starts_with(HUNG) || err.starts_with(NOT_CHECKED) => {
                        err.clone()
                    }
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

/// How the error of a variant that never returned starts.
const HUNG: &str = "did not return within";

/// How the error of a variant not run because naive never returned starts.
const NOT_CHECKED: &str = "not checked";

/// Verifies every variant of `w` on `input`, each on a thread of its own, so that a variant that
/// never returns (a parser stuck in a loop) is reported as failed after `limit` and the next one
/// is checked. Its thread is left spinning until the command ends, which ends it.
fn verify_within(
    w: &dyn DynWorkload,
    input: &Arc<dyn PreparedInput>,
    limit: Duration,
) -> Vec<Verification> {
    let mut verdicts: Vec<Verification> = Vec::new();
    for (index, info) in w.variants().into_iter().enumerate() {
        let hung = |error: String| Verification {
            variant: info.name,
            kind: info.kind,
            status: Status::Failed,
            output: None,
            matches_naive: false,
            error: Some(error),
        };
        // Every check compares with naive's output, computed on naive's first check: a naive that
        // never returned would hold every later check.
        if index > 0
            && let Some(naive) = verdicts.first()
            && naive.error.as_deref().is_some_and(|e| e.starts_with(HUNG))
        {
            verdicts.push(hung(format!(
                "{NOT_CHECKED}: naive did not return, so nothing can be verified"
            )));
            continue;
        }
        let (tx, rx) = channel();
        let (input, checked) = (Arc::clone(input), info.clone());
        std::thread::spawn(move || {
            let _ = tx.send(verify_variant(
                input.as_ref(),
                index,
                &checked,
                &mut Ctx::new(),
            ));
        });
        let verdict = rx.recv_timeout(limit).unwrap_or_else(|_| {
            hung(format!(
                "{HUNG} {} s",
                perflab_harness::engine::peer::seconds(limit)
            ))
        });
        verdicts.push(verdict);
    }
    verdicts
}
