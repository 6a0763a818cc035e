//! One attempt at a group: start its peers, prepare them side by side, sample every cell in lock
//! step, count allocations and measure footprints. What happens when a peer dies is in
//! [`super::recover`]; the names of what is measured (peers, columns, cells) in
//! [`super::record`].

use super::layout::Layouts;
use super::loss::{AttemptError, Culprit, Excluded, LostPeer};
use super::protocol::{Cmd, InputSpec, OLDEST_PROTOCOL, PROTOCOL, PrepareCmd, Reply};
use super::record::{CellKey, Column, ColumnRecord, GroupData, PeerRecord, Sample, columns};
use super::serve::NO_COUNTER;
use super::{Build, Engine, Peer, PeerError, PeerKey, RunError, schedule};
use crate::clock::Clock;
use crate::plan::Group;
use crate::probe::COUNT_ITERS;
use crate::results::CellStatus;
use crate::subject::Readiness;
use perflab_core::Rng;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

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
    fn lost(&self, error: PeerError, culprit: Option<Culprit>) -> LostPeer {
        LostPeer {
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
    /// collects their calibrations. `attempt_index` makes each attempt's layouts its own.
    pub(crate) fn start(
        engine: &Engine,
        g: &Group,
        excluded: &Excluded,
        mirror: bool,
        attempt_index: u64,
    ) -> Result<Attempt, AttemptError> {
        let nv = g.variants.len();
        let columns = columns(g);
        let builds = engine.builds();
        let launch_of = |b: Build| builds.iter().find(|(x, _)| *x == b).map(|(_, l)| *l);
        let mut rng = Rng::new(
            engine.layout_seed
                ^ crate::compare::seed_of(&g.label())
                ^ (attempt_index << 40)
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

    fn hello(&mut self, g: &Group) -> Result<(), AttemptError> {
        for live in self.peers.iter_mut().filter_map(|p| p.live.as_mut()) {
            if let Err(e) = live.peer.send(&Cmd::Hello) {
                return Err(AttemptError::Fatal(RunError::Peer(not_a_peer(e))));
            }
        }
        for live in self.peers.iter_mut().filter_map(|p| p.live.as_mut()) {
            let label = live.peer.label().to_owned();
            let garbled = |what: String| {
                AttemptError::Fatal(RunError::Peer(PeerError::Garbled {
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
                Err(e) => return Err(AttemptError::Fatal(RunError::Peer(not_a_peer(e)))),
            }
        }
        Ok(())
    }

    /// Every peer prepares at once (verification is the slow, untimed part; peers pin themselves
    /// afterwards), then the answers are collected.
    fn prepare(&mut self, engine: &Engine, g: &Group) -> Result<(), AttemptError> {
        let mut lost = Vec::new();
        for run in &mut self.peers {
            let Some(live) = run.live.as_mut() else {
                continue;
            };
            let cmd = prepare_cmd(engine, g, &live.slots, run.record.key.replica);
            if let Err(error) = live.peer.send(&cmd) {
                lost.push(LostPeer {
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
                    let slots = &live.slots;
                    let record = &mut run.record;
                    take_readiness(&self.columns, slots, &variants, record, &mut self.iters);
                }
                Ok(other) => {
                    return Err(AttemptError::Fatal(RunError::Peer(PeerError::Garbled {
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
                    lost.push(run.lost(error, culprit));
                }
            }
        }
        if lost.is_empty() {
            Ok(())
        } else {
            Err(AttemptError::PeersLost(lost))
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
    pub(crate) fn round(&mut self) -> Result<(), AttemptError> {
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
                return Err(AttemptError::PeersLost(vec![run.lost(error, None)]));
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
                    return Err(AttemptError::PeersLost(vec![
                        run.lost(error, Some(culprit)),
                    ]));
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
    pub(crate) fn finish(mut self) -> Result<GroupData, AttemptError> {
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
                        // No counter in this peer (an in-process test peer): counts stay unknown.
                        Err(PeerError::Refused { message, .. }) if message == NO_COUNTER => {}
                        // Anything else refused is the cell's: it panicked, disagreed with naive,
                        // or lost a thread.
                        Err(PeerError::Refused { message, .. }) => {
                            record.stop(CellStatus::Failed, message);
                        }
                        Err(error) => {
                            let culprit = Culprit {
                                variant: column.variant,
                                measuring: Some(threads),
                            };
                            let lost_peer = LostPeer {
                                key: run.record.key.clone(),
                                error,
                                culprit: Some(culprit),
                            };
                            return Err(AttemptError::PeersLost(vec![lost_peer]));
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

/// What a peer of `replica` is asked to prepare: the variants it has slots for, the group's input,
/// the run's settings and clock, its CPU and its workers' CPUs.
fn prepare_cmd(engine: &Engine, g: &Group, slots: &[Option<usize>], replica: usize) -> Cmd {
    let variants: Vec<String> = (0..g.variants.len())
        .filter(|&v| slots[v].is_some())
        .map(|v| g.variants[v].clone())
        .collect();
    Cmd::Prepare(Box::new(PrepareCmd {
        workload: g.workload.clone(),
        variants,
        input: input_spec(engine, g),
        settings: engine.settings,
        pin: engine.cpu_of(replica),
        clock: engine.clock,
        verify: true,
        threads: g.max_threads(),
        thread_cpus: engine.thread_cpus(replica, g.max_threads()),
    }))
}

/// Takes what a peer said of its variants after `prepare`: a ready variant's calibration raises
/// the group's iterations per sample (every peer samples a variant with the same count); an
/// unavailable one stops its columns with the reason (`slots[v]` is variant `v`'s slot).
fn take_readiness(
    columns: &[Column],
    slots: &[Option<usize>],
    variants: &[Readiness],
    record: &mut PeerRecord,
    iters: &mut [u64],
) {
    for (v, slot) in slots.iter().enumerate() {
        let Some(s) = *slot else { continue };
        let (status, error) = match variants.get(s) {
            Some(Readiness::Ready { iters: calibrated }) => {
                iters[v] = iters[v].max(*calibrated);
                continue;
            }
            Some(Readiness::Unavailable { status, error }) => (*status, error.clone()),
            None => (
                CellStatus::Failed,
                "the peer did not report on it".to_owned(),
            ),
        };
        for (c, r) in columns.iter().zip(&mut record.columns) {
            if c.variant == v && r.is_going() {
                r.stop(status, error.clone());
            }
        }
    }
}

/// The untimed passes after the rounds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    Count,
    Footprint,
}
