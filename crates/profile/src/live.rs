//! `perflab live`: a puffin_http server fed one frame per round of the cells.
//!
//! puffin_viewer connects (`puffin_viewer --url 127.0.0.1:8585`) and shows every variant's
//! scopes frame by frame. The server runs on its own threads and sends each viewer its own
//! queue (puffin_http drops frames for a viewer that reads too slowly), so viewers that connect
//! late, lag or disconnect never slow the cells down; a viewer that connects late is sent every
//! scope's name with its first frame.

use crate::capture::{CaptureSummary, Recorder};
use crate::{Cell, ProfileError};
use puffin::GlobalProfiler;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The default address: loopback only, puffin's default port. Profiles reveal code structure;
/// serving them to the network is a choice the user makes with `--addr`.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8585";

/// A round shorter than this is padded with sleep, so frames come at most this often (250 a
/// second): plenty for a viewer, and a capture stays small.
pub const MIN_ROUND: Duration = Duration::from_millis(4);

/// A listening puffin_http server. Dropping it stops it (after sending queued frames).
pub struct LiveServer {
    server: puffin_http::Server,
    addr: SocketAddr,
}

impl LiveServer {
    /// Binds `addr` and starts the server (it accepts viewers once frames flow).
    ///
    /// # Errors
    /// [`ProfileError::BadAddress`] for a malformed address, [`ProfileError::Bind`] when it
    /// cannot be bound (in use, not local, no permission), naming the address.
    pub fn bind(addr: &str) -> Result<LiveServer, ProfileError> {
        let parsed: SocketAddr = addr.parse().map_err(|_| ProfileError::BadAddress {
            addr: addr.to_owned(),
        })?;
        // puffin_http binds synchronously and wraps the io::Error; recover it so a port in use
        // reads as such.
        let server = puffin_http::Server::new(&parsed.to_string()).map_err(|e| {
            match e.chain().find_map(|c| c.downcast_ref::<std::io::Error>()) {
                Some(io) => ProfileError::Bind {
                    addr: parsed.to_string(),
                    source: std::io::Error::new(io.kind(), io.to_string()),
                },
                None => ProfileError::Server {
                    addr: parsed.to_string(),
                    message: format!("{e:#}"),
                },
            }
        })?;
        Ok(LiveServer {
            server,
            addr: parsed,
        })
    }

    /// The address viewers connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The command that connects puffin's viewer to this server.
    pub fn viewer_command(&self) -> String {
        format!("puffin_viewer --url {}", self.addr)
    }

    /// Viewers connected now.
    pub fn clients(&self) -> usize {
        self.server.num_clients()
    }
}

/// How `perflab live` runs.
#[derive(Clone)]
pub struct LiveOptions {
    /// Stop after this long; `None`: until `stop` is set.
    pub duration: Option<Duration>,
    /// Also write the frames to this `.puffin` file when stopping.
    pub record: Option<PathBuf>,
    /// Newest frames a recording keeps (see [`crate::capture::DEFAULT_MAX_FRAMES`]).
    pub max_recorded_frames: usize,
    /// Set (e.g. by a Ctrl-C handler) to stop after the current round.
    pub stop: Arc<AtomicBool>,
    /// Called after every round: a caller's sign of progress (`perflab live` gives up on a
    /// kernel whose round never ends, which it can only do from another thread).
    pub on_round: Option<Arc<dyn Fn() + Send + Sync>>,
}

/// What a live session did.
#[derive(Clone, Debug)]
pub struct LiveSummary {
    /// Rounds run (= frames sent).
    pub rounds: u64,
    /// How long it ran.
    pub elapsed: Duration,
    /// The most viewers connected at once.
    pub max_clients: usize,
    /// The capture, when recording.
    pub capture: Option<CaptureSummary>,
}

/// Runs `cells` in rotation with puffin's scopes on, one frame per round, until
/// `options.duration` passes or `options.stop` is set; then turns scopes off and writes the
/// capture if asked.
///
/// # Errors
/// [`ProfileError::ScopesNotCompiled`] in a build without the kernels' scopes; the capture
/// cannot be written.
pub fn run(
    server: &LiveServer,
    cells: &mut [Cell],
    options: &LiveOptions,
) -> Result<LiveSummary, ProfileError> {
    if !perflab_core::SCOPES_COMPILED {
        return Err(ProfileError::ScopesNotCompiled);
    }
    let recorder = options
        .record
        .as_ref()
        .map(|_| Recorder::start(options.max_recorded_frames));
    GlobalProfiler::lock().emit_scope_snapshot();
    puffin::set_scopes_on(true);
    let start = Instant::now();
    let mut rounds = 0u64;
    let mut max_clients = 0;
    let done = |start: Instant| {
        options.stop.load(Ordering::Relaxed)
            || options.duration.is_some_and(|d| start.elapsed() >= d)
    };
    while !done(start) {
        let round = Instant::now();
        for cell in cells.iter_mut() {
            cell.run(1);
        }
        GlobalProfiler::lock().new_frame();
        rounds += 1;
        if let Some(f) = &options.on_round {
            f();
        }
        max_clients = max_clients.max(server.clients());
        if let Some(rest) = MIN_ROUND.checked_sub(round.elapsed()) {
            std::thread::sleep(rest);
        }
    }
    puffin::set_scopes_on(false);
    let elapsed = start.elapsed();
    let capture = match (recorder, &options.record) {
        (Some(r), Some(path)) => Some(r.finish(path)?),
        _ => None,
    };
    Ok(LiveSummary {
        rounds,
        elapsed,
        max_clients,
        capture,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// puffin's profiler is one per process: tests that turn scopes on take turns.
    pub(crate) static PUFFIN: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn a_port_in_use_is_an_error_naming_the_address() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let err = LiveServer::bind(&addr).err().unwrap();
        assert!(matches!(err, ProfileError::Bind { .. }), "{err:?}");
        assert!(err.to_string().contains(&addr), "{err}");
        let err = LiveServer::bind("localhost:x").err().unwrap();
        assert!(matches!(err, ProfileError::BadAddress { .. }), "{err:?}");
    }

    #[test]
    fn a_client_receives_frames_naming_the_kernels_scopes() {
        let _serial = PUFFIN.lock();
        let registry = perflab_catalog::registry();
        let mut cells = Cell::all(&registry, &["wordfreq".to_owned()], 4096, 1).unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let server = LiveServer::bind(&addr).unwrap();
        let client = puffin_http::Client::new(addr.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let options = LiveOptions {
            duration: Some(Duration::from_secs(10)),
            record: None,
            max_recorded_frames: 10,
            stop: Arc::clone(&stop),
            on_round: None,
        };
        let watcher = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(8);
            let mut names = Vec::new();
            while Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
                let view = client.frame_view();
                names = view
                    .scope_collection()
                    .scopes_by_name()
                    .keys()
                    .map(ToString::to_string)
                    .collect();
                if !view.is_empty() && names.iter().any(|n| n == "wordfreq/naive") {
                    break;
                }
            }
            stop.store(true, Ordering::Relaxed);
            names
        });
        let summary = run(&server, &mut cells, &options).unwrap();
        let names = watcher.join().unwrap();
        assert!(summary.rounds > 0);
        for want in ["wordfreq/naive", "wordfreq/optimized", "top_k"] {
            assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
        }
    }
}
