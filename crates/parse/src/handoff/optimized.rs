//! The pipeline that recycles: records are copied into batches (one byte buffer holding up to
//! [`BATCH_RECORDS`] records back to back, about [`BATCH_BYTES`], plus the records' end offsets)
//! sent over a bounded `crossbeam-channel`; the consumer hashes a batch, empties it and sends it
//! back on a return channel to its producer, which fills it again.
//!
//! Each pipe owns [`BATCHES`](super::BATCHES) batches for good, made on its first call, so at
//! steady state a call allocates nothing per record and frees nothing on the consumer's thread:
//! the memory never changes hands for good. One message carries up to 64 records, so the channel's
//! synchronisation (and the consumer's wake-ups) are paid per batch, not per record.

use super::pipe::{self, Pipes};
use super::recycle::Recycle;
use super::{BATCH_BYTES, BATCH_RECORDS, Handoff, HandoffOutput, MAX_LINE, Records};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use std::iter::Peekable;
use std::thread::LocalKey;

/// `crossbeam-channel`, batched records, batches returned to their producer.
#[derive(Clone, Copy)]
pub struct Optimized;

/// A batch's buffers start this big, which fits any batch of generated lines; one grown past
/// [`SHRINK_ABOVE`] by a long line of a user's file is shrunk back when reused.
const CAPACITY: usize = BATCH_BYTES + MAX_LINE;
/// See [`CAPACITY`].
const SHRINK_ABOVE: usize = 8 * CAPACITY;

/// Records back to back in one buffer, with where each ends.
pub(super) struct Batch {
    bytes: Vec<u8>,
    /// `ends[i]` is where record `i` ends in `bytes` (and record `i + 1` starts).
    ends: Vec<usize>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            bytes: Vec::with_capacity(CAPACITY),
            ends: Vec::with_capacity(BATCH_RECORDS),
        }
    }

    /// A batch the consumer emptied, ready to fill again (shrunk if a long record grew it).
    fn reused(mut self) -> Batch {
        if self.bytes.capacity() > SHRINK_ABOVE {
            self.bytes.shrink_to(CAPACITY);
        }
        self
    }

    #[inline]
    fn push(&mut self, record: &[u8]) {
        self.bytes.extend_from_slice(record);
        self.ends.push(self.bytes.len());
    }

    /// Whether the batch should be sent now.
    #[inline]
    fn is_full(&self) -> bool {
        self.ends.len() == BATCH_RECORDS || self.bytes.len() >= BATCH_BYTES
    }

    /// Counts every record into `totals`, then empties the batch (keeping its capacity).
    fn drain_into(&mut self, totals: &mut HandoffOutput) {
        let mut start = 0;
        for &end in &self.ends {
            totals.add(&self.bytes[start..end]);
            start = end;
        }
        self.bytes.clear();
        self.ends.clear();
    }
}

thread_local! {
    static PIPE: Pipes<Optimized> = const { Pipes::new(None) };
}

impl Recycle for Optimized {
    const NAME: &'static str = "optimized";
    type Batch = Batch;
    /// A batch is its own storage: emptied by the consumer, filled again by the producer.
    type Storage = Batch;

    fn pipes() -> &'static LocalKey<Pipes<Optimized>> {
        &PIPE
    }

    fn make() -> Batch {
        Batch::new()
    }

    fn reuse(batch: Batch) -> Batch {
        batch.reused()
    }

    #[inline(always)]
    fn fill(mut batch: Batch, records: &mut Peekable<Records<'_>>) -> Batch {
        for record in records {
            batch.push(record);
            if batch.is_full() {
                break;
            }
        }
        batch
    }

    /// Hashes the batch and empties it.
    #[inline(always)]
    fn count(batch: &mut Batch, totals: &mut HandoffOutput) {
        batch.drain_into(totals);
    }
}

impl Kernel<Handoff> for Optimized {
    fn name(&self) -> &'static str {
        "optimized"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> HandoffOutput {
        perflab_core::scope!("handoff/optimized");
        pipe::run::<Optimized>(input.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::Naive;

    #[test]
    fn batches_close_at_their_limits() {
        let mut b = Batch::new();
        for _ in 0..BATCH_RECORDS - 1 {
            b.push(b"x");
        }
        assert!(!b.is_full());
        b.push(b"");
        assert!(b.is_full());
        let mut totals = HandoffOutput::default();
        b.drain_into(&mut totals);
        assert_eq!((totals.records, totals.bytes), (BATCH_RECORDS as u64, 63));
        b.push(&[b'a'; BATCH_BYTES - 1]);
        assert!(!b.is_full());
        b.push(b"b");
        assert!(b.is_full());
    }

    #[test]
    fn a_long_record_grows_a_batch_that_shrinks_when_reused() {
        let mut b = Batch::new();
        b.push(&vec![b'x'; 4 * SHRINK_ABOVE]);
        b.drain_into(&mut HandoffOutput::default());
        assert!(b.reused().bytes.capacity() <= SHRINK_ABOVE);
        let line = vec![b'y'; 1 << 20];
        let input = ByteInput::new(&[&line[..], b"\nshort\n", &line[..]].concat());
        assert_eq!(
            Optimized.run(&input, &Ctx::new()),
            Naive.run(&input, &Ctx::new())
        );
    }
}
