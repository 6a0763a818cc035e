//! One module per subcommand, plus the argument helpers they share.

pub mod compare;
pub mod export;
pub mod flame;
pub mod list;
pub mod live;
pub mod merge;
pub mod peer;
pub mod profiles;
pub mod report;
pub mod run;
mod session;
pub mod verify;

pub use session::{ALLOCATOR_LINE, Outcome, Session};

use anyhow::Result;
use perflab_core::{DynWorkload, Registry};
use std::path::PathBuf;
use std::sync::Arc;

/// `--timeout` of the commands that run kernels in their own process (`verify`, `flame`, `live`):
/// how long a kernel may run before the command gives up on it.
#[derive(clap::Args)]
pub struct InProcessTimeout {
    /// Seconds a call of a kernel (its verification, or one round of calls) may take before the
    /// command gives up on it with one line naming the cell (exit 1).
    #[arg(
        long = "timeout",
        value_name = "SECS",
        default_value_t = perflab_harness::plan::MIN_TIME_LIMIT.as_secs_f64(),
        value_parser = parse_seconds
    )]
    timeout_seconds: f64,
}

impl InProcessTimeout {
    /// The limit as a duration.
    pub fn limit(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.timeout_seconds)
    }
}

/// Ends the process with one line and exit code 1 when a kernel run in this process does not
/// return in time: `flame` and `live` run kernels in-process, where a call that never returns
/// cannot be stopped, only the process. Alive while held; [`Watchdog::pet`] starts the wait
/// afresh (one per round of a long session); dropping it disarms it.
pub struct Watchdog {
    pets: std::sync::mpsc::Sender<()>,
}

impl Watchdog {
    /// Arms a watchdog: `what` (a cell's id) must be petted or dropped within `limit`.
    pub fn arm(what: String, limit: std::time::Duration) -> Watchdog {
        let (pets, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::sync::mpsc::RecvTimeoutError;
            loop {
                match heard.recv_timeout(limit) {
                    Ok(()) => {}
                    Err(RecvTimeoutError::Disconnected) => return,
                    Err(RecvTimeoutError::Timeout) => {
                        errln!(
                            "perflab: {what} did not return within {} s (--timeout); stopped",
                            perflab_harness::engine::peer::seconds(limit)
                        );
                        std::process::exit(1);
                    }
                }
            }
        });
        Watchdog { pets }
    }

    /// The kernel is still making progress: the limit starts again.
    pub fn pet(&self) {
        let _ = self.pets.send(());
    }
}

/// The workloads named by `--workload` (all when none), or a one-line error naming the valid ones.
pub fn select_workloads(
    registry: &Registry,
    names: &[String],
) -> Result<Vec<Arc<dyn DynWorkload>>> {
    if names.is_empty() {
        return Ok(registry.workloads().to_vec());
    }
    Ok(names
        .iter()
        .map(|name| registry.find(name).map(Arc::clone))
        .collect::<Result<_, _>>()?)
}

/// Parses a `--size` value for clap: a size of at least one byte (at 0 every kernel does
/// nothing, and its "time" would be the loop's overhead).
pub fn parse_size_arg(text: &str) -> Result<usize, String> {
    match perflab_core::parse_size(text) {
        Ok(0) => Err(format!("size `{text}` is 0 (expected at least 1 byte)")),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Parses a number of seconds for clap: positive and finite, and at most a year (a `Duration`
/// cannot hold 1e20 s, and no profile or budget needs more).
pub fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= MAX_SECONDS => Ok(s),
        _ => Err(format!(
            "malformed seconds `{text}` (expected a positive number up to {MAX_SECONDS})"
        )),
    }
}

/// The longest `--seconds` or `--budget` accepted: one year.
pub const MAX_SECONDS: f64 = 365.0 * 24.0 * 3600.0;

/// Parses a threshold in percent for clap: finite and not negative.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "malformed threshold `{text}` (expected a percentage, 0 or more)"
        )),
    }
}

/// Reads results files on every core, in batches of as many as there are cores: for large files
/// (a long history, a big shard merge) reading is most of a `compare`'s or `merge`'s time. The
/// first error is the first in `paths`' order, as reading one after another would give.
pub fn read_results(
    paths: &[PathBuf],
) -> Result<Vec<perflab_harness::results::Results>, perflab_harness::results::ResultsError> {
    use perflab_harness::results::Results;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut read = Vec::with_capacity(paths.len());
    for batch in paths.chunks(workers) {
        std::thread::scope(|scope| {
            let jobs: Vec<_> = batch
                .iter()
                .map(|p| scope.spawn(move || Results::read(p)))
                .collect();
            read.extend(
                jobs.into_iter()
                    .map(|j| j.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            );
        });
    }
    read.into_iter().collect()
}
