//! Reading results files (schema tag first, then the document, then [`Results::validate`]) and
//! writing them atomically, with the atomic write other crates use for their files too.

use super::validate::is_this_major;
use super::{Results, SCHEMA};
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a results file could not be read or written. Each names the path.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// Reading failed.
    #[error("cannot read results file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a results document.
    #[error("malformed results file {}: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What serde said, with line and column.
        source: serde_json::Error,
    },
    /// The schema is of another major version or not perflab's.
    #[error("results file {} has schema `{found}`, this perflab reads `{SCHEMA}`", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// What it declared.
        found: String,
    },
    /// The file parses but says something no measurement can produce (a time that is not
    /// positive, an `ok` cell without a measurement, two cells with one id): reading on would
    /// turn it into a wrong verdict, so every reader refuses it, naming the cell.
    #[error("invalid results file {}: cell `{id}`: {what}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The cell's id.
        id: String,
        /// What is wrong with it.
        what: String,
    },
    /// Writing failed.
    #[error("cannot write results file {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl Results {
    /// Reads and checks a results file.
    pub fn read(path: &Path) -> Result<Self, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ResultsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses a results document; `path` is only for messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ResultsError> {
        // Check the schema first, so a file from another major version gets the schema message
        // rather than whatever field happens to fail.
        #[derive(Deserialize)]
        struct Head {
            schema: Option<String>,
        }
        let head: Head = serde_json::from_str(text).map_err(|source| ResultsError::Parse {
            path: path.to_owned(),
            source,
        })?;
        let found = head.schema.unwrap_or_default();
        if !is_this_major(&found) {
            return Err(ResultsError::Schema {
                path: path.to_owned(),
                found,
            });
        }
        let results: Results =
            serde_json::from_str(text).map_err(|source| ResultsError::Parse {
                path: path.to_owned(),
                source,
            })?;
        results.validate(path)?;
        Ok(results)
    }

    /// Writes the file atomically: temporary file in the same directory, fsync, rename, fsync of
    /// the directory.
    pub fn write_atomic(&self, path: &Path) -> Result<(), ResultsError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| ResultsError::Write {
            path: path.to_owned(),
            source: std::io::Error::other(e),
        })?;
        write_file_atomic(path, &json).map_err(|source| ResultsError::Write {
            path: path.to_owned(),
            source,
        })
    }
}

/// Writes `bytes` to `path` so that readers see the old or the new contents, never a mix.
///
/// The bytes go to a temporary file in the same directory (a rename is atomic only within one
/// file system), which is fsynced and renamed over `path`; then the directory is fsynced, best
/// effort, so the rename survives a power cut too. The temporary file deletes itself on any error.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Named after its target, so that one left by a SIGKILL mid-write says what it was.
    let prefix = format!(
        ".{}.tmp-",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // The file keeps its mode when renamed into place: give it `File::create`'s (0o666 less the
    // umask), not tempfile's private 0o600, since reports and results are read by others.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Not all platforms can open a directory, so best effort.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
