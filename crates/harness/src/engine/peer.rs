//! A measuring peer as the engine sees it: a process (or, in tests, a thread) that answers the
//! protocol, and everything that can go wrong with it.

use super::protocol::{Cmd, Reply};
use super::serve::serve;
use perflab_core::Registry;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment variable that selects a process's global allocator.
pub const ALLOCATOR_ENV: &str = "PERFLAB_ALLOCATOR";

/// The environment variable through which a peer learns its parent's process id, so that it can
/// exit when the parent is gone (see [`bind_to_parent`]).
pub const PARENT_ENV: &str = "PERFLAB_PARENT_PID";

/// How to start peers of one build.
#[derive(Clone)]
pub enum Launch {
    /// A perflab binary in its peer mode: `exe args…` (for instruction counts, `exe` is the
    /// launcher, e.g. valgrind, and `args` hold the perflab binary and its peer-mode argument).
    Process {
        /// The program.
        exe: PathBuf,
        /// Its arguments.
        args: Vec<OsString>,
        /// Environment variables it gets besides this process's own.
        env: Vec<(OsString, OsString)>,
    },
    /// A thread of this process serving `Registry` (tests: every peer shares this process's
    /// allocator and address space, so only the protocol and the scheduling are real).
    InProcess(Registry),
}

impl std::fmt::Debug for Launch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Launch::Process { exe, args, .. } => write!(f, "{} {args:?}", exe.display()),
            Launch::InProcess(_) => f.write_str("in-process"),
        }
    }
}

/// What went wrong with a peer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PeerError {
    /// The program could not be started.
    #[error("cannot start the measuring process {program}: {reason}")]
    Spawn {
        /// The program.
        program: String,
        /// What the OS said.
        reason: String,
    },
    /// The process ended while the engine waited for an answer.
    #[error("the measuring process ({label}) crashed: {status}")]
    Died {
        /// Which peer.
        label: String,
        /// Its exit status and the end of its stderr.
        status: String,
        /// The variant it was running for the first time, if it died while verifying.
        culprit: Option<String>,
    },
    /// It sent nothing within its time limit (a kernel that never returns): it was killed.
    #[error(
        "the measuring process ({label}) did not answer within {} s and was stopped",
        seconds(*limit)
    )]
    TimedOut {
        /// Which peer.
        label: String,
        /// How long the engine waited.
        limit: Duration,
        /// The variant it was running for the first time, if it hung while verifying or
        /// warming up.
        culprit: Option<String>,
    },
    /// It refused the command.
    #[error("{label}: {message}")]
    Refused {
        /// Which peer.
        label: String,
        /// What it said.
        message: String,
    },
    /// It answered something that is not this protocol (another program, or an old perflab).
    #[error("the {label} build does not speak perflab's peer protocol: {what}")]
    Garbled {
        /// Which peer.
        label: String,
        /// What was wrong.
        what: String,
    },
}

impl PeerError {
    /// The variant a peer was running for the first time when it died or hung, if it said.
    pub fn culprit(&self) -> Option<&str> {
        match self {
            PeerError::Died { culprit, .. } | PeerError::TimedOut { culprit, .. } => {
                culprit.as_deref()
            }
            _ => None,
        }
    }
}

/// A duration in seconds as people write it: `30`, `2.5`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

enum Handle {
    Process(Child),
    Thread(Option<std::thread::JoinHandle<()>>),
}

/// A running peer.
pub struct Peer {
    label: String,
    handle: Handle,
    writer: Option<Box<dyn Write + Send>>,
    /// The peer's output, line by line, from a thread that reads it: a blocking read could not
    /// give up on a peer that never answers.
    lines: Receiver<Line>,
    /// How long the peer may be silent (since a command was sent or its last line) before it is
    /// killed as hung; `None`: forever.
    time_limit: Option<Duration>,
    /// Since when the peer has said nothing: the time limit is of its silence, not of the
    /// engine's wait, so that peers working side by side (all preparing at once) are each given
    /// the limit from when they started, not one after another.
    quiet_since: Instant,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
    /// The variant the peer last said it was about to run for the first time.
    checking: Option<String>,
}

/// Lines of a dead peer's stderr kept to explain its death.
const STDERR_LINES: usize = 5;

/// Whether `line` is valgrind's (`==1234== …`) rather than the peer's.
fn is_valgrind_line(line: &str) -> bool {
    line.strip_prefix("==")
        .and_then(|rest| rest.split_once("=="))
        .is_some_and(|(pid, _)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

impl Peer {
    /// Starts a peer of `launch` under `allocator`, named `label` in messages.
    pub fn start(launch: &Launch, allocator: &str, label: String) -> Result<Peer, PeerError> {
        match launch {
            Launch::Process { exe, args, env } => Self::spawn(exe, args, env, allocator, label),
            Launch::InProcess(registry) => Ok(Self::thread(registry.clone(), label)),
        }
    }

    fn spawn(
        exe: &PathBuf,
        args: &[OsString],
        env: &[(OsString, OsString)],
        allocator: &str,
        label: String,
    ) -> Result<Peer, PeerError> {
        let spawn_err = |reason: String| PeerError::Spawn {
            program: exe.display().to_string(),
            reason,
        };
        let mut child = Command::new(exe)
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env(ALLOCATOR_ENV, allocator)
            .env(PARENT_ENV, std::process::id().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| spawn_err(e.to_string()))?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            let _ = child.kill();
            return Err(spawn_err("no pipes".to_owned()));
        };
        // stderr is drained on a thread (its last lines explain a crash), so the peer never
        // blocks on a full pipe.
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let keep = Arc::clone(&tail);
        let stderr_thread = std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = stderr.read_to_string(&mut buf);
            let mut t = keep.lock().unwrap_or_else(|p| p.into_inner());
            // Valgrind's own lines (`==PID== …`, in instruction mode) say nothing of the
            // kernel; the peer's last line of its own does.
            for line in buf.lines().filter(|l| !is_valgrind_line(l)) {
                t.push_back(line.to_owned());
                if t.len() > STDERR_LINES {
                    t.pop_front();
                }
            }
        });
        Ok(Peer {
            label,
            handle: Handle::Process(child),
            writer: Some(Box::new(stdin)),
            lines: read_lines(Box::new(stdout)),
            time_limit: None,
            quiet_since: Instant::now(),
            stderr_tail: tail,
            stderr_thread: Some(stderr_thread),
            checking: None,
        })
    }

    fn thread(registry: Registry, label: String) -> Peer {
        let (cmd_read, cmd_write) = std::io::pipe().expect("a pipe for an in-process peer");
        let (reply_read, mut reply_write) = std::io::pipe().expect("a pipe for an in-process peer");
        let join = std::thread::spawn(move || {
            let mut input = BufReader::new(cmd_read);
            let _ = serve(&registry, None, &mut input, &mut reply_write);
        });
        Peer {
            label,
            handle: Handle::Thread(Some(join)),
            writer: Some(Box::new(cmd_write)),
            lines: read_lines(Box::new(reply_read)),
            time_limit: None,
            quiet_since: Instant::now(),
            stderr_tail: Arc::default(),
            stderr_thread: None,
            checking: None,
        }
    }

    /// The peer's name in messages (`system`, `base/jemalloc#2`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Sends a command without waiting for the answer (to let several peers work at once).
    pub fn send(&mut self, cmd: &Cmd) -> Result<(), PeerError> {
        let mut text = serde_json::to_vec(cmd).map_err(|e| PeerError::Garbled {
            label: self.label.clone(),
            what: e.to_string(),
        })?;
        text.push(b'\n');
        self.quiet_since = Instant::now();
        let sent = match self.writer.as_mut() {
            Some(w) => w.write_all(&text).and_then(|()| w.flush()),
            None => Err(std::io::Error::other("closed")),
        };
        match sent {
            Ok(()) => Ok(()),
            Err(_) => Err(self.died()),
        }
    }

    /// Sets how long [`Peer::receive`] waits for each line before it kills the peer as hung
    /// (`None`: forever). A line of news (`checking`) starts the wait afresh.
    pub fn set_time_limit(&mut self, limit: Option<Duration>) {
        self.time_limit = limit;
    }

    /// Waits for the answer to the last command sent. News (`checking`) is remembered, not
    /// returned; an error reply becomes [`PeerError::Refused`]; no line within the time limit
    /// kills the peer and becomes [`PeerError::TimedOut`].
    pub fn receive(&mut self) -> Result<Reply, PeerError> {
        self.receive_within(Duration::ZERO)
    }

    /// [`Peer::receive`] with `allowance` more than the time limit for each line: a command that
    /// legitimately runs long between lines (`prepare` warms every variant up) is given more. A
    /// peer killed then is still said not to have answered within the time limit (it did not).
    pub fn receive_within(&mut self, allowance: Duration) -> Result<Reply, PeerError> {
        let limit = self.time_limit.map(|l| l + allowance);
        loop {
            let next = match limit {
                None => self
                    .lines
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
                Some(limit) => {
                    let waited = self.quiet_since.elapsed();
                    self.lines.recv_timeout(limit.saturating_sub(waited))
                }
            };
            let line = match next {
                Ok((at, Ok(line))) => {
                    self.quiet_since = at;
                    line
                }
                Ok((_, Err(_))) | Err(RecvTimeoutError::Disconnected) => return Err(self.died()),
                Err(RecvTimeoutError::Timeout) => {
                    return Err(self.hung(self.time_limit.unwrap_or_default()));
                }
            };
            match serde_json::from_str::<Reply>(&line) {
                Ok(Reply::Checking { variant }) => self.checking = Some(variant),
                Ok(Reply::Error { message }) => {
                    return Err(PeerError::Refused {
                        label: self.label.clone(),
                        message,
                    });
                }
                Ok(reply) => {
                    if matches!(reply, Reply::Prepared { .. }) {
                        self.checking = None;
                    }
                    return Ok(reply);
                }
                Err(e) => {
                    return Err(PeerError::Garbled {
                        label: self.label.clone(),
                        what: format!("{e} in {:?}", line.trim_end()),
                    });
                }
            }
        }
    }

    /// Sends a command and waits for its answer.
    pub fn ask(&mut self, cmd: &Cmd) -> Result<Reply, PeerError> {
        self.send(cmd)?;
        self.receive()
    }

    /// Closes the peer's input (it exits) and waits for it. Returns its exit status text.
    pub fn finish(mut self) -> String {
        self.writer = None;
        self.wait_status()
    }

    /// The error for a peer that sent nothing for `limit`: it is killed (a thread peer, which
    /// cannot be, is left to itself with its input closed).
    fn hung(&mut self, limit: Duration) -> PeerError {
        self.writer = None;
        if let Handle::Process(child) = &mut self.handle {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Handle::Thread(join) = &mut self.handle {
            join.take();
        }
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        PeerError::TimedOut {
            label: self.label.clone(),
            limit,
            culprit: self.checking.clone(),
        }
    }

    /// The error for a peer that stopped answering: its exit status and the end of its stderr.
    fn died(&mut self) -> PeerError {
        self.writer = None;
        let status = self.wait_status();
        let tail = self.stderr_tail.lock().unwrap_or_else(|p| p.into_inner());
        let lines: Vec<&str> = tail.iter().map(String::as_str).collect();
        PeerError::Died {
            label: self.label.clone(),
            status: if lines.is_empty() {
                status
            } else {
                format!("{status}; stderr: {}", lines.join(" | "))
            },
            culprit: self.checking.clone(),
        }
    }

    fn wait_status(&mut self) -> String {
        let status = match &mut self.handle {
            Handle::Process(child) => match child.wait() {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            },
            Handle::Thread(join) => match join.take().map(std::thread::JoinHandle::join) {
                Some(Err(_)) => "the peer thread panicked".to_owned(),
                _ => "the peer thread ended".to_owned(),
            },
        };
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        status
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.writer = None;
        if let Handle::Process(child) = &mut self.handle {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A line of a peer's output (or why none could be read), and when it was read.
type Line = (Instant, std::io::Result<String>);

/// Starts a thread that reads `from` line by line into a channel, until it ends or fails.
fn read_lines(from: Box<dyn Read + Send>) -> Receiver<Line> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(from);
        loop {
            let mut line = String::new();
            let read = reader.read_line(&mut line);
            let end = !matches!(read, Ok(n) if n > 0);
            let sent = match read {
                Ok(0) => break,
                Ok(_) => tx.send((Instant::now(), Ok(line))),
                Err(e) => tx.send((Instant::now(), Err(e))),
            };
            if end || sent.is_err() {
                break;
            }
        }
    });
    rx
}

/// Called by a peer process at start: it is killed when its parent dies (Linux), and exits at
/// once if the parent is already gone. A peer exits anyway when its input closes, but a peer in
/// the middle of a long command would otherwise run on for seconds and could race a resumed run.
pub fn bind_to_parent() {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::signal::Signal;
        let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
        let expected = std::env::var(PARENT_ENV)
            .ok()
            .and_then(|p| p.parse::<i32>().ok());
        if let Some(pid) = expected
            && nix::unistd::getppid().as_raw() != pid
        {
            // The parent died before the death signal was armed.
            std::process::exit(2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_valgrind_line;

    #[test]
    fn valgrind_lines_are_told_from_the_peers_own() {
        assert!(is_valgrind_line("==6803== Events    : Ir"));
        assert!(is_valgrind_line("==1=="));
        assert!(!is_valgrind_line("perflab: panic at src/x.rs:3: boom"));
        assert!(!is_valgrind_line("==== a banner ===="));
        assert!(!is_valgrind_line("==12a== not a pid"));
    }
}
