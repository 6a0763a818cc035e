//! The `bytes::Bytes` parser: every payload is a `Bytes` handle split off the shared input buffer
//! with `split_to`, as code built on tokio/hyper receive buffers does.
//!
//! No payload is copied and nothing is allocated per message; each split costs an atomic
//! reference-count increment (and its drop a decrement) instead. Per run, the input's handle is
//! cloned once (one more increment). See [`super::FramesInput`] for why the input already lives
//! in a `Bytes`, and why that is not a trick.

use super::optimized::byte_sum;
use super::{
    FrameError, FrameErrorKind, Frames, FramesInput, FramesOutput, HEADER_LEN, MAX_PAYLOAD, VERSION,
};
use ::bytes::{Buf, Bytes};
use perflab_core::{Ctx, Kernel, VariantKind};

/// Zero-copy `Bytes` handles, one per payload.
pub struct ZeroCopyBytes;

impl Kernel<Frames> for ZeroCopyBytes {
    fn name(&self) -> &'static str {
        "bytes"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &FramesInput, _ctx: &Ctx) -> FramesOutput {
        perflab_core::scope!("frames/bytes");
        let mut buf = input.bytes().clone();
        let total = buf.len();
        let mut out = FramesOutput::default();
        while !buf.is_empty() {
            let offset = (total - buf.len()) as u64;
            match take_message(&mut buf) {
                Ok(payload) => {
                    out.messages += 1;
                    out.payload_bytes += payload.len() as u64;
                    out.payload_checksum = out.payload_checksum.wrapping_add(byte_sum(&payload));
                }
                Err(kind) => {
                    out.error = Some(FrameError { offset, kind });
                    break;
                }
            }
        }
        out
    }
}

/// Takes the message at the front of `buf` off it and returns its payload as its own handle.
/// On an error `buf` is left as it was.
fn take_message(buf: &mut Bytes) -> Result<Bytes, FrameErrorKind> {
    let Some(mut header) = buf.get(..HEADER_LEN) else {
        return Err(FrameErrorKind::TruncatedHeader);
    };
    // `header` has exactly 8 bytes, so these reads cannot run short.
    let version = header.get_u16_le();
    let _flags = header.get_u16_le();
    let length = header.get_u32_le();
    if version != VERSION {
        return Err(FrameErrorKind::BadVersion);
    }
    if length > MAX_PAYLOAD {
        return Err(FrameErrorKind::TooLarge);
    }
    if buf.len() - HEADER_LEN < length as usize {
        return Err(FrameErrorKind::TruncatedPayload);
    }
    buf.advance(HEADER_LEN);
    Ok(buf.split_to(length as usize))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::push_message;

    #[test]
    fn payloads_point_into_the_input() {
        let mut s = Vec::new();
        push_message(&mut s, 0, &[1, 2, 3]);
        push_message(&mut s, 0, &[4; 40]);
        let input = FramesInput::from(&s[..]);
        let mut buf = input.bytes().clone();
        let first = take_message(&mut buf).unwrap();
        let second = take_message(&mut buf).unwrap();
        assert_eq!(first.as_ptr(), input.as_slice()[8..].as_ptr());
        assert_eq!(second.as_ptr(), input.as_slice()[19..].as_ptr());
        assert!(buf.is_empty());
    }

    #[test]
    fn errors_leave_the_buffer_alone() {
        let mut s = Vec::new();
        super::super::push_header(&mut s, 1, 0, 5);
        s.push(0);
        let mut buf = Bytes::from(s.clone());
        assert_eq!(
            take_message(&mut buf),
            Err(FrameErrorKind::TruncatedPayload)
        );
        assert_eq!(&buf[..], &s[..]);
    }
}
