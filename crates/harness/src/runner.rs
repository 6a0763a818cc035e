//! Running a plan: one child process per allocator, results streamed back and saved cell by cell.
//!
//! A global allocator is fixed for the life of a process, so the parent starts the same binary
//! once per allocator (with `PERFLAB_ALLOCATOR` set) and hands it the groups to measure on stdin.
//! The child answers with one JSON event per line on stdout. After every finished group the
//! parent rewrites `results.json` atomically, so an interrupted run keeps everything it measured.
//! A child that crashes (abort, signal, out of memory) costs only the group it was measuring:
//! those cells are recorded as failed with the exit status and the end of the child's stderr,
//! and a new child continues with the rest.

use crate::measure::{AllocProbe, measure_group};
use crate::plan::{Group, Settings};
use crate::results::{Benchmark, CellStatus, Results, ResultsError};
use perflab_core::{InputSource, Registry};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// The environment variable that selects a process's global allocator.
pub const ALLOCATOR_ENV: &str = "PERFLAB_ALLOCATOR";

/// What a child is asked to measure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildRequest {
    /// Groups, all for the child's allocator.
    pub groups: Vec<Group>,
    /// How to measure.
    pub settings: Settings,
    /// Seed for generated inputs.
    pub seed: u64,
    /// The user's input file, if any.
    pub input: Option<PathBuf>,
}

/// One line of a child's output.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    /// The child began measuring group `group` (an index into the request).
    Start {
        /// Index into the request's groups.
        group: usize,
    },
    /// Variant `variant` is about to run for the first time (verification); `None`: verification
    /// is over and timing begins.
    Check {
        /// The variant's name.
        variant: Option<String>,
    },
    /// A finished cell.
    Cell {
        /// The cell.
        benchmark: Box<Benchmark>,
    },
    /// Group `group` is complete.
    Done {
        /// Index into the request's groups.
        group: usize,
    },
}

/// The child's side: measures every group of `req` and writes events to `out`.
pub fn serve_child(
    registry: &Registry,
    req: &ChildRequest,
    probe: Option<&dyn AllocProbe>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let file = match &req.input {
        Some(path) => Some(InputSource::from_file(path).map_err(std::io::Error::other)?),
        None => None,
    };
    for (i, group) in req.groups.iter().enumerate() {
        emit(out, &Event::Start { group: i })?;
        let source = match (&file, group.size_bytes) {
            (Some(f), _) => f.clone(),
            (None, Some(size)) => InputSource::Generated {
                size,
                seed: req.seed,
            },
            (None, None) => {
                return Err(std::io::Error::other(
                    "a file group was sent without an input file",
                ));
            }
        };
        let mut io_error = None;
        let mut on_check = |variant: Option<&str>| {
            let event = Event::Check {
                variant: variant.map(str::to_owned),
            };
            if let Err(e) = emit(out, &event) {
                io_error.get_or_insert(e);
            }
        };
        let cells = match registry.get(&group.workload) {
            Some(w) => measure_group(
                w.as_ref(),
                group,
                &source,
                &req.settings,
                probe,
                &mut on_check,
            ),
            None => failed_cells(
                group,
                &format!("no workload `{}` in this binary", group.workload),
            ),
        };
        if let Some(e) = io_error {
            return Err(e);
        }
        for benchmark in cells {
            emit(
                out,
                &Event::Cell {
                    benchmark: Box::new(benchmark),
                },
            )?;
        }
        emit(out, &Event::Done { group: i })?;
    }
    Ok(())
}

fn emit(out: &mut dyn Write, event: &Event) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// Cells of `group` that all failed with `error` (no measurement).
pub fn failed_cells(group: &Group, error: &str) -> Vec<Benchmark> {
    group
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let kind = group
                .kinds
                .get(i)
                .copied()
                .unwrap_or(perflab_core::VariantKind::Naive);
            let mut b = Benchmark::empty(
                &group.workload,
                v,
                kind,
                &group.allocator,
                &group.size,
                group.size_bytes.unwrap_or(0) as u64,
            );
            b.status = CellStatus::Failed;
            b.error = Some(error.to_owned());
            b
        })
        .collect()
}

/// Hooks for showing progress. Every method has a no-op default, so a sink implements only what
/// it shows.
pub trait Progress {
    /// A group is about to be measured.
    fn group_started(&mut self, _group: &Group) {}
    /// A group is finished and saved.
    fn group_finished(&mut self, _group: &Group, _cells: &[Benchmark]) {}
    /// Something the user should know (a crashed child).
    fn warn(&mut self, _message: &str) {}
}

/// How the parent starts children.
#[derive(Clone, Debug)]
pub struct ChildCommand {
    /// The binary (normally the running `perflab`).
    pub exe: PathBuf,
    /// Arguments that put it in child mode.
    pub args: Vec<OsString>,
}

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Saving results failed.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// A child could not be started at all.
    #[error("cannot start the measuring process {}", exe.display())]
    Spawn {
        /// The binary.
        exe: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `--pin-cpu` named a CPU this process may not run on.
    #[error("cannot pin to CPU {0}: this process may not run there")]
    Pin(usize),
}

/// Everything a parent needs to measure a plan besides the plan itself.
pub struct Runner {
    /// How to start children.
    pub child: ChildCommand,
    /// How to measure.
    pub settings: Settings,
    /// Seed for generated inputs.
    pub seed: u64,
    /// The user's input file, if any.
    pub input: Option<PathBuf>,
    /// Where `results.json` is saved after every group.
    pub out: PathBuf,
}

impl Runner {
    /// Measures `groups` in child processes, one allocator at a time, saving `results` after
    /// every group. Groups keep their order within an allocator.
    pub fn run(
        &self,
        groups: &[Group],
        results: &mut Results,
        progress: &mut dyn Progress,
    ) -> Result<(), RunError> {
        run_parent(self, groups, results, progress)
    }
}

fn run_parent(
    runner: &Runner,
    groups: &[Group],
    results: &mut Results,
    progress: &mut dyn Progress,
) -> Result<(), RunError> {
    let (child, out) = (&runner.child, runner.out.as_path());
    results.write_atomic(out)?;
    let mut allocators: Vec<&str> = Vec::new();
    for g in groups {
        if !allocators.contains(&g.allocator.as_str()) {
            allocators.push(&g.allocator);
        }
    }
    for allocator in allocators {
        let mut pending: VecDeque<Group> = groups
            .iter()
            .filter(|g| g.allocator == allocator)
            .cloned()
            .collect();
        while !pending.is_empty() {
            let req = ChildRequest {
                groups: pending.iter().cloned().collect(),
                settings: runner.settings,
                seed: runner.seed,
                input: runner.input.clone(),
            };
            let finished = run_child(child, allocator, &req, results, out, progress)?;
            // `finished` groups are saved; if the child stopped early, the group it was in
            // becomes failed cells and the next child starts after it.
            for _ in 0..finished.done {
                pending.pop_front();
            }
            let Some(reason) = finished.crashed else {
                continue;
            };
            let msg = format!("the measuring process ({allocator}) crashed: {reason}");
            let naive = pending.front().and_then(|g| g.variants.first().cloned());
            match (finished.culprit, pending.front_mut()) {
                // The child died in a variant's first run: that variant fails alone, and the
                // group is measured again without it (unless it was naive, the baseline).
                (Some(culprit), Some(g)) if Some(&culprit) != naive.as_ref() => {
                    let pos = g.variants.iter().position(|v| *v == culprit);
                    let mut alone = g.clone();
                    if let Some(pos) = pos {
                        g.variants.remove(pos);
                        if pos < g.kinds.len() {
                            g.kinds.remove(pos);
                        }
                        alone.variants = vec![culprit.clone()];
                        alone.kinds = alone.kinds.get(pos).copied().into_iter().collect();
                    }
                    let msg = format!("{msg} (while running `{culprit}` for the first time)");
                    record_failed(results, out, progress, &alone, &msg)?;
                }
                _ => {
                    if let Some(g) = pending.pop_front() {
                        record_failed(results, out, progress, &g, &msg)?;
                        progress.group_finished(&g, &[]);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Saves `group`'s cells as failed with `msg` (keeping any that an earlier run measured).
fn record_failed(
    results: &mut Results,
    out: &Path,
    progress: &mut dyn Progress,
    group: &Group,
    msg: &str,
) -> Result<(), RunError> {
    progress.warn(&format!(
        "{}/{}/{}: {msg}",
        group.workload, group.size, group.allocator
    ));
    for c in failed_cells(group, msg) {
        if results
            .get(&c.id)
            .is_none_or(|old| old.status != CellStatus::Ok)
        {
            results.upsert(c);
        }
    }
    Ok(results.write_atomic(out)?)
}

struct ChildOutcome {
    done: usize,
    crashed: Option<String>,
    /// The variant that was running its first (verification) run when the child died.
    culprit: Option<String>,
}

fn run_child(
    child: &ChildCommand,
    allocator: &str,
    req: &ChildRequest,
    results: &mut Results,
    out: &Path,
    progress: &mut dyn Progress,
) -> Result<ChildOutcome, RunError> {
    let spawn_err = |source| RunError::Spawn {
        exe: child.exe.clone(),
        source,
    };
    let mut proc = Command::new(&child.exe)
        .args(&child.args)
        .env(ALLOCATOR_ENV, allocator)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_err)?;

    // stderr is collected on a thread (its last lines explain a crash) so the child never blocks
    // on a full pipe.
    let tail = Arc::new(Mutex::new(VecDeque::<String>::new()));
    let stderr = proc.stderr.take().map(|mut e| {
        let tail = Arc::clone(&tail);
        std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = e.read_to_string(&mut buf);
            let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
            for line in buf.lines() {
                t.push_back(line.to_owned());
                if t.len() > 5 {
                    t.pop_front();
                }
            }
        })
    });
    if let Some(mut stdin) = proc.stdin.take() {
        let body = serde_json::to_vec(req).map_err(|e| spawn_err(std::io::Error::other(e)))?;
        // A child that dies before reading its request is reported below as a crash.
        let _ = stdin.write_all(&body);
    }

    let mut done = 0;
    let mut culprit: Option<String> = None;
    let mut current: Vec<Benchmark> = Vec::new();
    if let Some(stdout) = proc.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<Event>(&line) {
                Ok(Event::Check { variant }) => culprit = variant,
                Ok(Event::Start { group }) => {
                    current.clear();
                    culprit = None;
                    if let Some(g) = req.groups.get(group) {
                        progress.group_started(g);
                    }
                }
                Ok(Event::Cell { benchmark }) => current.push(*benchmark),
                Ok(Event::Done { group }) => {
                    for c in std::mem::take(&mut current) {
                        results.upsert(c);
                    }
                    results.write_atomic(out)?;
                    done += 1;
                    if let Some(g) = req.groups.get(group) {
                        let ids = g.cell_ids();
                        let cells: Vec<Benchmark> = ids
                            .iter()
                            .filter_map(|id| results.get(id).cloned())
                            .collect();
                        progress.group_finished(g, &cells);
                    }
                }
                // Not an event: a stray print from a kernel. Ignore it rather than lose the run.
                Err(_) => {}
            }
        }
    }
    let status = proc.wait().map_err(spawn_err)?;
    if let Some(h) = stderr {
        let _ = h.join();
    }
    let crashed = (done < req.groups.len()).then(|| {
        let t = tail.lock().unwrap_or_else(|p| p.into_inner());
        let last: Vec<&str> = t.iter().map(String::as_str).collect();
        if last.is_empty() {
            format!("{status}")
        } else {
            format!("{status}; stderr: {}", last.join(" | "))
        }
    });
    Ok(ChildOutcome {
        done,
        crashed,
        culprit,
    })
}
