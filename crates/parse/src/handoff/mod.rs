//! The `handoff` workload: records built on one thread are consumed and freed on another, the
//! producer–consumer pipeline of every server that parses on one thread and works on another
//! (and the pattern of mimalloc-bench's `xmalloc-test` and `larson`). It exists to show how
//! allocators behave under cross-thread frees, which single-threaded kernels never exercise.
//!
//! # Why cross-thread frees are their own benchmark
//!
//! A block freed by a thread other than the one that allocated it cannot simply go back into
//! the freeing thread's cache without the memory drifting from producer to consumer:
//!
//! - glibc's malloc returns the chunk to the arena it came from, under that arena's lock, so
//!   producer and consumer contend on one mutex for every record (plus its per-thread tcache,
//!   which only helps the thread that frees into it);
//! - jemalloc puts it in the freeing thread's tcache, which flushes batches of foreign blocks back
//!   to their arenas' bins under the bins' locks;
//! - mimalloc pushes it onto the owning page's lock-free "thread free" list, which the owner
//!   collects the next time it allocates from that page.
//!
//! The `naive` variant makes every record a remote free; `optimized` and `arena` return their
//! buffers to the producer, so at steady state nothing is freed remotely and almost nothing is
//! allocated: the difference between them is what the allocator's remote-free path costs.
//!
//! # Input
//!
//! Lines separated by `\n`. Each line is a record: its bytes without the `\n`. A final line
//! without a `\n` is a record too; an empty line is a record of length 0; a `\r` is an ordinary
//! byte. So the empty input has no records, `"a\n"` and `"a"` have one, `"\n"` has one (empty)
//! and `"a\n\nb"` has three. Any file is valid input.
//!
//! Generated input ([`generate`]) is lines of printable ASCII (letters, spaces, a little
//! punctuation) whose lengths, without the `\n`, are drawn uniformly from
//! [`MIN_LINE`]`..=`[`MAX_LINE`] (16..=256) by [`perflab_core::Rng`], so fully determined by
//! `(size, seed)`. Lines are added while at least 17 bytes remain; a drawn line longer than what
//! remains is cut to fill it. So the input is between `size - 16` and `size` bytes, ends with a
//! `\n`, and is empty for sizes below 17.
//!
//! # Output
//!
//! `{"records": N, "bytes": N, "checksum": N}`: the number of records, the sum of their lengths
//! (newlines excluded) and the wrapping `u64` sum over records of [`record_hash`] of each
//! record's bytes: a word-at-a-time hash (start from the length times `K = 0x517cc1b727220a95`;
//! for each 8-byte little-endian word, the last one zero-padded, rotate left by 5, XOR the word
//! in, multiply by `K`, all modulo 2^64). Word at a time so that the consumer reads every byte
//! of a record at a few cycles per word: a byte-serial hash (FNV-1a was tried) cost more than
//! the allocator's work per record and hid the differences this workload exists to show. A sum
//! does not depend on the order records are hashed in, so any shape of pipeline gives the same
//! answer. In Python:
//!
//! ```python
//! def record_hash(b):
//!     K, M = 0x517CC1B727220A95, 2**64
//!     h = len(b) * K % M
//!     for i in range(0, len(b), 8):
//!         w = int.from_bytes(b[i:i + 8].ljust(8, b"\0"), "little")
//!         h = ((((h << 5) | (h >> 59)) % M ^ w) * K) % M
//!     return h
//!
//! records = data.split(b"\n")
//! if records[-1] == b"":      # the text after the last "\n" (or all of an empty input)
//!     records.pop()
//! out = {"records": len(records), "bytes": sum(map(len, records)),
//!        "checksum": sum(map(record_hash, records)) % 2**64}
//! ```
//!
//! # How a call runs
//!
//! The calling thread (the harness's measuring thread) is the producer: it splits the input into
//! records, copies each into memory the record owns and sends it over a bounded channel. A
//! consumer thread hashes each record and drops it. At the end the producer sends an end marker
//! and waits for the consumer's totals, which are the call's output.
//!
//! - **Threads persist across calls.** Spawning a thread costs as much as a small sample, so each
//!   variant keeps, per calling thread, one consumer thread, started on that thread's first call
//!   (a `thread_local!` holding the channels and the thread's handle) and joined when the calling
//!   thread exits. Under `--threads N` the harness's N threads therefore run N independent
//!   producer–consumer pairs, 2N threads in all.
//! - **What is in flight is bounded** (about 32 KiB of records per pair: [`NAIVE_IN_FLIGHT`]
//!   records, or [`BATCHES`] batches of at most [`BATCH_RECORDS`] records and about
//!   [`BATCH_BYTES`] bytes), so that resident memory shows what the allocator keeps, not how far
//!   the producer ran ahead.
//! - **A broken pipeline fails, never hangs.** If the consumer thread dies or a channel breaks,
//!   the call panics naming the variant and what broke (the harness turns that into a failed
//!   cell), and the next call from that thread starts a fresh consumer.
//!
//! A call's time is wall time: the calling thread's CPU time would leave out the consumer's
//! hashing and freeing (the producer sleeps while it waits), so the workload sets
//! `SPANS_THREADS` and the harness times its samples by the wall clock whatever `--clock` says.
//!
//! # Variants
//!
//! | name | kind | what it shows |
//! |---|---|---|
//! | `naive` | naive | `std::sync::mpsc::sync_channel`, one `Vec<u8>` per record, dropped by the consumer: every record is a remote free |
//! | `optimized` | optimized | `crossbeam-channel`, records copied into reusable batches (one byte buffer and the records' ends) that the consumer sends back to their producer: no allocation per record, no remote free |
//! | `arena` | arena | records allocated in a per-batch `bumpalo::Bump` that travels to the consumer with them and back to the producer for `reset()` (not `ctx.arena()`, which cannot cross threads or outlive a call) |

mod arena;
mod channel;
mod naive;
mod optimized;
mod pipe;
mod recycle;

pub use arena::Arena;
pub use naive::Naive;
pub use optimized::Optimized;

use perflab_core::{ByteWorkload, Family, Rng};
use serde::Serialize;

/// Shortest generated line, in bytes without its `\n`.
pub const MIN_LINE: usize = 16;
/// Longest generated line, in bytes without its `\n`.
pub const MAX_LINE: usize = 256;

/// Records the `naive` channel holds before the producer blocks.
pub const NAIVE_IN_FLIGHT: usize = 256;
/// Most records in one batch of `optimized` and `arena`.
pub const BATCH_RECORDS: usize = 64;
/// A batch of `optimized` or `arena` is closed once it holds this many bytes of records (so it
/// holds at most this plus one record).
pub const BATCH_BYTES: usize = 8 << 10;
/// Batches (or arenas) each `optimized` and `arena` pipe owns: the producer fills one while the
/// others are queued, being hashed or on their way back. It never makes more, which bounds what
/// is in flight and keeps the return channel from ever blocking the consumer.
pub const BATCHES: usize = 4;

/// The `handoff` workload: input bytes, [`HandoffOutput`] summary.
pub struct Handoff;

/// What every variant must agree on (see the module docs for the exact meaning).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct HandoffOutput {
    /// Records (lines) in the input.
    pub records: u64,
    /// Sum of the records' lengths, newlines excluded.
    pub bytes: u64,
    /// Wrapping sum of [`record_hash`] of every record.
    pub checksum: u64,
}

impl HandoffOutput {
    /// Counts one record: what a consumer does with each record it receives.
    #[inline]
    pub fn add(&mut self, record: &[u8]) {
        self.records += 1;
        self.bytes += record.len() as u64;
        self.checksum = self.checksum.wrapping_add(record_hash(record));
    }
}

/// The multiplier of [`record_hash`] (FxHash's).
const K: u64 = 0x517c_c1b7_2722_0a95;

/// The hash the consumer takes of every record (see the module docs): the record's length, then
/// each 8-byte little-endian word (the last zero-padded) rotated in and multiplied, modulo 2^64.
#[inline]
pub fn record_hash(bytes: &[u8]) -> u64 {
    let mut hash = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let word = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let mut last = [0u8; 8];
        last[..tail.len()].copy_from_slice(tail);
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(K);
    }
    hash
}

/// The records of `data`, in order, as the module docs define them; found with `memchr`.
pub fn records(data: &[u8]) -> Records<'_> {
    Records {
        rest: (!data.is_empty()).then_some(data),
    }
}

/// Iterator over the records of an input; see [`records`].
#[derive(Clone, Debug)]
pub struct Records<'a> {
    /// What is left, or `None` once the last record was returned.
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let tail = &rest[i + 1..];
                self.rest = (!tail.is_empty()).then_some(tail);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

impl std::iter::FusedIterator for Records<'_> {}

/// The 64 bytes generated lines are made of: mostly letters, with spaces and some punctuation.
const ALPHABET: &[u8; 64] = b"abcdefghijklmnopqrstuvwxyz      ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:-=/";

/// Generated input: lines of [`MIN_LINE`]`..=`[`MAX_LINE`] printable ASCII bytes plus `\n`, fully
/// determined by `(size, seed)`, between `size - 16` and `size` bytes (see the module docs).
pub fn generate(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size);
    let mut line = [0u8; MAX_LINE];
    let spread = (MAX_LINE - MIN_LINE + 1) as u64;
    while size - out.len() > MIN_LINE {
        let room = size - out.len() - 1;
        let len = (MIN_LINE + rng.below(spread) as usize).min(room);
        let line = &mut line[..len];
        rng.fill_bytes(line);
        out.extend(line.iter().map(|&b| ALPHABET[usize::from(b & 63)]));
        out.push(b'\n');
    }
    out
}

impl ByteWorkload for Handoff {
    const NAME: &'static str = "handoff";
    const SUMMARY: &'static str =
        "records built on one thread, hashed and freed on another: records, bytes, hash sum";
    type Output = HandoffOutput;
    /// The consumer's hashing and freeing run on its own thread: timed by the wall clock.
    const SPANS_THREADS: bool = true;

    /// ASCII lines of 16 to 256 bytes (see [`generate`]).
    fn generate_bytes(size: usize, seed: u64) -> Vec<u8> {
        generate(size, seed)
    }
}

/// Every `handoff` variant, naive first.
pub fn family() -> Family<Handoff> {
    Family::new(Naive).with(Optimized).with(Arena)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_hash_known_answers() {
        // Computed with the Python of the module docs.
        assert_eq!(record_hash(b""), 0);
        assert_eq!(record_hash(b"a"), 0x8e5a_628a_5337_1e27);
        assert_eq!(record_hash(b"foobar"), 0x8ecd_3590_8930_3ad7);
        assert_eq!(record_hash(b"0123456789abcdefg"), 0xeabc_97f5_1424_b643);
    }

    #[test]
    fn records_follow_the_rules() {
        fn split(d: &[u8]) -> Vec<&[u8]> {
            records(d).collect()
        }
        let none: Vec<&[u8]> = Vec::new();
        assert_eq!(split(b""), none);
        assert_eq!(split(b"a"), [b"a"]);
        assert_eq!(split(b"a\n"), [b"a"]);
        assert_eq!(split(b"\n"), [b""]);
        assert_eq!(split(b"\n\n"), [b"", b""]);
        assert_eq!(split(b"a\n\nb"), [&b"a"[..], b"", b"b"]);
        assert_eq!(split(b"a\r\nb\n"), [&b"a\r"[..], b"b"]);
    }

    #[test]
    fn generator_sizes_lengths_and_bytes() {
        for size in [
            0, 1, 16, 17, 18, 100, 255, 256, 257, 273, 4096, 65_536, 300_000,
        ] {
            let data = generate(size, 9);
            assert_eq!(data, generate(size, 9), "deterministic at {size}");
            if size < MIN_LINE + 1 {
                assert!(data.is_empty(), "size {size}");
                continue;
            }
            assert!(
                (size - MIN_LINE..=size).contains(&data.len()),
                "size {size}: {} bytes",
                data.len()
            );
            assert_eq!(data.last(), Some(&b'\n'));
            for line in records(&data) {
                assert!((MIN_LINE..=MAX_LINE).contains(&line.len()), "{line:?}");
                assert!(line.iter().all(|b| (0x20..0x7f).contains(b)), "{line:?}");
            }
        }
        assert_ne!(generate(4096, 1), generate(4096, 2));
    }

    #[test]
    fn generator_spreads_lengths() {
        let data = generate(4 << 20, 3);
        let lens: Vec<usize> = records(&data).map(<[u8]>::len).collect();
        let mean = lens.iter().sum::<usize>() as f64 / lens.len() as f64;
        assert!((130.0..142.0).contains(&mean), "mean line length {mean}");
        assert!(lens.contains(&MIN_LINE) && lens.contains(&MAX_LINE));
    }

    #[test]
    fn output_json_shape() {
        let mut out = HandoffOutput::default();
        out.add(b"a");
        out.add(b"");
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            format!(
                r#"{{"records":2,"bytes":1,"checksum":{}}}"#,
                0x8e5a_628a_5337_1e27_u64
            )
        );
    }
}
