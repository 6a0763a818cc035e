//! Instruction mode: the engine's peers run under valgrind's callgrind and count instructions.
//!
//! Wall time on a shared VM moves by several percent from run to run; the number of instructions
//! a kernel executes does not (same binary, same input, same count). For every cell the engine
//! starts one peer under `callgrind` with collection off except inside
//! [`crate::subject::counted_region`] (`--toggle-collect`) and a dump when it is left
//! (`--dump-after`). The peer builds the input and runs nothing else before its one
//! `count_instructions`: a warm-up run outside the region, `iters` iterations inside it, and then
//! the check against naive (deferred, because naive's randomly seeded `std` hash maps leave the
//! heap different in every run, and allocator calls counted after them varied by up to 0.25%).
//! Instructions per iteration = the dump's total / `iters`.
//!
//! Address-space randomisation is switched off for the peer (`setarch -R`, as gungraun does for
//! its runs), so that code which depends on addresses (alignment-dependent `memcpy` paths,
//! allocator bins) executes the same instructions run after run. A kernel that seeds itself
//! randomly (a `std::collections::HashMap`) still varies, by its own design. What this cannot see:
//! cache misses, branch mispredictions, SIMD width effects on time — an instruction is not a
//! cycle. It is a regression detector, not a speed measurement.

use super::group::input_spec;
use super::protocol::{Cmd, PrepareCmd, Reply};
use super::recover::lost_peer_message;
use super::{Engine, Launch, Peer, PeerError, Progress, RunError};
use crate::plan::Group;
use crate::results::{Benchmark, CellStatus};
use crate::subject::{REGION_NAME, REGION_PATTERN, Readiness};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Iterations counted for an input of `bytes`: enough to make the loop's own few instructions
/// negligible, few enough that a 16 MiB naive kernel stays quick under callgrind's ~50x slowdown.
pub fn iters_for(bytes: usize) -> u64 {
    ((1usize << 20) / bytes.max(1)).clamp(1, 16) as u64
}

/// Finds `valgrind` on the PATH.
pub fn find_valgrind() -> Option<PathBuf> {
    find_on_path("valgrind")
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// The first event count (Ir) of a callgrind dump's `totals:` line (or `summary:`).
pub fn parse_totals(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// tikv-jemallocator's name for `MALLOC_CONF`.
const JEMALLOC_CONF: &str = "_RJEM_MALLOC_CONF";

/// How to start a counting peer: `setarch ARCH -R valgrind --tool=callgrind … PERFLAB PEER-ARGS`,
/// writing its dumps to `out.1`, `out.2`, … (`setarch` is left out where it is missing).
fn launch(valgrind: &Path, head: &Launch, out: &Path) -> Result<Launch, RunError> {
    let Launch::Process { exe, args, env } = head else {
        return Err(RunError::Peer(PeerError::Spawn {
            program: "callgrind".to_owned(),
            reason: "instruction counts need a perflab binary, not an in-process peer".to_owned(),
        }));
    };
    let mut full: Vec<OsString> = Vec::new();
    let program = match find_on_path("setarch") {
        Some(setarch) if cfg!(target_os = "linux") => {
            full.push(std::env::consts::ARCH.into());
            full.push("-R".into());
            full.push(valgrind.into());
            setarch
        }
        _ => valgrind.to_path_buf(),
    };
    full.push("--tool=callgrind".into());
    full.push(format!("--callgrind-out-file={}", out.display()).into());
    full.push("--collect-atstart=no".into());
    full.push(format!("--toggle-collect={REGION_PATTERN}").into());
    // Unlike `--toggle-collect`, `--dump-after` takes no wildcards.
    full.push(format!("--dump-after={REGION_NAME}").into());
    full.push(exe.into());
    full.extend(args.iter().cloned());
    let mut env = env.clone();
    // jemalloc offsets large allocations by a random number of cache lines ("cache-oblivious"
    // placement), which made allocator calls take a different number of instructions each run.
    if std::env::var_os(JEMALLOC_CONF).is_none() {
        env.push((JEMALLOC_CONF.into(), "cache_oblivious:false".into()));
    }
    Ok(Launch::Process {
        exe: program,
        args: full,
        env,
    })
}

/// Counts every variant of `g` under each of its allocators, each in a process of its own.
pub(crate) fn measure(
    engine: &Engine,
    valgrind: &Path,
    g: &Group,
    progress: &mut dyn Progress,
) -> Result<Vec<Benchmark>, RunError> {
    let iters = iters_for(g.size_bytes.unwrap_or(1 << 20));
    let mut cells = Vec::new();
    for allocator in &g.allocators {
        for (v, name) in g.variants.iter().enumerate() {
            let mut cell = Benchmark::empty(&g.workload, name, g.kind(v), allocator, &g.size, 0);
            if let Some(lost) = count_one(engine, valgrind, g, allocator, name, iters, &mut cell)? {
                // The same words as a lost peer of a timed run, and a warning as it gets; only
                // this cell is lost, since its process counted nothing else.
                let message = format!(
                    "{} (while counting it: `{name}`)",
                    lost_peer_message(&lost, &format!("{allocator} under callgrind"))
                );
                progress.warn(&format!("{}/{name}/{allocator}: {message}", g.label()));
                cell.error = Some(message);
            }
            cells.push(cell);
        }
    }
    Ok(cells)
}

/// One counting peer for one variant: build the input, count the variant (a warm-up run outside
/// the region, then `iters` inside it), then verify it against naive. Nothing else runs before
/// the count, so the count depends on nothing but the binary, the input and the allocator.
/// Returns the peer's error when it crashed or did not answer in time.
fn count_one(
    engine: &Engine,
    valgrind: &Path,
    g: &Group,
    allocator: &str,
    variant: &str,
    iters: u64,
    cell: &mut Benchmark,
) -> Result<Option<PeerError>, RunError> {
    let out = std::env::temp_dir().join(format!(
        "perflab-callgrind-{}-{}.out",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // Whatever way this returns (an unsupported variant, a peer that failed), callgrind's files
    // go with it: it creates its output file on start, so an early return used to leave one
    // behind in the temporary directory for every unsupported cell.
    let _cleanup = RemoveOnDrop([out.clone(), PathBuf::from(format!("{}.1", out.display()))]);
    let launch = launch(valgrind, &engine.head, &out)?;
    let mut peer = Peer::start(&launch, allocator, format!("{allocator} under callgrind"))?;
    peer.set_time_limit(engine.time_limit);
    let cmd = Cmd::Prepare(Box::new(PrepareCmd {
        workload: g.workload.clone(),
        variants: vec![variant.to_owned()],
        input: input_spec(engine, g),
        settings: engine.settings,
        pin: None,
        clock: crate::clock::Clock::Wall,
        verify: false,
        threads: 1,
        thread_cpus: Vec::new(),
    }));
    let outcome = peer.ask(&Cmd::Hello).and_then(|_| peer.ask(&cmd));
    match ready_to_count(outcome, cell) {
        Ok(true) => {}
        Ok(false) => return Ok(None),
        Err(Lost::Peer(e)) => return Ok(Some(e)),
        Err(Lost::Run(e)) => return Err(e),
    }
    match peer.ask(&Cmd::CountInstructions { slot: 0, iters }) {
        Ok(Reply::Ran) => {}
        Ok(other) => cell.error = Some(format!("unexpected answer {other:?}")),
        Err(PeerError::Refused { message, .. }) => cell.error = Some(message),
        Err(e) => return Ok(Some(e)),
    }
    peer.finish();
    // The dump taken on leaving the region; the final dump (the rest of the run) is not counted.
    let dump = PathBuf::from(format!("{}.1", out.display()));
    let total = std::fs::read_to_string(&dump)
        .ok()
        .and_then(|t| parse_totals(&t));
    if cell.error.is_none() {
        match total {
            Some(t) => {
                cell.status = CellStatus::Ok;
                cell.instructions = Some(t as f64 / iters as f64);
                cell.time.iters_per_sample = iters;
            }
            None => cell.error = Some("callgrind wrote no totals".to_owned()),
        }
    }
    Ok(None)
}

/// Why a counting peer could not count: its process was lost (the cell's alone), or it does not
/// speak the protocol (the run's end).
enum Lost {
    Peer(PeerError),
    Run(RunError),
}

/// Takes a counting peer's answer to `prepare` into `cell`: whether its one variant is ready to be
/// counted (if not, `cell` says why, or the process was lost). A build that does not speak the
/// protocol ends the run.
fn ready_to_count(outcome: Result<Reply, PeerError>, cell: &mut Benchmark) -> Result<bool, Lost> {
    match outcome {
        Ok(Reply::Prepared {
            size_bytes,
            variants,
            ..
        }) => {
            cell.name.size_bytes = size_bytes;
            match variants.first() {
                Some(Readiness::Ready { .. }) => return Ok(true),
                Some(Readiness::Unavailable { status, error }) => {
                    cell.status = *status;
                    cell.error = (!error.is_empty()).then(|| error.clone());
                }
                None => {
                    cell.error = Some("the counting process did not report on it".to_owned());
                }
            }
        }
        Ok(other) => cell.error = Some(format!("unexpected answer {other:?}")),
        Err(e @ PeerError::Garbled { .. }) => return Err(Lost::Run(RunError::Peer(e))),
        Err(PeerError::Refused { message, .. }) => cell.error = Some(message),
        Err(e) => return Err(Lost::Peer(e)),
    }
    Ok(false)
}

/// Removes the files on drop (a missing one is no error).
struct RemoveOnDrop([PathBuf; 2]);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
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
