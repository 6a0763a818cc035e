//! What the engine does when peers die: the cell to blame is excluded and the group measured
//! again by fresh peers, until an attempt completes (or nothing is left to try).

use super::group::{Attempt, CellKey, GroupData};
use super::{Engine, PeerError, PeerKey, Progress, RunError};
use crate::plan::Group;
use std::collections::BTreeMap;

/// Cells that must not run again in this group, with the reason: the variant crashed a peer.
#[derive(Default)]
pub(crate) struct Excluded {
    pub(crate) cells: BTreeMap<CellKey, String>,
}

/// Why an attempt stopped short.
pub(crate) enum Trouble {
    /// Peers died; each with the variant to blame, if known, and how it was running.
    Crashed(Vec<Death>),
    /// Nothing can go on (a build that cannot be started or does not speak the protocol).
    Fatal(RunError),
}

pub(crate) struct Death {
    pub(crate) key: PeerKey,
    pub(crate) error: PeerError,
    /// The variant (index) that was running, and whether for the first time.
    pub(crate) culprit: Option<(usize, bool)>,
}

impl From<RunError> for Trouble {
    fn from(e: RunError) -> Self {
        Trouble::Fatal(e)
    }
}

/// Measures `g` until an attempt completes without a peer dying: every crash excludes the cell
/// that caused it (or the whole allocator's cells, when no variant can be blamed) and the group
/// is measured again with fresh peers. `mirror` reverses the peers' order (a confirming attempt).
pub(crate) fn measure_until_whole(
    engine: &Engine,
    g: &Group,
    excluded: &mut Excluded,
    mirror: bool,
    progress: &mut dyn Progress,
) -> Result<GroupData, RunError> {
    let mut salt = 0;
    loop {
        let mut attempt = start_whole(engine, g, excluded, mirror, &mut salt, progress)?;
        let outcome = (|| {
            while attempt.wants_more() {
                attempt.round()?;
            }
            attempt.finish()
        })();
        match outcome {
            Ok(data) => return Ok(data),
            Err(trouble) => settle(engine, g, excluded, trouble, progress)?,
        }
    }
}

/// Starts an attempt at `g`, excluding what crashes its peers while they prepare, until one
/// starts.
pub(crate) fn start_whole(
    engine: &Engine,
    g: &Group,
    excluded: &mut Excluded,
    mirror: bool,
    salt: &mut u64,
    progress: &mut dyn Progress,
) -> Result<Attempt, RunError> {
    loop {
        *salt += 1;
        match Attempt::start(engine, g, excluded, mirror, *salt) {
            Ok(a) => return Ok(a),
            Err(trouble) => settle(engine, g, excluded, trouble, progress)?,
        }
    }
}

/// Learns from an attempt that stopped short: every crash excludes the cell that caused it (or
/// the whole allocator's cells, when no variant can be blamed). An error when nothing can go on,
/// or when a crash taught nothing new (the group would crash again the same way): then every
/// cell still measurable is excluded too, and the next attempt only records failures.
pub(crate) fn settle(
    engine: &Engine,
    g: &Group,
    excluded: &mut Excluded,
    trouble: Trouble,
    progress: &mut dyn Progress,
) -> Result<(), RunError> {
    match trouble {
        Trouble::Fatal(e) => Err(e),
        Trouble::Crashed(deaths) => {
            let before = excluded.cells.len();
            for d in deaths {
                exclude(engine, g, excluded, d, progress);
            }
            if excluded.cells.len() == before {
                for (b, _) in engine.builds() {
                    for a in 0..g.allocators.len() {
                        for v in 0..g.variants.len() {
                            excluded.cells.entry((b, a, v)).or_insert_with(|| {
                                "the measuring processes kept crashing; the group was given up"
                                    .to_owned()
                            });
                        }
                    }
                }
            }
            Ok(())
        }
    }
}

fn exclude(
    engine: &Engine,
    g: &Group,
    excluded: &mut Excluded,
    d: Death,
    progress: &mut dyn Progress,
) {
    let allocator = &g.allocators[d.key.allocator];
    let build = d.key.build;
    let who = if engine.builds().len() > 1 {
        format!("{}, {allocator}", build.name())
    } else {
        allocator.clone()
    };
    let status = match &d.error {
        PeerError::Died { status, .. } => status.clone(),
        other => other.to_string(),
    };
    let base = format!("the measuring process ({who}) crashed: {status}");
    match d.culprit {
        // Naive is every other variant's baseline: without it nothing under this allocator
        // can be verified.
        Some((v, first)) if v != 0 => {
            let how = if first {
                "while running it for the first time"
            } else {
                "while measuring it"
            };
            let msg = format!("{base} ({how}: `{}`)", g.variants[v]);
            progress.warn(&format!(
                "{}/{}/{allocator}: {msg}",
                g.label(),
                g.variants[v]
            ));
            excluded
                .cells
                .entry((build, d.key.allocator, v))
                .or_insert(msg);
        }
        _ => {
            progress.warn(&format!("{}/{allocator}: {base}", g.label()));
            for v in 0..g.variants.len() {
                excluded
                    .cells
                    .entry((build, d.key.allocator, v))
                    .or_insert_with(|| base.clone());
            }
        }
    }
}
