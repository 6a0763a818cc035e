//! The allocation-free parser: borrowed `&[u8]` slices straight out of the input, the header
//! validated before anything else is touched, and a byte sum that works on many lanes at once.
//!
//! Nothing is allocated or copied per message (nor per run): a message is two slice splits and a
//! sum. [`split_message`] and [`byte_sum`] are shared with the `bytes` and `arena` variants so
//! that those differ from this one only in how they hold payloads.

use super::{
    FrameError, FrameErrorKind, Frames, FramesInput, FramesOutput, HEADER_LEN, MAX_PAYLOAD, VERSION,
};
use perflab_core::{Ctx, Kernel, VariantKind};

/// Borrowed slices, zero allocations.
pub struct Optimized;

impl Kernel<Frames> for Optimized {
    fn name(&self) -> &'static str {
        "optimized"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &FramesInput, _ctx: &Ctx) -> FramesOutput {
        perflab_core::scope!("frames/optimized");
        let data = input.as_slice();
        let mut rest = data;
        let mut out = FramesOutput::default();
        while !rest.is_empty() {
            match split_message(rest) {
                Ok((payload, tail)) => {
                    out.messages += 1;
                    out.payload_bytes += payload.len() as u64;
                    out.payload_checksum = out.payload_checksum.wrapping_add(byte_sum(payload));
                    rest = tail;
                }
                Err(kind) => {
                    let offset = (data.len() - rest.len()) as u64;
                    out.error = Some(FrameError { offset, kind });
                    break;
                }
            }
        }
        out
    }
}

/// Splits the message at the start of `rest` (which must not be empty to mean anything) into its
/// payload and whatever follows it. Every check is made on the 8 header bytes, in the documented
/// order, before the payload is looked at.
#[inline]
pub(crate) fn split_message(rest: &[u8]) -> Result<(&[u8], &[u8]), FrameErrorKind> {
    let Some((header, body)) = rest.split_first_chunk::<HEADER_LEN>() else {
        return Err(FrameErrorKind::TruncatedHeader);
    };
    let version = u16::from_le_bytes([header[0], header[1]]);
    let length = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if version != VERSION {
        return Err(FrameErrorKind::BadVersion);
    }
    if length > MAX_PAYLOAD {
        return Err(FrameErrorKind::TooLarge);
    }
    body.split_at_checked(length as usize)
        .ok_or(FrameErrorKind::TruncatedPayload)
}

/// Lanes of the byte sum: 16 `u16`s, one SSE2 register, so the compiler's vector code needs no
/// more than the baseline x86-64 instruction set.
const LANES: usize = 16;
/// Bytes summed into the `u16` lanes before they are folded: each lane receives at most 256
/// bytes of at most 255, i.e. at most 65_280, so no lane can overflow.
const BLOCK: usize = LANES * 256;

/// The wrapping `u64` sum of `data`'s bytes, written so that the compiler vectorises it: bytes
/// are added into 16 independent `u16` lanes (widening 8 → 16 bits is one instruction, where
/// widening to 64 bits takes three), and the lanes are folded into the total once per 4 KiB.
#[inline]
pub(crate) fn byte_sum(data: &[u8]) -> u64 {
    let mut total = 0u64;
    for block in data.chunks(BLOCK) {
        let mut lanes = [0u16; LANES];
        let mut chunks = block.chunks_exact(LANES);
        for chunk in &mut chunks {
            for (lane, &b) in lanes.iter_mut().zip(chunk) {
                *lane = lane.wrapping_add(u16::from(b));
            }
        }
        for &b in chunks.remainder() {
            total = total.wrapping_add(u64::from(b));
        }
        let folded: u64 = lanes.iter().map(|&l| u64::from(l)).sum();
        total = total.wrapping_add(folded);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sum_matches_simple_sum() {
        let data: Vec<u8> = (0..3 * BLOCK + 37).map(|i| (i * 131 % 256) as u8).collect();
        for len in (0..40).chain([BLOCK - 1, BLOCK, BLOCK + 1, data.len()]) {
            let d = &data[..len];
            let want: u64 = d.iter().map(|&b| u64::from(b)).sum();
            assert_eq!(byte_sum(d), want, "len {len}");
        }
        assert_eq!(byte_sum(&vec![255; 5 * BLOCK]), 255 * 5 * BLOCK as u64);
    }

    #[test]
    fn split_checks_in_order() {
        // Version 2 *and* too large: the version is reported, as it is checked first.
        let mut v = Vec::new();
        super::super::push_header(&mut v, 2, 0, MAX_PAYLOAD + 1);
        assert_eq!(split_message(&v), Err(FrameErrorKind::BadVersion));
        assert_eq!(split_message(&v[..7]), Err(FrameErrorKind::TruncatedHeader));
    }
}
