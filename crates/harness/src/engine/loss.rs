//! What an attempt at a group reports when it stops short (peers lost, and what each was
//! running), and the cells excluded from the next attempt. Apart from both the attempt
//! ([`super::group`]), which reports them, and the recovery ([`super::recover`]), which acts on
//! them, so that neither needs the other's types.

use super::record::CellKey;
use super::{PeerError, PeerKey, RunError};
use std::collections::BTreeMap;

/// Cells that must not run again in this group, with the reason: the variant crashed a peer.
#[derive(Default)]
pub(crate) struct Excluded {
    pub(crate) cells: BTreeMap<CellKey, String>,
}

/// Why an attempt stopped short.
pub(crate) enum AttemptError {
    /// Peers died or hung (and were killed); each with the variant to blame, if known, and how
    /// it was running.
    PeersLost(Vec<LostPeer>),
    /// Nothing can go on (a build that cannot be started or does not speak the protocol).
    Fatal(RunError),
}

/// A peer that died or was killed as hung, and what it was running.
pub(crate) struct LostPeer {
    pub(crate) key: PeerKey,
    pub(crate) error: PeerError,
    /// What it was running, when known.
    pub(crate) culprit: Option<Culprit>,
}

/// The variant a peer was running when it died.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Culprit {
    /// Index into the group's variants.
    pub(crate) variant: usize,
    /// `None`: running it for the first time (verifying), which condemns it at every thread
    /// count; `Some(n)`: measuring it on `n` threads, which condemns that cell only.
    pub(crate) measuring: Option<usize>,
}

impl From<RunError> for AttemptError {
    fn from(e: RunError) -> Self {
        AttemptError::Fatal(e)
    }
}
