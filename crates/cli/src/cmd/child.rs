//! The hidden `__measure` mode: the measuring child that `perflab run` starts once per allocator.
//!
//! It reads a request (JSON) on stdin and writes one JSON event per line on stdout. Its global
//! allocator was chosen from `PERFLAB_ALLOCATOR` before `main` ran.

use crate::Outcome;
use anyhow::{Context, Result};
use perflab_harness::runner::{ChildRequest, serve_child};
use std::io::Read;

/// Serves one request.
pub fn run() -> Result<Outcome> {
    let mut body = String::new();
    std::io::stdin()
        .read_to_string(&mut body)
        .context("cannot read the measurement request on stdin")?;
    let req: ChildRequest = serde_json::from_str(&body).context("malformed measurement request")?;
    let registry = perflab_catalog::registry();
    let mut out = std::io::stdout().lock();
    serve_child(&registry, &req, crate::alloc_probe(), &mut out)
        .context("cannot report measurements")?;
    Ok(Outcome::Success)
}

/// Serves one instruction-count request (the process runs under callgrind).
pub fn run_instructions() -> Result<Outcome> {
    let mut body = String::new();
    std::io::stdin()
        .read_to_string(&mut body)
        .context("cannot read the counting request on stdin")?;
    let req: perflab_harness::instructions::InstrRequest =
        serde_json::from_str(&body).context("malformed counting request")?;
    let reply = perflab_harness::instructions::serve(&perflab_catalog::registry(), &req);
    println!("{}", serde_json::to_string(&reply)?);
    Ok(Outcome::Success)
}

/// Serves a paired run's step-wise commands until stdin closes.
pub fn run_stepwise() -> Result<Outcome> {
    let registry = perflab_catalog::registry();
    let mut input = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    perflab_harness::paired::serve_stepwise(&registry, crate::alloc_probe(), &mut input, &mut out)
        .context("cannot serve the paired run")?;
    Ok(Outcome::Success)
}
