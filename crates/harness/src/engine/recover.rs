//! What the engine does when peers die: the cell to blame is excluded and the group measured
//! again by fresh peers, until an attempt completes (or nothing is left to try).

use super::group::Attempt;
use super::loss::{AttemptError, Culprit, Excluded, LostPeer};
use super::record::{CellKey, GroupData, cell_keys};
use super::{Engine, PeerError, Progress, RunError};
use crate::plan::Group;

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
    let mut attempt_index = 0;
    loop {
        let mut attempt = start_whole(engine, g, excluded, mirror, &mut attempt_index, progress)?;
        let outcome = (|| {
            while attempt.wants_more() {
                attempt.round()?;
            }
            attempt.finish()
        })();
        match outcome {
            Ok(data) => return Ok(data),
            Err(stopped) => exclude_culprits(engine, g, excluded, stopped, progress)?,
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
    attempt_index: &mut u64,
    progress: &mut dyn Progress,
) -> Result<Attempt, RunError> {
    loop {
        *attempt_index += 1;
        match Attempt::start(engine, g, excluded, mirror, *attempt_index) {
            Ok(a) => return Ok(a),
            Err(stopped) => exclude_culprits(engine, g, excluded, stopped, progress)?,
        }
    }
}

/// Learns from an attempt that stopped short: every crash excludes the cell that caused it (or
/// the whole allocator's cells, when no variant can be blamed). An error when nothing can go on,
/// or when a crash taught nothing new (the group would crash again the same way): then every
/// cell still measurable is excluded too, and the next attempt only records failures.
pub(crate) fn exclude_culprits(
    engine: &Engine,
    g: &Group,
    excluded: &mut Excluded,
    stopped: AttemptError,
    progress: &mut dyn Progress,
) -> Result<(), RunError> {
    match stopped {
        AttemptError::Fatal(e) => Err(e),
        AttemptError::PeersLost(lost) => {
            let before = excluded.cells.len();
            for d in lost {
                exclude(engine, g, excluded, d, progress);
            }
            if excluded.cells.len() == before {
                for key in cell_keys(engine, g) {
                    excluded.cells.entry(key).or_insert_with(|| {
                        "the measuring processes kept crashing; the group was given up".to_owned()
                    });
                }
            }
            Ok(())
        }
    }
}

/// What a cell that lost its measuring process (`who`: its allocator, and build in an A/B run)
/// says: it crashed, or it did not answer within the time limit and was stopped. The same words
/// in every mode.
pub(crate) fn lost_peer_message(error: &PeerError, who: &str) -> String {
    match error {
        PeerError::Died { status, .. } => {
            format!("the measuring process ({who}) crashed: {status}")
        }
        PeerError::TimedOut { limit, .. } => format!(
            "did not return within {} s (the time limit; --timeout sets it), so the measuring \
             process ({who}) was stopped",
            super::peer::seconds(*limit)
        ),
        other => format!("the measuring process ({who}) crashed: {other}"),
    }
}

fn exclude(
    engine: &Engine,
    g: &Group,
    excluded: &mut Excluded,
    d: LostPeer,
    progress: &mut dyn Progress,
) {
    let allocator = &g.allocators[d.key.allocator];
    let build = d.key.build;
    let who = if engine.builds().len() > 1 {
        format!("{}, {allocator}", build.name())
    } else {
        allocator.clone()
    };
    let base = lost_peer_message(&d.error, &who);
    let cell = |variant: usize, threads: usize| CellKey {
        build,
        allocator: d.key.allocator,
        variant,
        threads,
    };
    match d.culprit {
        // Naive is every other variant's baseline: without it nothing under this allocator
        // can be verified.
        Some(Culprit { variant, measuring })
            if variant != 0 || measuring.is_some_and(|t| t > 1) =>
        {
            let (how, threads): (String, Vec<usize>) = match measuring {
                None => (
                    "while running it for the first time".to_owned(),
                    g.threads.clone(),
                ),
                Some(1) => ("while measuring it".to_owned(), vec![1]),
                Some(t) => (format!("while measuring it on {t} threads"), vec![t]),
            };
            let msg = format!("{base} ({how}: `{}`)", g.variants[variant]);
            progress.warn(&format!(
                "{}/{}/{allocator}: {msg}",
                g.label(),
                g.variants[variant]
            ));
            for t in threads {
                excluded
                    .cells
                    .entry(cell(variant, t))
                    .or_insert_with(|| msg.clone());
            }
        }
        _ => {
            progress.warn(&format!("{}/{allocator}: {base}", g.label()));
            for key in cell_keys(engine, g)
                .into_iter()
                .filter(|k| k.build == build && k.allocator == d.key.allocator)
            {
                excluded.cells.entry(key).or_insert_with(|| base.clone());
            }
        }
    }
}
