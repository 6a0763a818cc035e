//! The obvious pipeline, and the oracle: a `std::sync::mpsc::sync_channel` of
//! [`NAIVE_IN_FLIGHT`] messages, each record copied into a fresh `Vec<u8>` by the producer and
//! dropped by the consumer once hashed.
//!
//! This is what a first version of "parse here, process there" looks like, and every record it
//! sends is allocated on one thread and freed on another: one remote free per record (an empty
//! record allocates nothing). How much that costs is the allocator's business, which is the point.

use super::pipe::{self, Pipe, Worker};
use super::{Handoff, HandoffOutput, NAIVE_IN_FLIGHT};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use std::cell::Cell;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// `std::sync::mpsc`, one heap record per line, freed by the consumer.
#[derive(Clone, Copy)]
pub struct Naive;

/// What the producer sends.
enum Msg {
    /// One record, owned.
    Record(Vec<u8>),
    /// The call's records are all sent: reply with the totals.
    End,
    /// Makes the consumer panic, to test that a broken pipeline fails instead of hanging.
    #[cfg(test)]
    Poison,
}

/// The calling thread's end of the pipeline.
struct NaivePipe {
    records: SyncSender<Msg>,
    totals: Receiver<HandoffOutput>,
    /// Last: dropping it joins the consumer, which returns once the channels above are closed.
    worker: Worker,
}

thread_local! {
    static PIPE: Cell<Option<NaivePipe>> = const { Cell::new(None) };
}

impl Pipe for NaivePipe {
    fn start() -> NaivePipe {
        let (records, inbox) = sync_channel(NAIVE_IN_FLIGHT);
        let (done, totals) = sync_channel(1);
        let worker = Worker::spawn("naive", "handoff-naive-consumer", move || {
            consume(&inbox, &done);
        });
        NaivePipe {
            records,
            totals,
            worker,
        }
    }

    fn call(&mut self, data: &[u8]) -> Result<HandoffOutput, &'static str> {
        for line in data.split_inclusive(|&b| b == b'\n') {
            let record = line.strip_suffix(b"\n").unwrap_or(line).to_vec();
            self.records
                .send(Msg::Record(record))
                .map_err(|_| "sending a record")?;
        }
        self.records
            .send(Msg::End)
            .map_err(|_| "sending the end marker")?;
        self.totals.recv().map_err(|_| "waiting for the totals")
    }

    fn fail(self, what: &'static str) -> ! {
        let NaivePipe {
            records,
            totals,
            worker,
        } = self;
        drop((records, totals));
        worker.fail(what)
    }

    #[cfg(test)]
    fn worker(&self) -> &Worker {
        &self.worker
    }

    #[cfg(test)]
    fn poison(&self) {
        self.records.send(Msg::Poison).unwrap();
    }

    #[cfg(test)]
    fn buffers_made(&self) -> Option<usize> {
        None
    }
}

/// The consumer thread: hashes and frees records until the producer's end closes.
fn consume(inbox: &Receiver<Msg>, done: &SyncSender<HandoffOutput>) {
    let mut totals = HandoffOutput::default();
    while let Ok(msg) = inbox.recv() {
        match msg {
            Msg::Record(record) => {
                totals.add(&record);
                // The remote free this variant exists for.
                drop(record);
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

impl Kernel<Handoff> for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> HandoffOutput {
        perflab_core::scope!("handoff/naive");
        pipe::run(&PIPE, input.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_named_consumer_per_calling_thread_reused_across_calls() {
        pipe::shared_tests::one_named_consumer_per_calling_thread(&PIPE, Naive, "naive");
    }

    #[test]
    fn a_dead_consumer_fails_the_call_and_the_next_call_starts_afresh() {
        pipe::shared_tests::a_dead_consumer_fails_the_call_and_the_next_starts_afresh(
            &PIPE, Naive, "naive",
        );
    }
}
