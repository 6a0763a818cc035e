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

    /// Reads a user's file to be measured. The error names the path, so a CLI can print it as
    /// it is. An empty file is refused: every kernel does nothing on nothing, so its time would
    /// be the loop's overhead and its throughput undefined, silently.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, InputError> {
        let source = Self::from_file_to_check(path.as_ref())?;
        match &source {
            InputSource::File { path, data } if data.is_empty() => {
                Err(InputError::Empty { path: path.clone() })
            }
            _ => Ok(source),
        }
    }

    /// Reads a user's file to be checked, not timed (`perflab verify`): an empty file is
    /// accepted, as no input is an edge case whose output is defined (a frame stream with no
    /// messages, a text with no words) and that kernels get wrong.
    pub fn from_file_to_check(path: impl AsRef<Path>) -> Result<Self, InputError> {
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
    /// The user's file is empty: there is nothing to measure.
    #[error("input file {} is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
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

/// Where in a memory page a relocated input should start.
///
/// Why: where a buffer sits (its page offset against the cache sets, its 4 KiB aliasing with the
/// stack and with other buffers) biases memory-bound and SIMD kernels by several percent, fixed
/// for as long as the buffer lives (Mytkowicz et al., ASPLOS 2009; Curtsinger & Berger,
/// ASPLOS 2013). The harness draws a fresh placement every round, so that bias becomes
/// round-to-round noise that its intervals see instead of a constant that poses as a result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Placement {
    page_offset: usize,
}

/// The page size placements are drawn within.
pub const PAGE: usize = 4096;

impl Placement {
    /// A placement `page_offset` bytes into a page, rounded down to a cache line (64 bytes) and
    /// taken modulo [`PAGE`]; an input keeps its own misalignment within the line on top of it.
    pub fn at(page_offset: usize) -> Self {
        Placement {
            page_offset: (page_offset % PAGE) & !63,
        }
    }

    /// A uniformly random cache line of the page.
    pub fn random(rng: &mut crate::Rng) -> Self {
        Placement::at(rng.below((PAGE / 64) as u64) as usize * 64)
    }

    /// The cache line's offset in the page, a multiple of 64 below [`PAGE`].
    pub fn page_offset(self) -> usize {
        self.page_offset
    }
}

/// Bytes placed at a chosen offset from a 64-byte boundary.
///
/// Byte kernels are sensitive to alignment: SIMD loops have aligned and unaligned paths and
/// heads and tails. `ByteInput` lets tests (and users) put the first byte at any misalignment,
/// while the harness's generated inputs use offset 0, i.e. a 64-byte-aligned start.
///
/// The bytes live in an anonymous memory mapping of their own, not in the global allocator's
/// heap: the input is the harness's, not the kernel's, so how its memory is backed must not
/// depend on the allocator a cell measures. (It did: mimalloc asks for transparent huge pages for
/// its segments, and a 16 MiB input in mimalloc's heap was scanned 15–20% faster than the same
/// bytes in glibc's or jemalloc's — an "allocator effect" on kernels that allocate nothing.) A
/// [relocated](ByteInput::relocated_to) copy also really sits on fresh pages (jemalloc hands a
/// freed 16 MiB extent straight back). Where mapping is refused, the bytes fall back to the heap.
#[derive(Debug, Default)]
pub struct ByteInput {
    buf: Storage,
    start: usize,
    len: usize,
}

/// Where a [`ByteInput`]'s bytes are kept.
#[derive(Debug)]
enum Storage {
    /// A private anonymous mapping of its own (page-aligned, unmapped on drop).
    Mapped(memmap2::MmapMut),
    /// A heap buffer: the fallback when mapping is refused.
    Heap(Vec<u8>),
}

impl Default for Storage {
    fn default() -> Self {
        Storage::Heap(Vec::new())
    }
}

impl Storage {
    /// `len` zeroed bytes (at least one), mapped when the system allows it.
    fn zeroed(len: usize) -> Storage {
        match memmap2::MmapMut::map_anon(len.max(1)) {
            Ok(map) => Storage::Mapped(map),
            Err(_) => Storage::Heap(vec![0; len]),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Storage::Mapped(map) => map,
            Storage::Heap(v) => v,
        }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        match self {
            Storage::Mapped(map) => map,
            Storage::Heap(v) => v,
        }
    }
}

impl ByteInput {
    /// `data` starting exactly on a 64-byte boundary.
    pub fn new(data: &[u8]) -> Self {
        Self::with_misalignment(data, 0)
    }

    /// `data` starting `misalign % 64` bytes past a 64-byte boundary.
    pub fn with_misalignment(data: &[u8], misalign: usize) -> Self {
        let mut buf = Storage::zeroed(data.len() + 128);
        let base = buf.bytes().as_ptr() as usize;
        let start = (64 - base % 64) % 64 + misalign % 64;
        buf.bytes_mut()[start..start + data.len()].copy_from_slice(data);
        ByteInput {
            buf,
            start,
            len: data.len(),
        }
    }

    /// `data` starting at `place` within a page, plus `misalign % 64` bytes.
    pub fn placed(data: &[u8], misalign: usize, place: Placement) -> Self {
        let mut buf = Storage::zeroed(data.len() + PAGE + 64);
        let base = buf.bytes().as_ptr() as usize;
        let want = place.page_offset() + misalign % 64;
        let start = (want + PAGE - base % PAGE) % PAGE;
        buf.bytes_mut()[start..start + data.len()].copy_from_slice(data);
        ByteInput {
            buf,
            start,
            len: data.len(),
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf.bytes()[self.start..self.start + self.len]
    }

    /// How many bytes past a 64-byte boundary the first byte sits.
    pub fn misalignment(&self) -> usize {
        self.as_slice().as_ptr() as usize % 64
    }

    /// How many bytes past a page boundary the first byte sits.
    pub fn page_offset(&self) -> usize {
        self.as_slice().as_ptr() as usize % PAGE
    }

    /// A copy in a fresh buffer, at the same misalignment and the same page offset.
    pub fn relocated(&self) -> ByteInput {
        self.relocated_to(Placement::at(self.page_offset()))
    }

    /// A copy in a fresh buffer at `place` in its page, keeping this input's misalignment within
    /// a cache line. The copy is made while `self` is alive, so it cannot land on the same
    /// memory.
    ///
    /// Why: see [`Placement`]. A run draws a new placement every round, so where a buffer sits
    /// varies from round to round instead of being fixed for a process's life.
    pub fn relocated_to(&self, place: Placement) -> ByteInput {
        ByteInput::placed(self.as_slice(), self.misalignment(), place)
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
            for line in [0, 1, 63] {
                let p = b.relocated_to(Placement::at(line * 64 + 5));
                assert_eq!(p.as_slice(), &data[..]);
                assert_eq!(p.misalignment(), m % 64, "keeps its misalignment");
                assert_eq!(p.page_offset(), line * 64 + m % 64);
            }
        }
        assert!(ByteInput::new(&[]).is_empty());
        assert_eq!(
            ByteInput::with_misalignment(&data, 3),
            ByteInput::new(&data)
        );
    }

    #[test]
    #[cfg(unix)]
    fn inputs_live_in_their_own_mapping() {
        // Page-aligned storage of its own, whatever the global allocator: relocation then
        // always lands on fresh pages.
        let b = ByteInput::new(&[7u8; 5000]);
        assert!(matches!(b.buf, Storage::Mapped(_)));
        assert_eq!(b.buf.bytes().as_ptr() as usize % PAGE, 0);
        assert_eq!(ByteInput::new(&[]).len(), 0);
    }

    #[test]
    fn unreadable_file_names_path() {
        let err = InputSource::from_file("/definitely/not/here").unwrap_err();
        assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    }
}
