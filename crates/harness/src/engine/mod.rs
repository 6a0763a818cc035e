//! The measuring engine: every comparison sampled in lock step by peer processes.
//!
//! A run is a list of groups ([`crate::plan::Group`]: one workload at one size). For each group
//! the engine starts fresh peer processes — one per allocator, per build (two in an A/B run) and
//! per *replica* (independent processes measuring the same cells) — has each of them build the
//! input, verify every variant against naive, warm up and pin itself to one CPU, and then samples
//! every cell of the group in rounds ([`schedule`]): before each round every peer draws a new
//! layout (its input moved to a random cache line of a fresh page, its arena re-created, its
//! timed loop on a random stack depth), then each variant is sampled in every peer, side by side.
//!
//! So every ratio perflab reports — variant against naive, allocator against system, head
//! against base — is of samples taken in the same round, and every cell's estimate pools several
//! processes: a process is one draw of address-space layout (Curtsinger & Berger, STABILIZER,
//! ASPLOS 2013), so an interval that sees only one cannot promise anything about the next run
//! ([`crate::stats::pooled`]).
//!
//! The modes differ in what they ask the peers: time ([`Mode::Time`]), time of two builds
//! ([`Mode::Ab`]), or instruction counts of peers that run under callgrind
//! ([`Mode::Instructions`]). Instruction mode has no rounds to pair: each cell is counted by a
//! process of its own (nothing else may run before the count, or the count would depend on it),
//! so a process that crashes or hangs loses its one cell, which fails with the words a timed
//! run's lost cell gets ([`recover`]), and there is no group to measure again without it.
//!
//! Threads are a dimension of the cell, not of the peer: a group measured at 1 and N threads
//! has every peer sample every variant at each thread count (a *column*), N threads of the same
//! peer running the variant at once ([`crate::crew`]). So a cell at N threads is paired with the
//! same variant at one thread in the same process and round (its scaling), and with `system` at
//! N threads in the same round (its allocator ratio), exactly as variants are paired with naive.

mod cells;
mod confirm;
mod group;
pub mod instructions;
mod layout;
mod loss;
pub mod peer;
pub mod pin;
pub mod protocol;
mod record;
mod recover;
pub mod schedule;
pub mod serve;

pub use peer::{ALLOCATOR_ENV, Launch, Peer, PeerError, bind_to_parent};
pub use pin::{PinError, Pinning};
pub use serve::serve;

use crate::clock::Clock;
use crate::plan::{Group, Settings};
use crate::results::{Benchmark, CellStatus, Results, ResultsError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which build a peer runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Build {
    /// This build (the one running the engine), or the only one.
    Head,
    /// The other build of an A/B run.
    Base,
}

impl Build {
    fn name(self) -> &'static str {
        match self {
            Build::Head => "head",
            Build::Base => "base",
        }
    }
}

/// Who a peer is: which build, under which allocator, which of the independent replicas.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerKey {
    /// The build.
    pub build: Build,
    /// Index into the group's allocators.
    pub allocator: usize,
    /// Which replica (0-based).
    pub replica: usize,
}

/// What the engine measures.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Time per iteration of this build.
    Time,
    /// Time per iteration of this build (head) and of another (base), in lock step.
    Ab {
        /// How to start the base build's peers.
        base: Launch,
        /// Re-measure a group whose cells show a change beyond this fraction (0.02 = 2%) with
        /// fresh processes, up to [`confirm::CONFIRMING_ATTEMPTS`] times; a cell then shows a
        /// change only if every attempt does. `None`: never.
        confirm: Option<f64>,
    },
    /// Instructions per iteration under valgrind's callgrind (deterministic).
    Instructions {
        /// The valgrind executable.
        valgrind: PathBuf,
    },
}

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Saving results failed.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// A peer could not be started at all, or a build does not speak the protocol: nothing of
    /// any group could be measured.
    #[error(transparent)]
    Peer(#[from] PeerError),
}

/// Hooks for showing progress. Every method has a no-op default, so a sink implements only what
/// it shows.
pub trait Progress {
    /// A group is about to be measured.
    fn group_started(&mut self, _group: &Group) {}
    /// A group is finished and saved; `cells` are head's.
    fn group_finished(&mut self, _group: &Group, _cells: &[Benchmark]) {}
    /// Something the user should know (a crashed peer, a re-measured group).
    fn warn(&mut self, _message: &str) {}
}

/// Where a build's results go: the document, and the file it is saved to after every group.
pub struct ResultsFile<'a> {
    /// The results.
    pub results: &'a mut Results,
    /// Its file.
    pub path: &'a Path,
}

impl ResultsFile<'_> {
    fn save(&mut self, cells: Vec<Benchmark>) -> Result<(), ResultsError> {
        for c in cells {
            self.results.upsert(c);
        }
        let mut controls =
            crate::summary::allocator_controls(self.results, crate::summary::CONTROL_THRESHOLD);
        self.results.allocator_control = controls
            .iter()
            .position(|c| c.threads == 1)
            .map(|i| controls.remove(i));
        self.results.allocator_control_threaded = controls;
        self.results.write_atomic(self.path)
    }
}

/// Everything the engine needs besides the groups.
#[derive(Clone, Debug)]
pub struct Engine {
    /// How to start this build's peers.
    pub head: Launch,
    /// What to measure.
    pub mode: Mode,
    /// How long and how carefully.
    pub settings: Settings,
    /// Seed of generated inputs.
    pub seed: u64,
    /// The user's input file, if any.
    pub input: Option<PathBuf>,
    /// The CPUs peers are pinned to: replica `r` on `cpus[r % len]`; empty: unpinned.
    pub cpus: Vec<usize>,
    /// What samples are timed with.
    pub clock: Clock,
    /// The seed layouts are drawn from (fresh every run; recorded in the results).
    pub layout_seed: u64,
    /// How long a peer may go without answering before it is killed as hung and the cell it ran
    /// fails ("did not return within N s"); `None`: wait forever. A sample, a counting pass, the
    /// verification of one variant: each must answer within it ([`Engine::prepare_allowance`]
    /// for what `prepare` does between two lines besides one call).
    pub time_limit: Option<Duration>,
}

impl Engine {
    /// Starts `g` and enters it into the window beside `active`.
    fn admit<'g>(
        &self,
        g: &'g Group,
        active: &[Active<'g>],
        progress: &mut dyn Progress,
    ) -> Result<Active<'g>, RunError> {
        progress.group_started(g);
        let floor = active
            .iter()
            .map(Active::progress)
            .fold(f64::INFINITY, f64::min);
        let mut excluded = loss::Excluded::default();
        let mut attempt_index = 0;
        let attempt =
            recover::start_whole(self, g, &mut excluded, false, &mut attempt_index, progress)?;
        Ok(Active {
            g,
            attempt,
            excluded,
            attempt_index,
            // A newcomer starts level with the least advanced group, not at zero: otherwise it
            // would take every round until it caught up.
            offset: if floor.is_finite() { floor } else { 0.0 },
        })
    }

    /// What a peer preparing `g` may take between two lines beyond the time limit: verification
    /// sends a line per variant, but a warm-up lasts [`Settings::warmup`] (its last batch up to
    /// twice that) before its line, and the workers of a threaded peer verify every variant
    /// between two lines (each call within the limit).
    pub(crate) fn prepare_allowance(&self, g: &Group) -> Duration {
        let workers_verify = if g.max_threads() > 1 {
            g.variants.len() as u32
        } else {
            0
        };
        let limit = self.time_limit.unwrap_or_default();
        limit * workers_verify + self.settings.warmup * 2
    }

    /// Measures `groups`, saving `head` (and `base`, in an A/B run) after every group, so an
    /// interrupted run keeps every group it finished. A group whose peers crash is measured again
    /// without the variant that crashed them (which becomes a failed cell); a cell that panics
    /// or disagrees with naive is a failed cell and the rest of its group is measured.
    pub fn run(
        &self,
        groups: &[Group],
        mut head: ResultsFile<'_>,
        mut base: Option<ResultsFile<'_>>,
        progress: &mut dyn Progress,
    ) -> Result<(), RunError> {
        self.stamp(&mut head)?;
        if let Some(b) = base.as_mut() {
            self.stamp(b)?;
        }
        if let Mode::Instructions { valgrind } = &self.mode {
            for g in groups {
                progress.group_started(g);
                let cells = instructions::measure(self, valgrind, g, progress)?;
                let shown = cells.clone();
                head.save(cells)?;
                progress.group_finished(g, &shown);
            }
            return Ok(());
        }
        // A sliding window of groups sampled side by side: the next round always goes to the
        // group least far through its share of time, so each group's rounds are spread over
        // the time the window takes (how fast a kernel runs on a shared host changes on a scale
        // of seconds; a group measured in one burst is one draw of that). A group leaves the
        // window when it is done and is saved at once, so an interrupted run keeps every group
        // it finished.
        let window = self.settings.window.max(1);
        let mut active: Vec<Active<'_>> = Vec::new();
        let mut next = 0;
        loop {
            while active.len() < window && next < groups.len() {
                active.push(self.admit(&groups[next], &active, progress)?);
                next += 1;
            }
            let Some(i) = (0..active.len())
                .min_by(|&a, &b| active[a].progress().total_cmp(&active[b].progress()))
            else {
                break;
            };
            let a = &mut active[i];
            if a.attempt.wants_more() {
                if let Err(stopped) = a.attempt.round() {
                    recover::exclude_culprits(self, a.g, &mut a.excluded, stopped, progress)?;
                    a.attempt = recover::start_whole(
                        self,
                        a.g,
                        &mut a.excluded,
                        false,
                        &mut a.attempt_index,
                        progress,
                    )?;
                }
                continue;
            }
            let mut a = active.swap_remove(i);
            let data = match a.attempt.finish() {
                Ok(data) => data,
                // A peer died in the counting pass: learn from it and measure the group again.
                Err(stopped) => {
                    recover::exclude_culprits(self, a.g, &mut a.excluded, stopped, progress)?;
                    recover::measure_until_whole(self, a.g, &mut a.excluded, false, progress)?
                }
            };
            let cells = self.cells(a.g, &data, &mut a.excluded, progress)?;
            let shown = cells.head.clone();
            head.save(cells.head)?;
            if let Some(b) = base.as_mut() {
                b.save(cells.base)?;
            }
            progress.group_finished(a.g, &shown);
        }
        Ok(())
    }

    /// Records how the run measures in its results, and saves them (so even a run that
    /// measures nothing leaves a valid file).
    fn stamp(&self, sink: &mut ResultsFile<'_>) -> Result<(), ResultsError> {
        let c = &mut sink.results.config;
        c.clock = Some(self.clock);
        c.pinned_cpus = self.cpus.clone();
        c.layout_seed = Some(self.layout_seed);
        c.processes = Some(self.processes());
        sink.results.write_atomic(sink.path)
    }

    /// The CPU replica `replica`'s peers are pinned to.
    pub fn cpu_of(&self, replica: usize) -> Option<usize> {
        (!self.cpus.is_empty()).then(|| self.cpus[replica % self.cpus.len()])
    }

    /// The CPUs of the worker threads of replica `replica`'s peers when a group runs up to
    /// `threads` threads: worker `i` (thread `i + 1`) on the CPU after its replica's by `i + 1`
    /// in the pinning order, so that N threads take N different CPUs while there are that many,
    /// and are spread evenly over them beyond (oversubscription). Empty when unpinned.
    ///
    /// Why pin at all, and not leave the workers to the scheduler: see METHODOLOGY.md §4.2
    /// (pinned, two threads take the two CPUs in every sample; unpinned, the scheduler sometimes
    /// stacks them on one for a while, and the cell's samples split into two populations).
    pub fn thread_cpus(&self, replica: usize, threads: usize) -> Vec<usize> {
        if self.cpus.is_empty() {
            return Vec::new();
        }
        (1..threads)
            .map(|i| self.cpus[(replica + i) % self.cpus.len()])
            .collect()
    }

    /// Processes per cell.
    pub fn processes(&self) -> usize {
        match self.mode {
            Mode::Instructions { .. } => 1,
            _ => self.settings.processes.max(1),
        }
    }

    fn builds(&self) -> Vec<(Build, &Launch)> {
        match &self.mode {
            Mode::Ab { base, .. } => vec![(Build::Head, &self.head), (Build::Base, base)],
            _ => vec![(Build::Head, &self.head)],
        }
    }

    /// A finished attempt's cells, and in an A/B run the confirmation of any change.
    fn cells(
        &self,
        g: &Group,
        data: &record::GroupData,
        excluded: &mut loss::Excluded,
        progress: &mut dyn Progress,
    ) -> Result<cells::BuildCells, RunError> {
        let cells = cells::build(self, g, data, excluded);
        match self.mode {
            Mode::Ab {
                confirm: Some(t), ..
            } => confirm::confirm(self, g, cells, t, excluded, progress),
            _ => Ok(cells),
        }
    }
}

/// A group in the window, with the attempt that is sampling it.
struct Active<'g> {
    g: &'g Group,
    attempt: group::Attempt,
    excluded: loss::Excluded,
    attempt_index: u64,
    offset: f64,
}

impl Active<'_> {
    fn progress(&self) -> f64 {
        self.offset + self.attempt.progress()
    }
}

/// Cells of `group` that all failed with `error`, under every allocator and at every thread
/// count (no measurement).
pub fn failed_cells(group: &Group, error: &str) -> Vec<Benchmark> {
    let mut cells = Vec::new();
    for a in &group.allocators {
        for &t in &group.threads {
            for (i, v) in group.variants.iter().enumerate() {
                let mut b = Benchmark::empty(
                    &group.workload,
                    v,
                    group.kind(i),
                    a,
                    &group.size,
                    group.size_bytes.unwrap_or(0) as u64,
                )
                .at_threads(t);
                b.status = CellStatus::Failed;
                b.error = Some(error.to_owned());
                cells.push(b);
            }
        }
    }
    cells
}
