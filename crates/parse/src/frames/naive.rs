//! The obvious parser, and the oracle: read each header with `std::io::Read::read_exact` from a
//! `Cursor`, allocate a fresh `Vec<u8>` for each payload, read it, then sum it.
//!
//! This is how a first version of a protocol reader usually looks (it is what one writes against
//! a `TcpStream`), and it pays for it on every message: an allocation, a zero-fill, a copy and a
//! free, on top of the work that matters.

use super::{
    FrameError, FrameErrorKind, Frames, FramesInput, FramesOutput, HEADER_LEN, MAX_PAYLOAD, VERSION,
};
use perflab_core::{Ctx, Kernel, VariantKind};
use std::io::{Cursor, Read};

/// `Read` + `Vec` per message.
pub struct Naive;

impl Kernel<Frames> for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }

    fn run(&self, input: &FramesInput, _ctx: &Ctx) -> FramesOutput {
        perflab_core::scope!("frames/naive");
        let data = input.as_slice();
        let mut cursor = Cursor::new(data);
        let mut out = FramesOutput::default();
        loop {
            let offset = cursor.position();
            if offset == data.len() as u64 {
                return out;
            }
            match read_message(&mut cursor) {
                Ok(payload) => {
                    out.messages += 1;
                    out.payload_bytes += payload.len() as u64;
                    for &b in &payload {
                        out.payload_checksum = out.payload_checksum.wrapping_add(u64::from(b));
                    }
                }
                Err(kind) => {
                    out.error = Some(FrameError { offset, kind });
                    return out;
                }
            }
        }
    }
}

/// Reads one message from a reader positioned on a header that has at least one byte.
fn read_message(reader: &mut impl Read) -> Result<Vec<u8>, FrameErrorKind> {
    let mut header = [0u8; HEADER_LEN];
    reader
        .read_exact(&mut header)
        .map_err(|_| FrameErrorKind::TruncatedHeader)?;
    let version = u16::from_le_bytes([header[0], header[1]]);
    let _flags = u16::from_le_bytes([header[2], header[3]]);
    let length = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if version != VERSION {
        return Err(FrameErrorKind::BadVersion);
    }
    if length > MAX_PAYLOAD {
        return Err(FrameErrorKind::TooLarge);
    }
    let mut payload = vec![0u8; length as usize];
    reader
        .read_exact(&mut payload)
        .map_err(|_| FrameErrorKind::TruncatedPayload)?;
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::push_message;

    #[test]
    fn counts_and_stops() {
        let mut s = Vec::new();
        push_message(&mut s, 9, &[200, 100]);
        s.extend_from_slice(&[1, 0, 0]);
        let out = Naive.run(&FramesInput::from(&s[..]), &Ctx::new());
        let error = Some(FrameError {
            offset: 10,
            kind: FrameErrorKind::TruncatedHeader,
        });
        assert_eq!(
            (out.messages, out.payload_checksum, out.error),
            (1, 300, error)
        );
    }
}
