//! The `frames` workload: a stream of length-prefixed binary messages, the shape of most wire
//! protocols, where the cost is not the parsing but what a parser allocates and copies per message.
//!
//! # Format
//!
//! A stream is zero or more messages back to back. Each message is an 8-byte little-endian header
//! — `version: u16` (must be 1), `flags: u16` (any value), `length: u32` (at most 1 MiB =
//! 1_048_576) — then `length` payload bytes.
//!
//! Parsing stops at the first bad message; the messages before it are counted. The error kinds
//! are checked in this order on the message starting at byte offset `O`:
//!
//! 1. fewer than 8 bytes remain (but more than 0) → `truncated_header`;
//! 2. `version != 1` → `bad_version`;
//! 3. `length > 1 MiB` → `too_large`;
//! 4. fewer than `length` bytes remain after the header → `truncated_payload`.
//!
//! The error's offset is `O`, the bad message's header offset. A stream that ends exactly after a
//! message (including the empty stream) has no error.
//!
//! # Output
//!
//! `{"messages": N, "payload_bytes": N, "payload_checksum": N, "error": null | {"offset": N,
//! "kind": "truncated_header" | "bad_version" | "too_large" | "truncated_payload"}}`.
//!
//! `payload_checksum` is the wrapping `u64` sum of every payload byte of the counted messages. It
//! makes every variant read every payload (a parser that only skips lengths would otherwise be
//! "fast" at nothing), and an independent checker verifies it in a line of Python:
//! `sum(payload)` over the counted messages' payloads.
//!
//! # Variants
//!
//! | name | kind | what it shows |
//! |---|---|---|
//! | `naive` | naive | `std::io::Read` over a `Cursor`, a fresh `Vec<u8>` per payload |
//! | `optimized` | optimized | borrowed `&[u8]` slices, no allocation at all, a lane-wise byte sum |
//! | `bytes` | optimized | `bytes::Bytes` handles split off a shared buffer (see [`FramesInput`]) |
//! | `arena` | arena | every payload copied into the per-run `bumpalo` arena, then summed |

use ::bytes::Bytes;
use perflab_core::{ByteInput, Family, InputError, Placement, Rng, Workload};
use serde::Serialize;

mod arena;
mod bytes;
mod naive;
mod optimized;

pub use self::bytes::ZeroCopyBytes;
pub use arena::Arena;
pub use naive::Naive;
pub use optimized::Optimized;

/// Bytes in a message header.
pub const HEADER_LEN: usize = 8;
/// The only version this format defines.
pub const VERSION: u16 = 1;
/// The largest allowed payload: 1 MiB. A length above it is rejected before any payload is read,
/// as a real server must do before trusting a peer's length field.
pub const MAX_PAYLOAD: u32 = 1 << 20;

/// The workload marker type.
pub struct Frames;

/// The input every variant reads: the stream's bytes, owned by a [`Bytes`] handle.
///
/// Why `Bytes` and not a plain buffer: the `bytes` variant exists to show zero-copy splitting, as
/// done by code whose receive buffer is already a `Bytes` (tokio, hyper, tonic). Making that
/// variant copy the whole stream into a fresh `Bytes` on every run would measure `memcpy`, not
/// splitting; leaking the input to get a `'static` slice (`Bytes::from_static`) would be a trick.
/// Instead the input's owned buffer is moved into the handle once, when the input is built
/// ([`Bytes::from_owner`], no copy, no leak), and every variant reads the very same bytes at the
/// same address and alignment. Nothing is derived from the bytes outside a run.
#[derive(Clone, Debug)]
pub struct FramesInput {
    data: Bytes,
}

/// Lets a [`ByteInput`] (which keeps its chosen misalignment) be the owner behind a [`Bytes`].
struct Owner(ByteInput);

impl AsRef<[u8]> for Owner {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl FramesInput {
    /// The stream as a borrowed slice.
    pub fn as_slice(&self) -> &[u8] {
        &self.data
    }

    /// The stream as a shared handle; cloning it only bumps a reference count.
    pub fn bytes(&self) -> &Bytes {
        &self.data
    }
}

impl From<ByteInput> for FramesInput {
    fn from(input: ByteInput) -> Self {
        FramesInput {
            data: Bytes::from_owner(Owner(input)),
        }
    }
}

impl From<&[u8]> for FramesInput {
    fn from(data: &[u8]) -> Self {
        ByteInput::new(data).into()
    }
}

/// What went wrong with a message, in the order the checks are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum FrameErrorKind {
    /// Between 1 and 7 bytes remain: not enough for a header.
    #[error("truncated header")]
    TruncatedHeader,
    /// The header's version is not 1.
    #[error("bad version")]
    BadVersion,
    /// The header's length exceeds [`MAX_PAYLOAD`].
    #[error("payload larger than 1 MiB")]
    TooLarge,
    /// Fewer than `length` bytes follow the header.
    #[error("truncated payload")]
    TruncatedPayload,
}

/// The first bad message: where its header starts and what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[error("{kind} in the message at byte offset {offset}")]
pub struct FrameError {
    /// Byte offset of the bad message's header from the start of the stream.
    pub offset: u64,
    /// What is wrong with it.
    pub kind: FrameErrorKind,
}

/// The output summary every variant must agree on exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct FramesOutput {
    /// Good messages before the first bad one (all of them when there is none).
    pub messages: u64,
    /// Sum of the counted messages' payload lengths.
    pub payload_bytes: u64,
    /// Wrapping `u64` sum of every payload byte of the counted messages.
    pub payload_checksum: u64,
    /// The first bad message, if any.
    pub error: Option<FrameError>,
}

impl Workload for Frames {
    const NAME: &'static str = "frames";
    const SUMMARY: &'static str =
        "length-prefixed binary messages: count, payload bytes and byte sum, first error";
    type Input = FramesInput;
    type Output = FramesOutput;

    fn generate(size: usize, seed: u64) -> FramesInput {
        ByteInput::new(&generate(size, seed)).into()
    }

    /// Any file is a stream: one that does not follow the format yields an error in the output,
    /// never a failure to run.
    fn from_file(data: &[u8]) -> Result<FramesInput, InputError> {
        Ok(data.into())
    }

    fn input_bytes(input: &FramesInput) -> usize {
        input.as_slice().len()
    }

    fn relocated(input: &FramesInput, place: Placement) -> Option<FramesInput> {
        let bytes = input.as_slice();
        let misalign = bytes.as_ptr() as usize % 64;
        Some(ByteInput::placed(bytes, misalign, place).into())
    }
}

/// Appends a header with the given fields, valid or not, so tests and fuzzers can build streams.
pub fn push_header(out: &mut Vec<u8>, version: u16, flags: u16, length: u32) {
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
}

/// Appends a valid message (version 1) carrying `payload`.
///
/// # Panics
/// If `payload` is longer than `u32::MAX` bytes (a programming error in a test).
pub fn push_message(out: &mut Vec<u8>, flags: u16, payload: &[u8]) {
    let length = u32::try_from(payload.len()).expect("payload length fits in u32");
    push_header(out, VERSION, flags, length);
    out.extend_from_slice(payload);
}

/// A payload length drawn from a mix that resembles real traffic: 70% small (16–256 B), 25%
/// medium (256 B–4 KiB), 5% large (4–64 KiB).
fn payload_len(rng: &mut Rng) -> usize {
    let (lo, hi) = match rng.below(100) {
        0..70 => (16, 256),
        70..95 => (256, 4 << 10),
        _ => (4 << 10, 64 << 10),
    };
    (lo + rng.below(hi - lo)) as usize
}

/// A valid stream of exactly `size` bytes when `size >= 8` (empty when `size < 8`), fully
/// determined by `(size, seed)`: random flags, random payload bytes, lengths from the mix above.
/// A drawn length is cut to fit what is left, and a message that would leave fewer than 8 bytes
/// behind absorbs them, so the stream has no trailing garbage.
pub fn generate(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size);
    let mut payload = Vec::new();
    while size - out.len() >= HEADER_LEN {
        let room = size - out.len() - HEADER_LEN;
        let mut len = payload_len(&mut rng).min(room);
        if room - len < HEADER_LEN {
            len = room;
        }
        payload.resize(len, 0);
        rng.fill_bytes(&mut payload);
        let flags = rng.next_u64() as u16;
        push_message(&mut out, flags, &payload);
    }
    out
}

/// All variants, naive first.
pub fn family() -> Family<Frames> {
    Family::new(Naive)
        .with(Optimized)
        .with(ZeroCopyBytes)
        .with(Arena)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_fills_exactly_and_is_valid() {
        for size in [0, 1, 7, 8, 9, 15, 16, 17, 100, 4096, 65536, 300_000] {
            let a = generate(size, 7);
            let expected_len = if size < HEADER_LEN { 0 } else { size };
            assert_eq!(a.len(), expected_len, "size {size}");
            assert_eq!(a, generate(size, 7));
            let out = family().run("naive", &a.as_slice().into()).unwrap();
            assert_eq!(out.error, None, "size {size}");
            assert_eq!(
                out.payload_bytes + HEADER_LEN as u64 * out.messages,
                expected_len as u64
            );
        }
    }

    #[test]
    fn generator_mixes_sizes() {
        let mut rng = Rng::new(1);
        let lens: Vec<usize> = (0..10_000).map(|_| payload_len(&mut rng)).collect();
        let small = lens.iter().filter(|&&l| l < 256).count();
        let large = lens.iter().filter(|&&l| l >= 4096).count();
        assert!((6_500..7_500).contains(&small), "{small}");
        assert!((300..700).contains(&large), "{large}");
        assert!(lens.iter().all(|&l| (16..65536).contains(&l)));
    }

    #[test]
    fn output_json_shape() {
        let out = FramesOutput {
            messages: 2,
            payload_bytes: 3,
            payload_checksum: 4,
            error: Some(FrameError {
                offset: 19,
                kind: FrameErrorKind::TruncatedPayload,
            }),
        };
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"messages":2,"payload_bytes":3,"payload_checksum":4,"error":{"offset":19,"kind":"truncated_payload"}}"#
        );
        let ok = FramesOutput::default();
        assert!(
            serde_json::to_string(&ok)
                .unwrap()
                .ends_with(r#""error":null}"#)
        );
        assert_eq!(
            out.error.unwrap().to_string(),
            "truncated payload in the message at byte offset 19"
        );
    }

    #[test]
    fn input_keeps_misalignment() {
        let data = generate(1000, 3);
        for m in [0, 1, 7, 63] {
            let input: FramesInput = ByteInput::with_misalignment(&data, m).into();
            assert_eq!(input.as_slice(), &data[..]);
            assert_eq!(input.as_slice().as_ptr() as usize % 64, m);
        }
    }
}
