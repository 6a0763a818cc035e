//! The arena parser: each message is materialised — its payload copied into the per-run
//! `bumpalo` arena and the message pushed onto an arena-backed `Vec` — and the messages are then
//! processed from there, the way a request handler builds its records in a per-request arena.
//!
//! It copies every payload (like naive) but never calls the global allocator per message: the
//! arena hands out memory by bumping a pointer and frees it all at once when the harness resets
//! it. Comparing it with `naive` isolates the cost of `malloc`/`free`; with `optimized`, the cost
//! of the copy.

use super::optimized::{byte_sum, split_message};
use super::{FrameError, Frames, FramesInput, FramesOutput};
use bumpalo::collections::Vec as BumpVec;
use perflab_core::{Ctx, Kernel, VariantKind};

/// Payloads copied into the arena, collected in an arena `Vec`.
pub struct Arena;

impl Kernel<Frames> for Arena {
    fn name(&self) -> &'static str {
        "arena"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Arena
    }

    fn run(&self, input: &FramesInput, ctx: &Ctx) -> FramesOutput {
        perflab_core::scope!("frames/arena");
        let arena = ctx.arena();
        let data = input.as_slice();
        let mut messages: BumpVec<'_, &[u8]> = BumpVec::new_in(arena);
        let mut rest = data;
        let mut error = None;
        while !rest.is_empty() {
            match split_message(rest) {
                Ok((payload, tail)) => {
                    messages.push(&*arena.alloc_slice_copy(payload));
                    rest = tail;
                }
                Err(kind) => {
                    let offset = (data.len() - rest.len()) as u64;
                    error = Some(FrameError { offset, kind });
                    break;
                }
            }
        }
        let mut out = FramesOutput {
            messages: messages.len() as u64,
            error,
            ..FramesOutput::default()
        };
        for payload in &messages {
            out.payload_bytes += payload.len() as u64;
            out.payload_checksum = out.payload_checksum.wrapping_add(byte_sum(payload));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::generate;

    #[test]
    fn payloads_live_in_the_arena() {
        let input = FramesInput::from(&generate(100_000, 5)[..]);
        let ctx = Ctx::new();
        let out = Arena.run(&input, &ctx);
        assert_eq!(out.error, None);
        assert!(ctx.arena().allocated_bytes() as u64 >= out.payload_bytes);
    }
}
