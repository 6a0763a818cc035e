//! One attempt at a group: start its peers, prepare them side by side, sample every cell in lock
//! step, count allocations. What happens when a peer dies is in [`super::recover`].

use super::layout::Layouts;
use super::protocol::{Cmd, InputSpec, PrepareCmd, Reply};
use super::recover::{Death, Excluded, Trouble};
use super::{Build, Engine, Peer, PeerError, PeerKey, RunError, schedule};
use crate::plan::Group;
use crate::probe::Tally;
use crate::results::CellStatus;
use crate::subject::Readiness;
use perflab_core::Rng;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Iterations of the counting pass: enough to average out one-off growth, few enough to be cheap.
const COUNT_ITERS: u64 = 16;

/// A cell of a group: a variant (index into the group's variants) under an allocator (index into
/// its allocators) in a build.
pub(crate) type CellKey = (Build, usize, usize);

/// What one cell of one peer came to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum State {
    /// Sampled every round.
    Live,
    /// Not sampled: unsupported, failed verification or warm-up, or failed while measured.
    Out(CellStatus, String),
}

/// Everything one attempt at a group measured.
pub(crate) struct GroupData {
    /// Peer index → who it is.
    pub(crate) keys: Vec<PeerKey>,
    /// Bytes per iteration, per build.
    pub(crate) size_bytes: BTreeMap<Build, u64>,
    /// `[peer][variant]`.
    pub(crate) states: Vec<Vec<State>>,
    /// `[peer][variant][round]`: ns per iteration; every live cell has one per round.
    pub(crate) samples: Vec<Vec<Vec<f64>>>,
    /// Iterations per sample, per variant (the same in every peer).
    pub(crate) iters: Vec<u64>,
    /// Allocation counts per cell (from its first replica).
    pub(crate) tallies: BTreeMap<CellKey, Tally>,
}

impl GroupData {
    /// The peer of `key`, if it was started.
    pub(crate) fn peer(&self, key: &PeerKey) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
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
}

/// One attempt at a group: its peers, prepared, and the rounds sampled so far. The engine
/// interleaves the rounds of several attempts (see [`super::Engine::run`]), so an attempt is a
/// value that takes one round at a time.
pub(crate) struct Attempt {
    settings: crate::plan::Settings,
    nv: usize,
    keys: Vec<PeerKey>,
    peers: Vec<Option<Live>>,
    states: Vec<Vec<State>>,
    samples: Vec<Vec<Vec<f64>>>,
    iters: Vec<u64>,
    size_bytes: BTreeMap<Build, u64>,
    layouts: Vec<Layouts>,
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
        let builds = engine.builds();
        let launch_of = |b: Build| builds.iter().find(|(x, _)| *x == b).map(|(_, l)| *l);
        let keys = peer_keys(engine, g, mirror);
        let mut states: Vec<Vec<State>> = Vec::new();
        let mut peers: Vec<Option<Live>> = Vec::new();
        for key in &keys {
            let mut row = Vec::with_capacity(nv);
            let mut slots = Vec::with_capacity(nv);
            let mut next = 0;
            for v in 0..nv {
                match excluded.cells.get(&(key.build, key.allocator, v)) {
                    Some(msg) => {
                        row.push(State::Out(CellStatus::Failed, msg.clone()));
                        slots.push(None);
                    }
                    None => {
                        row.push(State::Live);
                        slots.push(Some(next));
                        next += 1;
                    }
                }
            }
            states.push(row);
            if next == 0 {
                peers.push(None);
                continue;
            }
            let launch = launch_of(key.build).expect("every key's build has a launch");
            let allocator = &g.allocators[key.allocator];
            let peer =
                Peer::start(launch, allocator, label(engine, g, key)).map_err(RunError::Peer)?;
            peers.push(Some(Live { peer, slots }));
        }
        let mut attempt = Attempt {
            settings: engine.settings,
            nv,
            layouts: {
                let mut rng = Rng::new(
                    engine.layout_seed
                        ^ crate::compare::seed_of(&g.label())
                        ^ (salt << 40)
                        ^ u64::from(mirror),
                );
                keys.iter().map(|_| Layouts::new(&mut rng)).collect()
            },
            keys,
            peers,
            states,
            samples: Vec::new(),
            iters: vec![1; nv],
            size_bytes: BTreeMap::new(),
            rounds: 0,
            used: Duration::ZERO,
        };
        attempt.samples = vec![vec![Vec::new(); nv]; attempt.keys.len()];
        attempt.hello()?;
        attempt.prepare(engine, g)?;
        Ok(attempt)
    }

    fn hello(&mut self) -> Result<(), Trouble> {
        for live in self.peers.iter_mut().flatten() {
            if let Err(e) = live.peer.send(&Cmd::Hello) {
                return Err(Trouble::Fatal(RunError::Peer(not_a_peer(e))));
            }
        }
        for live in self.peers.iter_mut().flatten() {
            let label = live.peer.label().to_owned();
            let garbled = |what: String| {
                Trouble::Fatal(RunError::Peer(PeerError::Garbled {
                    label: label.clone(),
                    what,
                }))
            };
            match live.peer.receive() {
                Ok(Reply::Hello { protocol }) if protocol == super::protocol::PROTOCOL => {}
                Ok(Reply::Hello { protocol }) => {
                    return Err(garbled(format!(
                        "it speaks protocol {protocol}, this perflab speaks {}; build both from \
                         perflab versions that share it",
                        super::protocol::PROTOCOL
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
        let nv = self.nv;
        let mut deaths = Vec::new();
        for (p, live) in self.peers.iter_mut().enumerate() {
            let Some(live) = live else { continue };
            let variants: Vec<String> = (0..nv)
                .filter(|&v| live.slots[v].is_some())
                .map(|v| g.variants[v].clone())
                .collect();
            let cmd = Cmd::Prepare(Box::new(PrepareCmd {
                workload: g.workload.clone(),
                variants,
                input: input_spec(engine, g),
                settings: engine.settings,
                pin: engine.cpu_of(self.keys[p].replica),
                clock: engine.clock,
                verify: true,
            }));
            if let Err(error) = live.peer.send(&cmd) {
                deaths.push(Death {
                    key: self.keys[p].clone(),
                    error,
                    culprit: None,
                });
            }
        }
        for (p, slot) in self.peers.iter_mut().enumerate() {
            let Some(live) = slot else { continue };
            match live.peer.receive() {
                Ok(Reply::Prepared {
                    size_bytes,
                    variants,
                    ..
                }) => {
                    self.size_bytes.insert(self.keys[p].build, size_bytes);
                    for v in 0..nv {
                        let Some(s) = live.slots[v] else { continue };
                        match variants.get(s) {
                            Some(Readiness::Ready { iters }) => {
                                self.iters[v] = self.iters[v].max(*iters);
                            }
                            Some(Readiness::Unavailable { status, error }) => {
                                self.states[p][v] = State::Out(*status, error.clone());
                            }
                            None => {
                                self.states[p][v] = State::Out(
                                    CellStatus::Failed,
                                    "the peer did not report on it".to_owned(),
                                );
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
                    for v in 0..nv {
                        if live.slots[v].is_some() {
                            self.states[p][v] = State::Out(CellStatus::Failed, message.clone());
                        }
                    }
                    *slot = None;
                }
                Err(error) => {
                    let culprit = match &error {
                        PeerError::Died {
                            culprit: Some(name),
                            ..
                        } => g.variants.iter().position(|v| v == name).map(|v| (v, true)),
                        _ => None,
                    };
                    deaths.push(Death {
                        key: self.keys[p].clone(),
                        error,
                        culprit,
                    });
                }
            }
        }
        if deaths.is_empty() {
            Ok(())
        } else {
            Err(Trouble::Crashed(deaths))
        }
    }

    fn any_live(&self) -> bool {
        self.states
            .iter()
            .zip(&self.peers)
            .any(|(row, p)| p.is_some() && row.contains(&State::Live))
    }

    /// Whether the attempt needs another round: until `max_rounds`, and until both
    /// `min_rounds` and the group's budget are reached — always stopping after an even number
    /// of rounds, so that of any two peers each went first equally often (see `schedule`).
    pub(crate) fn wants_more(&self) -> bool {
        let s = &self.settings;
        if !self.any_live() || self.rounds >= s.max_rounds.max(1) {
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

    /// One round: every peer draws a new layout, then every live cell takes one sample.
    pub(crate) fn round(&mut self) -> Result<(), Trouble> {
        let started = Instant::now();
        let (nv, np) = (self.nv, self.keys.len());
        for p in schedule::relocation_order(self.rounds, nv, np) {
            let Some(live) = self.peers[p].as_mut() else {
                continue;
            };
            let (page_offset, stack_depth) = self.layouts[p].at(self.rounds);
            let cmd = Cmd::Relocate {
                page_offset,
                stack_depth,
            };
            if let Err(error) = live.peer.ask(&cmd) {
                return Err(Trouble::Crashed(vec![Death {
                    key: self.keys[p].clone(),
                    error,
                    culprit: None,
                }]));
            }
        }
        for turn in schedule::round(self.rounds, nv, np) {
            let (p, v) = (turn.peer, turn.variant);
            let Some(live) = self.peers[p].as_mut() else {
                continue;
            };
            let (Some(slot), State::Live) = (live.slots[v], &self.states[p][v]) else {
                continue;
            };
            match live.peer.ask(&Cmd::Sample {
                slot,
                iters: self.iters[v],
            }) {
                Ok(Reply::Sampled { ns }) => self.samples[p][v].push(ns),
                Ok(other) => {
                    self.states[p][v] =
                        State::Out(CellStatus::Failed, format!("unexpected answer {other:?}"));
                }
                Err(PeerError::Refused { message, .. }) => {
                    self.states[p][v] = State::Out(CellStatus::Failed, message);
                }
                Err(error) => {
                    return Err(Trouble::Crashed(vec![Death {
                        key: self.keys[p].clone(),
                        error,
                        culprit: Some((v, false)),
                    }]));
                }
            }
        }
        self.rounds += 1;
        self.used += started.elapsed();
        Ok(())
    }

    /// The counting pass, then the peers are let go. Allocation counts of deterministic code
    /// repeat exactly, so the first replica of each (build, allocator) counts for all.
    pub(crate) fn finish(mut self) -> Result<GroupData, Trouble> {
        let mut tallies = BTreeMap::new();
        for (p, key) in self.keys.iter().enumerate() {
            if key.replica != 0 {
                continue;
            }
            let Some(live) = self.peers[p].as_mut() else {
                continue;
            };
            for v in 0..self.nv {
                let (Some(slot), State::Live) = (live.slots[v], &self.states[p][v]) else {
                    continue;
                };
                let iters = self.iters[v].clamp(1, COUNT_ITERS);
                match live.peer.ask(&Cmd::Count { slot, iters }) {
                    Ok(Reply::Counted { tally }) => {
                        tallies.insert((key.build, key.allocator, v), tally);
                    }
                    Ok(_) => {}
                    Err(PeerError::Refused { message, .. }) if message.contains("panicked") => {
                        self.states[p][v] = State::Out(CellStatus::Failed, message);
                    }
                    // No counter in this peer (an in-process test peer): counts stay unknown.
                    Err(PeerError::Refused { .. }) => {}
                    Err(error) => {
                        return Err(Trouble::Crashed(vec![Death {
                            key: key.clone(),
                            error,
                            culprit: Some((v, false)),
                        }]));
                    }
                }
            }
        }
        for live in self.peers.drain(..).flatten() {
            live.peer.finish();
        }
        Ok(GroupData {
            keys: self.keys,
            size_bytes: self.size_bytes,
            states: self.states,
            samples: self.samples,
            iters: self.iters,
            tallies,
        })
    }
}
