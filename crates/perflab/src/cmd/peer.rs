//! The hidden `__peer` mode: a measuring peer that the engine starts, per group, once per
//! allocator (and per build and replica).
//!
//! It answers the engine's commands on stdin and stdout until stdin closes. Its global
//! allocator was chosen from `PERFLAB_ALLOCATOR` before `main` ran.

use crate::cmd::{Outcome, Session};
use anyhow::{Context, Result};

/// Serves the engine's commands until stdin closes.
pub fn run(session: &Session) -> Result<Outcome> {
    perflab_harness::engine::bind_to_parent();
    let mut input = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    perflab_harness::engine::serve(
        &session.registry,
        session.alloc_probe(),
        &mut input,
        &mut out,
    )
    .context("cannot serve the measuring engine")?;
    Ok(Outcome::Success)
}
