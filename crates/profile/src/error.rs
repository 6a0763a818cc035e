//! The one error type of this crate: each variant names what failed and where, so the CLI can
//! print it on one line and exit with code 2.

use std::path::PathBuf;

/// Why a profile could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// `--workload` named nothing in the registry.
    #[error(transparent)]
    UnknownWorkload(#[from] perflab_core::UnknownWorkload),
    /// `--variant` named nothing in the workload.
    #[error("workload `{workload}` has no variant `{name}` (expected one of: {expected})")]
    UnknownVariant {
        /// The workload.
        workload: String,
        /// The name given.
        name: String,
        /// The workload's variants, comma-separated.
        expected: String,
    },
    /// The variant needs an instruction set this CPU lacks.
    #[error("{workload}/{variant} is not supported on this CPU")]
    Unsupported {
        /// The workload.
        workload: String,
        /// The variant.
        variant: String,
    },
    /// The kernel failed its verification against naive (it panicked or disagreed), before any
    /// profiling.
    #[error("{cell}: {message}")]
    KernelFailed {
        /// The cell's id.
        cell: String,
        /// The panic's message.
        message: String,
    },
    /// The input could not be built.
    #[error(transparent)]
    Input(#[from] perflab_core::InputError),
    /// A file could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done: "read", "write", "create".
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A folded-stacks file has a line that is not `frame;frame;… count`.
    #[error("{}:{line}: not a folded stack (`frame;frame;… count`): {text:?}", path.display())]
    BadFolded {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line, truncated.
        text: String,
    },
    /// The address to listen on is malformed.
    #[error("bad address `{addr}` (expected IP:PORT, e.g. 127.0.0.1:8585)")]
    BadAddress {
        /// The text given.
        addr: String,
    },
    /// The address could not be bound (most often: the port is in use).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The puffin server failed to start for another reason.
    #[error("cannot start the puffin server on {addr}: {message}")]
    Server {
        /// The address.
        addr: String,
        /// The cause, as puffin_http words it.
        message: String,
    },
    /// The sampling profiler could not start or report.
    #[error("sampling profiler: {0}")]
    Sampler(String),
    /// inferno could not render the stacks.
    #[error("cannot render {}: {message}", path.display())]
    Render {
        /// The SVG being written.
        path: PathBuf,
        /// inferno's message.
        message: String,
    },
    /// A `.puffin` capture could not be written or read.
    #[error("puffin capture {}: {message}", path.display())]
    Capture {
        /// The capture file.
        path: PathBuf,
        /// puffin's message.
        message: String,
    },
    /// Scopes were asked for from a build that compiled them out.
    #[error(
        "this perflab was built without the kernels' puffin scopes (feature `scopes`); rebuild with default features"
    )]
    ScopesNotCompiled,
}

impl ProfileError {
    /// An I/O error on `path`.
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        ProfileError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}
