//! `perflab live`: watch the variants run, frame by frame, in puffin_viewer.
//!
//! Starts a puffin_http server (loopback by default), prints the exact `puffin_viewer --url …`
//! command, and runs the selected cells in rotation, one puffin frame per round, until
//! `--seconds` pass or Ctrl-C. `--record` also writes the frames to a `.puffin` file.

use crate::cmd::{Outcome, Session};
use anyhow::Result;
use perflab_profile::Cell;
use perflab_profile::capture::DEFAULT_MAX_FRAMES;
use perflab_profile::live::{self, DEFAULT_ADDR, LiveOptions, LiveServer};
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Arguments of `perflab live`.
#[derive(clap::Args)]
pub struct Args {
    /// Address of the puffin server. Loopback by default; give 0.0.0.0:PORT to serve others.
    #[arg(long, value_name = "IP:PORT", default_value = DEFAULT_ADDR)]
    addr: String,
    /// Only these workloads (repeatable). Default: all.
    #[arg(long = "workload", short = 'w', value_name = "W")]
    workloads: Vec<String>,
    /// Stop after N seconds. Default: run until Ctrl-C (or SIGTERM).
    #[arg(long, value_name = "N", value_parser = super::parse_seconds)]
    seconds: Option<f64>,
    /// Generated input size of every cell.
    #[arg(long, value_name = "S", default_value = "64KiB", value_parser = super::parse_size_arg)]
    size: usize,
    /// Also save the frames to this .puffin file (open it with `puffin_viewer FILE`).
    #[arg(long, value_name = "FILE.puffin")]
    record: Option<PathBuf>,
    /// Frames a recording keeps (the newest); every scope's name is kept regardless.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_FRAMES,
        requires = "record",
        value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..)
    )]
    max_frames: usize,
    /// Seed of the generated inputs.
    #[arg(long, default_value_t = perflab_core::DEFAULT_SEED)]
    seed: u64,
    /// Run every cell on N threads at once (each on its own copy of the input); puffin_viewer
    /// shows one timeline per thread.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = super::run::parse_threads_arg)]
    threads: usize,
    #[command(flatten)]
    timeout: super::InProcessTimeout,
}

/// Serves live profiles of the selected cells.
pub fn run(args: Args, session: &Session) -> Result<Outcome> {
    let duration = args.seconds.map(Duration::from_secs_f64);
    if let Some(path) = &args.record {
        check_writable(path)?;
    }
    if !perflab_core::SCOPES_COMPILED {
        return Err(perflab_profile::ProfileError::ScopesNotCompiled.into());
    }
    // Scope times should be what `run` measures: allocations uncounted, as in its timed samples.
    perflab_alloc::set_counting(false);
    let source = perflab_core::InputSource::Generated {
        size: args.size,
        seed: args.seed,
    };
    let limit = args.timeout.limit();
    let watchdog = super::Watchdog::arm("a cell of this session".to_owned(), limit);
    let mut cells = Cell::all(&session.registry, &args.workloads, args.size, args.seed)?
        .into_iter()
        .map(|c| c.on_threads(&session.registry, &source, args.threads))
        .collect::<Result<Vec<_>, _>>()?;
    // Bind before anything is printed: a port in use is one line and exit code 2.
    let server = LiveServer::bind(&args.addr)?;
    if !server.addr().ip().is_loopback() {
        errln!(
            "perflab: warning: serving profiles on {}, reachable from other machines",
            server.addr()
        );
    }

    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl-C and SIGTERM (ctrlc's `termination` feature) both end after the current round, so
    // the capture is written either way.
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)) {
        errln!("perflab: warning: Ctrl-C will not stop cleanly: {e}");
    }
    outln!("serving {} cells on {}", cells.len(), server.addr());
    outln!("connect with: {}", server.viewer_command());
    match duration {
        Some(d) => outln!("running for {}s", d.as_secs_f64()),
        None => outln!("running until Ctrl-C"),
    }
    // Tests and scripts wait for the command line above before connecting. (A closed stdout is
    // not a reason to stop serving.)
    let _ = std::io::stdout().flush();

    let options = LiveOptions {
        duration,
        record: args.record.clone(),
        max_recorded_frames: args.max_frames,
        stop,
        on_round: Some(Arc::new(move || watchdog.pet())),
    };
    let summary = live::run(&server, &mut cells, &options)?;
    outln!(
        "{} rounds in {:.1}s ({:.0} frames/s), at most {} viewer(s) connected",
        summary.rounds,
        summary.elapsed.as_secs_f64(),
        summary.rounds as f64 / summary.elapsed.as_secs_f64().max(1e-9),
        summary.max_clients
    );
    if let Some(c) = summary.capture {
        let dropped = if c.dropped > 0 {
            format!(" (the oldest {} dropped, see --max-frames)", c.dropped)
        } else {
            String::new()
        };
        outln!(
            "recorded {} frames{dropped} and {} scope names: {}",
            c.frames,
            c.scopes,
            c.path.display()
        );
        outln!("view with: puffin_viewer {}", c.path.display());
    }
    Ok(Outcome::Success)
}

/// Fails now, not after the whole session, when the capture could not be written: opens the
/// file for writing (creating it, and removing it again if it did not exist).
fn check_writable(path: &std::path::Path) -> Result<()> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot write the capture {}: {e}", path.display()))?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}
