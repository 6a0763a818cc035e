//! What an attempt at a group measured, by name: a *peer* ([`PeerKey`]: build, allocator,
//! replica) samples *columns* ([`Column`]: a variant at a thread count); a *cell* ([`CellKey`]:
//! build, allocator, variant, threads) is one column of every replica of one (build, allocator),
//! pooled. [`GroupData`] is what the engine turns into results cells ([`super::cells`]).

use super::{Build, Engine, PeerKey};
use crate::clock::Clock;
use crate::footprint::FootprintTally;
use crate::plan::Group;
use crate::probe::Tally;
use crate::results::CellStatus;
use std::collections::BTreeMap;

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
    pub(crate) fn going() -> Self {
        ColumnRecord {
            sampling: Sampling::Going,
            samples: Vec::new(),
            tally: None,
            footprint: None,
        }
    }

    pub(crate) fn is_going(&self) -> bool {
        self.sampling == Sampling::Going
    }

    pub(crate) fn stop(&mut self, status: CellStatus, error: String) {
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
