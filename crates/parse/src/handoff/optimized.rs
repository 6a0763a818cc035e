//! The pipeline that recycles: records are copied into batches (one byte buffer holding up to
//! [`BATCH_RECORDS`] records back to back, about [`BATCH_BYTES`], plus the records' end offsets)
//! sent over a bounded `crossbeam-channel`; the consumer hashes a batch, empties it and sends it
//! back on a return channel to its producer, which fills it again.
//!
//! Each pipe owns [`BATCHES`] batches for good, made on its first call, so at steady state a call
//! allocates nothing per record and frees nothing on the consumer's thread: the memory never
//! changes hands for good. One message carries up to 64 records, so the channel's
//! synchronisation (and the consumer's wake-ups) are paid per batch, not per record.

use super::pipe::{self, Pipe, Returns, Worker};
use super::{BATCH_BYTES, BATCH_RECORDS, BATCHES, Handoff, HandoffOutput, MAX_LINE, records};
use crossbeam_channel::{Receiver, Sender, bounded};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use std::cell::Cell;

/// `crossbeam-channel`, batched records, batches returned to their producer.
#[derive(Clone, Copy)]
pub struct Optimized;

/// A batch's buffers start this big, which fits any batch of generated lines; one grown past
/// [`SHRINK_ABOVE`] by a long line of a user's file is shrunk back when reused.
const CAPACITY: usize = BATCH_BYTES + MAX_LINE;
/// See [`CAPACITY`].
const SHRINK_ABOVE: usize = 8 * CAPACITY;

/// Records back to back in one buffer, with where each ends.
struct Batch {
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

/// What the producer sends.
enum Msg {
    /// A batch of at least one record.
    Batch(Batch),
    /// The call's records are all sent: reply with the totals.
    End,
    /// Makes the consumer panic, to test that a broken pipeline fails instead of hanging.
    #[cfg(test)]
    Poison,
}

/// The calling thread's end of the pipeline.
struct OptimizedPipe {
    batches: Sender<Msg>,
    empties: Returns<Batch>,
    totals: Receiver<HandoffOutput>,
    /// Last: dropping it joins the consumer, which returns once the channels above are closed.
    worker: Worker,
}

thread_local! {
    static PIPE: Cell<Option<OptimizedPipe>> = const { Cell::new(None) };
}

impl Pipe for OptimizedPipe {
    fn start() -> OptimizedPipe {
        let (batches, inbox) = bounded(BATCHES);
        let (empties, back) = Returns::channel();
        let (done, totals) = bounded(1);
        let worker = Worker::spawn("optimized", "handoff-optimized-consumer", move || {
            consume(&inbox, &back, &done);
        });
        OptimizedPipe {
            batches,
            empties,
            totals,
            worker,
        }
    }

    fn call(&mut self, data: &[u8]) -> Result<HandoffOutput, &'static str> {
        let mut records = records(data).peekable();
        while records.peek().is_some() {
            let mut batch = self.empties.take(Batch::new, Batch::reused)?;
            for record in records.by_ref() {
                batch.push(record);
                if batch.is_full() {
                    break;
                }
            }
            self.batches
                .send(Msg::Batch(batch))
                .map_err(|_| "sending a batch")?;
        }
        self.batches
            .send(Msg::End)
            .map_err(|_| "sending the end marker")?;
        self.totals.recv().map_err(|_| "waiting for the totals")
    }

    fn fail(self, what: &'static str) -> ! {
        let OptimizedPipe {
            batches,
            empties,
            totals,
            worker,
        } = self;
        drop((batches, empties, totals));
        worker.fail(what)
    }

    #[cfg(test)]
    fn worker(&self) -> &Worker {
        &self.worker
    }

    #[cfg(test)]
    fn poison(&self) {
        self.batches.send(Msg::Poison).unwrap();
    }

    #[cfg(test)]
    fn buffers_made(&self) -> Option<usize> {
        Some(self.empties.made())
    }
}

/// The consumer thread: hashes each batch and sends it back empty, until the producer's end
/// closes.
fn consume(inbox: &Receiver<Msg>, back: &Sender<Batch>, done: &Sender<HandoffOutput>) {
    let mut totals = HandoffOutput::default();
    while let Ok(msg) = inbox.recv() {
        match msg {
            Msg::Batch(mut batch) => {
                batch.drain_into(&mut totals);
                // Never blocks: the channel holds as many batches as the pipe owns.
                if back.send(batch).is_err() {
                    return;
                }
            }
            Msg::End => {
                if done.send(std::mem::take(&mut totals)).is_err() {
                    return;
                }
            }
            #[cfg(test)]
            Msg::Poison => panic!("poisoned on purpose"),
        }
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
        pipe::run(&PIPE, input.as_slice())
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

    #[test]
    fn one_named_consumer_per_calling_thread_reused_across_calls() {
        pipe::shared_tests::one_named_consumer_per_calling_thread(&PIPE, Optimized, "optimized");
    }

    #[test]
    fn a_dead_consumer_fails_the_call_and_the_next_call_starts_afresh() {
        pipe::shared_tests::a_dead_consumer_fails_the_call_and_the_next_starts_afresh(
            &PIPE,
            Optimized,
            "optimized",
        );
    }
}
