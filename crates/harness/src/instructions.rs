//! Instruction counts under valgrind's callgrind: the deterministic gate for noisy CI machines.
//!
//! Wall time on a shared VM moves by several percent from run to run; the number of instructions a
//! kernel executes does not (same binary, same input, same count). For every cell the parent
//! starts this same binary under `valgrind --tool=callgrind` with collection off, except inside
//! [`counted_region`] (`--toggle-collect`). The child verifies the variant against naive and runs
//! one warm-up iteration outside the region (so one-time work like SIMD dispatch is not counted),
//! then `iters` iterations inside it. Instructions per iteration = callgrind's total / `iters`.
//! What this cannot see: cache misses, branch mispredictions, SIMD width effects on time — an
//! instruction is not a cycle. It is a regression detector, not a speed measurement.

use crate::plan::Group;
use crate::results::{Benchmark, CellStatus};
use perflab_core::{Ctx, InputSource, PreparedInput, Registry};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the counting child is asked to run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InstrRequest {
    /// The group the cell belongs to (its input).
    pub group: Group,
    /// The variant to count.
    pub variant: String,
    /// Iterations inside the counted region.
    pub iters: u64,
    /// Generator seed.
    pub seed: u64,
    /// The user's input file, if any.
    pub input: Option<PathBuf>,
}

/// The child's answer (one JSON line on stdout).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InstrReply {
    /// `ok`, `failed` or `unsupported`.
    pub status: CellStatus,
    /// Why it failed.
    pub error: Option<String>,
    /// Bytes per iteration.
    pub size_bytes: u64,
}

/// The only code callgrind counts. Never inlined, so `--toggle-collect` finds it by name.
#[inline(never)]
pub fn counted_region(input: &dyn PreparedInput, index: usize, iters: u64, ctx: &mut Ctx) {
    input.run_iters(black_box(index), iters, ctx);
}

/// The pattern callgrind's `--toggle-collect` matches [`counted_region`] with.
pub const REGION_PATTERN: &str = "*perflab_harness::instructions::counted_region*";

/// Child side: verify, warm up, then run the counted region.
pub fn serve(registry: &Registry, req: &InstrRequest) -> InstrReply {
    let mut reply = InstrReply {
        status: CellStatus::Failed,
        error: None,
        size_bytes: 0,
    };
    let Some(w) = registry.get(&req.group.workload) else {
        reply.error = Some(format!("no workload `{}`", req.group.workload));
        return reply;
    };
    let infos = w.variants();
    let Some(index) = infos.iter().position(|v| v.name == req.variant) else {
        reply.error = Some(format!("no variant `{}`", req.variant));
        return reply;
    };
    if !infos[index].supported {
        reply.status = CellStatus::Unsupported;
        return reply;
    }
    let source = match (&req.input, req.group.size_bytes) {
        (Some(path), _) => match InputSource::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                reply.error = Some(e.to_string());
                return reply;
            }
        },
        (None, size) => InputSource::Generated {
            size: size.unwrap_or(0),
            seed: req.seed,
        },
    };
    let input = match w.prepare(&source) {
        Ok(i) => i,
        Err(e) => {
            reply.error = Some(e.to_string());
            return reply;
        }
    };
    reply.size_bytes = input.bytes();
    let mut ctx = Ctx::new();
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        input.check(index, &mut ctx)
    }));
    match checked {
        Ok((_, true)) => {}
        Ok((out, false)) => {
            reply.error = Some(format!("output differs from naive: got {out}"));
            return reply;
        }
        Err(p) => {
            reply.error = Some(format!(
                "panicked: {}",
                perflab_core::panic_message(p.as_ref())
            ));
            return reply;
        }
    }
    input.run_iters(index, 1, &mut ctx);
    counted_region(input.as_ref(), index, req.iters, &mut ctx);
    reply.status = CellStatus::Ok;
    reply
}

/// Iterations counted for an input of `bytes`: enough to make the loop's own few instructions
/// negligible, few enough that a 16 MiB naive kernel stays quick under callgrind's ~50x slowdown.
pub fn iters_for(bytes: usize) -> u64 {
    ((1usize << 20) / bytes.max(1)).clamp(1, 16) as u64
}

/// Parent side: counts every variant of `group`, one callgrind process per cell.
pub fn measure_group(
    valgrind: &Path,
    exe: &Path,
    child_args: &[&str],
    group: &Group,
    seed: u64,
    input: Option<&Path>,
) -> Vec<Benchmark> {
    let iters = iters_for(group.size_bytes.unwrap_or(1 << 20));
    group
        .variants
        .iter()
        .enumerate()
        .map(|(i, variant)| {
            let kind = group
                .kinds
                .get(i)
                .copied()
                .unwrap_or(perflab_core::VariantKind::Naive);
            let mut cell = Benchmark::empty(
                &group.workload,
                variant,
                kind,
                &group.allocator,
                &group.size,
                0,
            );
            let req = InstrRequest {
                group: group.clone(),
                variant: variant.clone(),
                iters,
                seed,
                input: input.map(Path::to_path_buf),
            };
            match count_one(valgrind, exe, child_args, &req) {
                Ok((reply, total)) => {
                    cell.status = reply.status;
                    cell.error = reply.error;
                    cell.size_bytes = reply.size_bytes;
                    if reply.status == CellStatus::Ok {
                        cell.instructions = total.map(|t| t as f64 / iters as f64);
                        cell.iters_per_sample = iters;
                        if cell.instructions.is_none() {
                            cell.status = CellStatus::Failed;
                            cell.error = Some("callgrind wrote no totals".to_owned());
                        }
                    }
                }
                Err(e) => cell.error = Some(e),
            }
            cell
        })
        .collect()
}

fn count_one(
    valgrind: &Path,
    exe: &Path,
    child_args: &[&str],
    req: &InstrRequest,
) -> Result<(InstrReply, Option<u64>), String> {
    let out_file = std::env::temp_dir().join(format!(
        "perflab-callgrind-{}-{}.out",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let mut proc = Command::new(valgrind)
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out_file.display()))
        .arg("--collect-atstart=no")
        .arg(format!("--toggle-collect={REGION_PATTERN}"))
        .arg(exe)
        .args(child_args)
        .env(crate::runner::ALLOCATOR_ENV, &req.group.allocator)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", valgrind.display()))?;
    if let Some(mut stdin) = proc.stdin.take() {
        let body = serde_json::to_vec(req).map_err(|e| e.to_string())?;
        let _ = stdin.write_all(&body);
    }
    let output = proc.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let reply = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<InstrReply>(l).ok());
    let totals = std::fs::read_to_string(&out_file)
        .ok()
        .and_then(|t| parse_totals(&t));
    let _ = std::fs::remove_file(&out_file);
    match reply {
        Some(r) => Ok((r, totals)),
        None => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
            Err(format!(
                "the counting process under callgrind failed ({}): {}",
                output.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ))
        }
    }
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The first event count (Ir) of callgrind's `totals:` line (or `summary:`).
pub fn parse_totals(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Finds `valgrind` on the PATH.
pub fn find_valgrind() -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("valgrind"))
            .find(|p| p.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_callgrind_totals() {
        let text = "version: 1\nevents: Ir\nsummary: 5007\n\nfn=(1) x\n0 1\ntotals: 5007\n";
        assert_eq!(parse_totals(text), Some(5007));
        assert_eq!(parse_totals("events: Ir\n"), None);
        assert_eq!(iters_for(4096), 16);
        assert_eq!(iters_for(16 << 20), 1);
    }
}
