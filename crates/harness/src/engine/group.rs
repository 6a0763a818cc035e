//! One attempt at a group: start its peers, prepare them side by side, sample every cell in lock
//! step, count allocations and measure footprints. What happens when a peer dies is in
//! [`super::recover`].
//!
//! The names of the parts: a *peer* ([`PeerKey`]: build, allocator, replica) samples *columns*
//! ([`Column`]: a variant at a thread count); a *cell* ([`CellKey`]: build, allocator, variant,
//! threads) is one column of every replica of one (build, allocator), pooled.

use super::layout::Layouts;
use super::protocol::{Cmd, InputSpec, OLDEST_PROTOCOL, PROTOCOL, PrepareCmd, Reply};
use super::recover::{Culprit, Death, Excluded, Trouble};
use super::{Build, Engine, Peer, PeerError, PeerKey, RunError, schedule};
use crate::clock::Clock;
use crate::footprint::FootprintTally;
use crate::plan::Group;
use crate::probe::Tally;
use crate::results::CellStatus;
use crate::subject::Readiness;
use perflab_core::Rng;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Iterations of the counting and footprint passes: enough to average out one-off growth, few
/// enough to be cheap.
const COUNT_ITERS: u64 = 16;

/// What a peer samples: one variant (index into the group's variants) at one thread count. A
/// group's columns are every variant at every thread count, variant by variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    /// Index into the group's variants.
    pub(crate) variant: usize,
    /// Threads running it at once.
    pub(crate) threads: usize,
}

/// The columns of `g`: every variant at every thread count.
pub(crate) fn columns(g: &Group) -> Vec<Column> {
    (0..g.variants.len())
        .flat_map(|variant| {
            g.threads
                .iter()
                .map(move |&threads| Column { variant, threads })
        })
        .collect()
}

/// A cell of a group's results: a variant at a thread count, under an allocator (index into the
/// group's allocators), in a build. Its replicas are pooled into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct CellKey {
    pub(crate) build: Build,
    pub(crate) allocator: usize,
    pub(crate) variant: usize,
    pub(crate) threads: usize,
}

impl CellKey {
    /// The cell a peer's column belongs to.
    pub(crate) fn of(peer: &PeerKey, column: Column) -> CellKey {
        CellKey {
            build: peer.build,
            allocator: peer.allocator,
            variant: column.variant,
            threads: column.threads,
        }
    }

    /// The peer of replica `replica` that samples this cell.
    pub(crate) fn peer(&self, replica: usize) -> PeerKey {
        PeerKey {
            build: self.build,
            allocator: self.allocator,
            replica,
        }
    }

    /// The same cell with another variant, thread count or allocator.
    pub(crate) fn with(self, variant: usize, threads: usize, allocator: usize) -> CellKey {
        CellKey {
            variant,
            threads,
            allocator,
            ..self
        }
    }
}

/// Every cell of `g` in `engine`'s builds, build by build, then in the order of
/// [`Group::cell_ids`]: allocator by allocator, thread count by thread count, variant by variant.
pub(crate) fn cell_keys(engine: &Engine, g: &Group) -> Vec<CellKey> {
    let mut keys = Vec::new();
    for (build, _) in engine.builds() {
        for allocator in 0..g.allocators.len() {
            for &threads in &g.threads {
                for variant in 0..g.variants.len() {
                    keys.push(CellKey {
                        build,
                        allocator,
                        variant,
                        threads,
                    });
                }
            }
        }
    }
    keys
}

/// Whether a peer still samples a column.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Sampling {
    /// Sampled every round.
    Going,
    /// Not sampled: unsupported, failed verification or warm-up, or failed while measured.
    Stopped(CellStatus, String),
}

/// One sample of a column, per call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Sample {
    /// ns by the run's clock (one thread) or the wall clock (several).
    pub(crate) ns: f64,
    /// ns by the wall clock (unknown from peers of protocol 3).
    pub(crate) wall_ns: Option<f64>,
    /// Several threads: their mean CPU time.
    pub(crate) cpu_ns: Option<f64>,
    /// Several threads: the process's system CPU time per thread.
    pub(crate) sys_ns: Option<f64>,
    /// Several threads: how far apart they started, ns.
    pub(crate) skew_ns: Option<f64>,
}

/// What one column of one peer came to.
#[derive(Clone, Debug)]
pub(crate) struct ColumnRecord {
    pub(crate) sampling: Sampling,
    /// One per round while going.
    pub(crate) samples: Vec<Sample>,
    /// The counting pass (first replica only).
    pub(crate) tally: Option<Tally>,
    /// The footprint pass (first replica only).
    pub(crate) footprint: Option<FootprintTally>,
}

impl ColumnRecord {
    fn going() -> Self {
        ColumnRecord {
            sampling: Sampling::Going,
            samples: Vec::new(),
            tally: None,
            footprint: None,
        }
    }

    fn is_going(&self) -> bool {
        self.sampling == Sampling::Going
    }

    fn stop(&mut self, status: CellStatus, error: String) {
        self.sampling = Sampling::Stopped(status, error);
    }
}

/// What one peer measured.
pub(crate) struct PeerRecord {
    pub(crate) key: PeerKey,
    /// Indexed like the group's columns.
    pub(crate) columns: Vec<ColumnRecord>,
}

/// Everything one attempt at a group measured.
pub(crate) struct GroupData {
    /// The group's columns.
    pub(crate) columns: Vec<Column>,
    /// Every peer that took part, in the order the schedule indexed them.
    pub(crate) peers: Vec<PeerRecord>,
    /// Bytes per iteration, per build.
    pub(crate) size_bytes: BTreeMap<Build, u64>,
    /// Iterations per sample, per variant (the same in every peer and at every thread count).
    pub(crate) iters: Vec<u64>,
    /// The clock one-thread samples were timed by, per build, where the peers said.
    pub(crate) clocks: BTreeMap<Build, Clock>,
}

impl GroupData {
    /// The record of `key`'s column `column`, if that peer was started.
    pub(crate) fn record(&self, key: &PeerKey, column: Column) -> Option<&ColumnRecord> {
        let c = self.columns.iter().position(|&x| x == column)?;
        let peer = self.peers.iter().find(|p| &p.key == key)?;
        peer.columns.get(c)
    }
}

/// The peers of one attempt, in the order the schedule indexes them.
fn peer_keys(engine: &Engine, g: &Group, mirror: bool) -> Vec<PeerKey> {
    let mut keys = Vec::new();
    for replica in 0..engine.processes() {
        for (build, _) in engine.builds() {
            for allocator in 0..g.allocators.len() {
                keys.push(PeerKey {
                    build,
                    allocator,
                    replica,
                });
            }
        }
    }
    if mirror {
        keys.reverse();
    }
    keys
}

/// The input every peer of the group builds.
pub(crate) fn input_spec(engine: &Engine, g: &Group) -> InputSpec {
    match (&engine.input, g.size_bytes) {
        (Some(path), _) => InputSpec::File { path: path.clone() },
        (None, size) => InputSpec::Generated {
            size: size.unwrap_or(0),
            seed: engine.seed,
        },
    }
}

fn label(engine: &Engine, g: &Group, key: &PeerKey) -> String {
    let mut s = String::new();
    if engine.builds().len() > 1 {
        s.push_str(key.build.name());
        s.push('/');
    }
    s.push_str(&g.allocators[key.allocator]);
    if engine.processes() > 1 {
        s.push_str(&format!("#{}", key.replica + 1));
    }
    s
}

/// A program that ends at `hello` is no peer (e.g. a perflab from before the engine, which has
/// no `__peer` mode): say that, not that it crashed.
fn not_a_peer(e: PeerError) -> PeerError {
    match e {
        PeerError::Died { label, status, .. } => PeerError::Garbled {
            label,
            what: format!("it ended at once ({status})"),
        },
        other => other,
    }
}

/// A started peer with the variants it prepared: `slots[v]` is variant `v`'s slot in it.
struct Live {
    peer: Peer,
    slots: Vec<Option<usize>>,
    /// The protocol version it speaks.
    protocol: u32,
}

/// One peer of an attempt: who it is, its process (while it runs), what it measured, and the
/// layouts it is asked to take round after round.
struct PeerRun {
    record: PeerRecord,
    live: Option<Live>,
    layouts: Layouts,
}

impl PeerRun {
    fn death(&self, error: PeerError, culprit: Option<Culprit>) -> Death {
        Death {
            key: self.record.key.clone(),
            error,
            culprit,
        }
    }
}

/// One attempt at a group: its peers, prepared, and the rounds sampled so far. The engine
/// interleaves the rounds of several attempts (see [`super::Engine::run`]), so an attempt is a
/// value that takes one round at a time.
pub(crate) struct Attempt {
    settings: crate::plan::Settings,
    columns: Vec<Column>,
    peers: Vec<PeerRun>,
    iters: Vec<u64>,
    size_bytes: BTreeMap<Build, u64>,
    clocks: BTreeMap<Build, Clock>,
    rounds: usize,
    /// Wall time spent in rounds.
    used: Duration,
}

impl Attempt {
    /// Starts `g`'s peers (all but the cells in `excluded`), has them prepare side by side, and
    /// collects their calibrations. `salt` makes each attempt's layouts its own.
    pub(crate) fn start(
        engine: &Engine,
        g: &Group,
        excluded: &Excluded,
        mirror: bool,
        salt: u64,
    ) -> Result<Attempt, Trouble> {
        let nv = g.variants.len();
        let columns = columns(g);
        let builds = engine.builds();
        let launch_of = |b: Build| builds.iter().find(|(x, _)| *x == b).map(|(_, l)| *l);
        let mut rng = Rng::new(
            engine.layout_seed
                ^ crate::compare::seed_of(&g.label())
                ^ (salt << 40)
                ^ u64::from(mirror),
        );
        let mut peers = Vec::new();
        for key in peer_keys(engine, g, mirror) {
            let mut record = PeerRecord {
                key: key.clone(),
                columns: Vec::with_capacity(columns.len()),
            };
            for &column in &columns {
                let mut r = ColumnRecord::going();
                if let Some(msg) = excluded.cells.get(&CellKey::of(&key, column)) {
                    r.stop(CellStatus::Failed, msg.clone());
                }
                record.columns.push(r);
            }
            // A variant is prepared when any of its columns is still to be sampled.
            let mut slots = Vec::with_capacity(nv);
            let mut next = 0;
            for v in 0..nv {
                let wanted = columns
                    .iter()
                    .zip(&record.columns)
                    .any(|(c, r)| c.variant == v && r.is_going());
                slots.push(wanted.then(|| {
                    next += 1;
                    next - 1
                }));
            }
            let live = if next == 0 {
                None
            } else {
                let launch = launch_of(key.build).expect("every key's build has a launch");
                let allocator = &g.allocators[key.allocator];
                let mut peer = Peer::start(launch, allocator, label(engine, g, &key))
                    .map_err(RunError::Peer)?;
                peer.set_time_limit(engine.time_limit);
                Some(Live {
                    peer,
                    slots,
                    protocol: PROTOCOL,
                })
            };
            peers.push(PeerRun {
                record,
                live,
                layouts: Layouts::new(&mut rng),
            });
        }
        let mut attempt = Attempt {
            settings: engine.settings,
            columns,
            peers,
            iters: vec![1; nv],
            size_bytes: BTreeMap::new(),
            clocks: BTreeMap::new(),
            rounds: 0,
            used: Duration::ZERO,
        };
        attempt.hello(g)?;
        attempt.prepare(engine, g)?;
        Ok(attempt)
    }

    fn hello(&mut self, g: &Group) -> Result<(), Trouble> {
        for live in self.peers.iter_mut().filter_map(|p| p.live.as_mut()) {
            if let Err(e) = live.peer.send(&Cmd::Hello) {
                return Err(Trouble::Fatal(RunError::Peer(not_a_peer(e))));
            }
        }
        for live in self.peers.iter_mut().filter_map(|p| p.live.as_mut()) {
            let label = live.peer.label().to_owned();
            let garbled = |what: String| {
                Trouble::Fatal(RunError::Peer(PeerError::Garbled {
                    label: label.clone(),
                    what,
                }))
            };
            match live.peer.receive() {
                Ok(Reply::Hello { protocol }) if protocol == PROTOCOL => {}
                // A build from before threads measures one thread as it always did.
                Ok(Reply::Hello { protocol })
                    if (OLDEST_PROTOCOL..PROTOCOL).contains(&protocol) && g.max_threads() == 1 =>
                {
                    live.protocol = protocol;
                }
                Ok(Reply::Hello { protocol })
                    if (OLDEST_PROTOCOL..PROTOCOL).contains(&protocol) =>
                {
                    return Err(garbled(format!(
                        "it speaks protocol {protocol}, from before threads; measure it with \
                         --threads 1, or build both from perflab versions that speak {PROTOCOL}"
                    )));
                }
                Ok(Reply::Hello { protocol }) => {
                    return Err(garbled(format!(
                        "it speaks protocol {protocol}, this perflab speaks {PROTOCOL}; build both \
                         from perflab versions that share it"
                    )));
                }
                Ok(other) => return Err(garbled(format!("it answered hello with {other:?}"))),
                // Builds before the engine answered this `hello` with an error.
                Err(PeerError::Refused { message, .. }) => {
                    return Err(garbled(format!("an older protocol ({message})")));
                }
                Err(e) => return Err(Trouble::Fatal(RunError::Peer(not_a_peer(e)))),
            }
        }
        Ok(())
    }

    /// Every peer prepares at once (verification is the slow, untimed part; peers pin themselves
    /// afterwards), then the answers are collected.
    fn prepare(&mut self, engine: &Engine, g: &Group) -> Result<(), Trouble> {
        let nv = g.variants.len();
        let mut deaths = Vec::new();
        for run in &mut self.peers {
            let Some(live) = run.live.as_mut() else {
                continue;
            };
            let variants: Vec<String> = (0..nv)
                .filter(|&v| live.slots[v].is_some())
                .map(|v| g.variants[v].clone())
                .collect();
            let replica = run.record.key.replica;
            let cmd = Cmd::Prepare(Box::new(PrepareCmd {
                workload: g.workload.clone(),
                variants,
                input: input_spec(engine, g),
                settings: engine.settings,
                pin: engine.cpu_of(replica),
                clock: engine.clock,
                verify: true,
                threads: g.max_threads(),
                thread_cpus: engine.thread_cpus(replica, g.max_threads()),
            }));
            if let Err(error) = live.peer.send(&cmd) {
                deaths.push(Death {
                    key: run.record.key.clone(),
                    error,
                    culprit: None,
                });
            }
        }
        let allowance = engine.prepare_allowance(g);
        for run in &mut self.peers {
            let Some(live) = run.live.as_mut() else {
                continue;
            };
            match live.peer.receive_within(allowance) {
                Ok(Reply::Prepared {
                    size_bytes,
                    variants,
                    clock,
                    ..
                }) => {
                    self.size_bytes.insert(run.record.key.build, size_bytes);
                    if let Some(c) = clock {
                        self.clocks.insert(run.record.key.build, c);
                    }
                    for v in 0..nv {
                        let Some(s) = live.slots[v] else { continue };
                        let stopped = match variants.get(s) {
                            Some(Readiness::Ready { iters }) => {
                                self.iters[v] = self.iters[v].max(*iters);
                                None
                            }
                            Some(Readiness::Unavailable { status, error }) => {
                                Some((*status, error.clone()))
                            }
                            None => Some((
                                CellStatus::Failed,
                                "the peer did not report on it".to_owned(),
                            )),
                        };
                        if let Some((status, error)) = stopped {
                            for (c, r) in self.columns.iter().zip(&mut run.record.columns) {
                                if c.variant == v && r.is_going() {
                                    r.stop(status, error.clone());
                                }
                            }
                        }
                    }
                }
                Ok(other) => {
                    return Err(Trouble::Fatal(RunError::Peer(PeerError::Garbled {
                        label: live.peer.label().to_owned(),
                        what: format!("it answered prepare with {other:?}"),
                    })));
                }
                Err(PeerError::Refused { message, .. }) => {
                    // The group cannot be prepared in this peer (an input the workload cannot
                    // use): every cell of it fails with that reason; nothing crashed.
                    for r in run.record.columns.iter_mut().filter(|r| r.is_going()) {
                        r.stop(CellStatus::Failed, message.clone());
                    }
                    run.live = None;
                }
                Err(error) => {
                    let culprit = error
                        .culprit()
                        .and_then(|name| g.variants.iter().position(|v| v == name))
                        .map(|variant| Culprit {
                            variant,
                            measuring: None,
                        });
                    deaths.push(run.death(error, culprit));
                }
            }
        }
        if deaths.is_empty() {
            Ok(())
        } else {
            Err(Trouble::Crashed(deaths))
        }
    }

    fn any_going(&self) -> bool {
        self.peers
            .iter()
            .any(|p| p.live.is_some() && p.record.columns.iter().any(ColumnRecord::is_going))
    }

    /// Whether the attempt needs another round: until `max_rounds`, and until both
    /// `min_rounds` and the group's budget are reached — always stopping after an even number
    /// of rounds, so that of any two peers each went first equally often (see `schedule`).
    pub(crate) fn wants_more(&self) -> bool {
        let s = &self.settings;
        if !self.any_going() || self.rounds >= s.max_rounds.max(1) {
            return false;
        }
        !(self.rounds >= s.min_rounds
            && self.rounds.is_multiple_of(2)
            && self.used >= s.group_budget)
    }

    /// How far through its share of time the attempt is, by the larger of its budget and the
    /// time its minimum rounds take at the pace seen so far: the engine gives the next round to
    /// the attempt that is least far, so that the rounds of side-by-side groups are spread
    /// evenly over the time they share.
    pub(crate) fn progress(&self) -> f64 {
        let s = &self.settings;
        let per_round = if self.rounds == 0 {
            Duration::ZERO
        } else {
            self.used / self.rounds as u32
        };
        let expected = s
            .group_budget
            .max(per_round * s.min_rounds as u32)
            .max(Duration::from_micros(1));
        self.used.as_secs_f64() / expected.as_secs_f64()
    }

    /// One round: every peer draws a new layout, then every going column takes one sample.
    pub(crate) fn round(&mut self) -> Result<(), Trouble> {
        let started = Instant::now();
        let (nc, np) = (self.columns.len(), self.peers.len());
        for p in schedule::relocation_order(self.rounds, nc, np) {
            let run = &mut self.peers[p];
            let Some(live) = run.live.as_mut() else {
                continue;
            };
            let (page_offset, stack_depth) = run.layouts.at(self.rounds);
            let cmd = Cmd::Relocate {
                page_offset,
                stack_depth,
            };
            if let Err(error) = live.peer.ask(&cmd) {
                return Err(Trouble::Crashed(vec![run.death(error, None)]));
            }
        }
        for turn in schedule::round(self.rounds, nc, np) {
            let column = self.columns[turn.column];
            let run = &mut self.peers[turn.peer];
            let Some(live) = run.live.as_mut() else {
                continue;
            };
            let record = &mut run.record.columns[turn.column];
            let (Some(slot), true) = (live.slots[column.variant], record.is_going()) else {
                continue;
            };
            let cmd = Cmd::Sample {
                slot,
                iters: self.iters[column.variant],
                threads: column.threads,
            };
            match live.peer.ask(&cmd) {
                Ok(Reply::Sampled {
                    ns,
                    wall_ns,
                    cpu_ns,
                    sys_ns,
                    skew_ns,
                }) => record.samples.push(Sample {
                    ns,
                    wall_ns,
                    cpu_ns,
                    sys_ns,
                    skew_ns,
                }),
                Ok(other) => {
                    record.stop(CellStatus::Failed, format!("unexpected answer {other:?}"));
                }
                Err(PeerError::Refused { message, .. }) => {
                    // The round says when: a kernel that goes wrong after many calls fails in
                    // the round it did, with every earlier sample of it discarded too.
                    let round = self.rounds + 1;
                    record.stop(CellStatus::Failed, format!("{message} (round {round})"));
                }
                Err(error) => {
                    let culprit = Culprit {
                        variant: column.variant,
                        measuring: Some(column.threads),
                    };
                    return Err(Trouble::Crashed(vec![run.death(error, Some(culprit))]));
                }
            }
        }
        self.rounds += 1;
        self.used += started.elapsed();
        Ok(())
    }

    /// The counting and footprint passes, then the peers are let go. Allocation counts of
    /// deterministic code repeat exactly, so the first replica of each (build, allocator) counts
    /// for all; each footprint pass follows its own column's count, after the allocator released
    /// what it holds free (so a footprint does not depend on what ran before it).
    pub(crate) fn finish(mut self) -> Result<GroupData, Trouble> {
        for run in &mut self.peers {
            if run.record.key.replica != 0 {
                continue;
            }
            let Some(live) = run.live.as_mut() else {
                continue;
            };
            for (c, column) in self.columns.iter().enumerate() {
                // Each column's footprint right after its own counting pass: under glibc a
                // thread's arena keeps its top (malloc_trim cannot return it), so what a
                // threaded footprint starts from is what this variant's own calls left there,
                // never what another variant left (see METHODOLOGY.md, footprint).
                for pass in [Pass::Count, Pass::Footprint] {
                    if pass == Pass::Footprint && live.protocol < 4 {
                        continue;
                    }
                    let record = &mut run.record.columns[c];
                    let (Some(slot), true) = (live.slots[column.variant], record.is_going()) else {
                        continue;
                    };
                    let iters = self.iters[column.variant].clamp(1, COUNT_ITERS);
                    let threads = column.threads;
                    let cmd = match pass {
                        Pass::Count => Cmd::Count {
                            slot,
                            iters,
                            threads,
                        },
                        Pass::Footprint => Cmd::Footprint {
                            slot,
                            iters,
                            threads,
                        },
                    };
                    match live.peer.ask(&cmd) {
                        Ok(Reply::Counted { tally }) => record.tally = Some(tally),
                        Ok(Reply::Footprinted { footprint }) => record.footprint = Some(footprint),
                        Ok(_) => {}
                        Err(PeerError::Refused { message, .. })
                            if message.contains("panicked")
                                || message.contains("differs from naive") =>
                        {
                            record.stop(CellStatus::Failed, message);
                        }
                        // No counter in this peer (an in-process test peer): counts stay unknown.
                        Err(PeerError::Refused { .. }) => {}
                        Err(error) => {
                            let culprit = Culprit {
                                variant: column.variant,
                                measuring: Some(threads),
                            };
                            let death = Death {
                                key: run.record.key.clone(),
                                error,
                                culprit: Some(culprit),
                            };
                            return Err(Trouble::Crashed(vec![death]));
                        }
                    }
                }
            }
        }
        let mut peers = Vec::with_capacity(self.peers.len());
        for run in self.peers {
            if let Some(live) = run.live {
                live.peer.finish();
            }
            peers.push(run.record);
        }
        Ok(GroupData {
            columns: self.columns,
            peers,
            size_bytes: self.size_bytes,
            iters: self.iters,
            clocks: self.clocks,
        })
    }
}

/// The untimed passes after the rounds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Count,
    Footprint,
}
