//! Where a workload's input comes from: generated from `(size, seed)` or read from a user's file.
//!
//! Inputs are built once per cell, outside any timed region, and then only read.

use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The seed used when none is given, so that two runs of the same command measure the same bytes.
pub const DEFAULT_SEED: u64 = 0x5EED_2026;

/// The source of the input for every workload in one run.
#[derive(Clone, Debug)]
pub enum InputSource {
    /// Generated deterministically: the same `(size, seed)` gives the same bytes everywhere.
    Generated {
        /// Approximate input length in bytes; each workload documents how close it gets.
        size: usize,
        /// The generator's seed.
        seed: u64,
    },
    /// A user's file, read once.
    File {
        /// The path as the user gave it, for messages and reports.
        path: PathBuf,
        /// The file's contents.
        data: Arc<[u8]>,
    },
}

impl InputSource {
    /// Generated input of about `size` bytes with the default seed.
    pub fn generated(size: usize) -> Self {
        InputSource::Generated {
            size,
            seed: DEFAULT_SEED,
        }
    }

    /// Reads a user's file. The error names the path, so a CLI can print it as it is.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, InputError> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| InputError::Read {
            path: path.to_owned(),
            source,
        })?;
        Ok(InputSource::File {
            path: path.to_owned(),
            data: data.into(),
        })
    }

    /// A JSON description of the source, for `verify --json` and results files.
    pub fn describe(&self) -> serde_json::Value {
        match self {
            InputSource::Generated { size, seed } => {
                json!({"source": "generated", "size_bytes": size, "seed": seed})
            }
            InputSource::File { path, data } => {
                json!({"source": "file", "path": path.display().to_string(), "size_bytes": data.len()})
            }
        }
    }
}

/// Why an input could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The user's file could not be read.
    #[error("cannot read input file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The workload cannot run on this kind of input.
    #[error("workload `{workload}` cannot use this input: {reason}")]
    Unsupported {
        /// The workload's name.
        workload: &'static str,
        /// Why, in a few words.
        reason: String,
    },
}

/// Bytes placed at a chosen offset from a 64-byte boundary.
///
/// Byte kernels are sensitive to alignment: SIMD loops have aligned and unaligned paths and
/// heads and tails. `ByteInput` lets tests (and users) put the first byte at any misalignment,
/// while the harness's generated inputs use offset 0, i.e. a 64-byte-aligned start.
#[derive(Debug, Default)]
pub struct ByteInput {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl ByteInput {
    /// `data` starting exactly on a 64-byte boundary.
    pub fn new(data: &[u8]) -> Self {
        Self::with_misalignment(data, 0)
    }

    /// `data` starting `misalign % 64` bytes past a 64-byte boundary.
    pub fn with_misalignment(data: &[u8], misalign: usize) -> Self {
        let mut buf = vec![0u8; data.len() + 128];
        let base = buf.as_ptr() as usize;
        let start = (64 - base % 64) % 64 + misalign % 64;
        buf[start..start + data.len()].copy_from_slice(data);
        ByteInput {
            buf,
            start,
            len: data.len(),
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.len]
    }

    /// How many bytes past a 64-byte boundary the first byte sits.
    pub fn misalignment(&self) -> usize {
        self.as_slice().as_ptr() as usize % 64
    }

    /// A copy in a fresh buffer, at the same misalignment.
    ///
    /// Why: a buffer's placement (its physical pages, its cache sets) biases the speed of
    /// memory-bound kernels by several percent, fixed for as long as the buffer lives. A paired
    /// run relocates its inputs every round so that this bias varies from pair to pair and shows
    /// up in the interval, instead of posing as a difference between two builds.
    pub fn relocated(&self) -> ByteInput {
        ByteInput::with_misalignment(self.as_slice(), self.misalignment())
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// A clone keeps the misalignment (a derived clone would copy `start` into a buffer whose own
/// alignment differs, silently moving the first byte off its boundary).
impl Clone for ByteInput {
    fn clone(&self) -> Self {
        self.relocated()
    }
}

/// Two inputs are equal when their bytes are, wherever they sit in memory.
impl PartialEq for ByteInput {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for ByteInput {}

impl From<Vec<u8>> for ByteInput {
    fn from(v: Vec<u8>) -> Self {
        ByteInput::new(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misalignment_is_exact() {
        let data: Vec<u8> = (0..100).collect();
        for m in 0..70 {
            let b = ByteInput::with_misalignment(&data, m);
            assert_eq!(b.as_slice(), &data[..]);
            assert_eq!(b.as_slice().as_ptr() as usize % 64, m % 64);
            assert_eq!(b.misalignment(), m % 64);
            let r = b.relocated();
            assert_eq!(r.as_slice(), &data[..]);
            assert_eq!(r.misalignment(), m % 64);
            assert_ne!(r.as_slice().as_ptr(), b.as_slice().as_ptr());
            assert_eq!(b.clone().misalignment(), m % 64);
        }
        assert!(ByteInput::new(&[]).is_empty());
        assert_eq!(
            ByteInput::with_misalignment(&data, 3),
            ByteInput::new(&data)
        );
    }

    #[test]
    fn unreadable_file_names_path() {
        let err = InputSource::from_file("/definitely/not/here").unwrap_err();
        assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    }
}
