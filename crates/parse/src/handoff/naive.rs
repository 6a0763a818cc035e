//! The obvious pipeline, and the oracle: a `std::sync::mpsc::sync_channel` of
//! [`NAIVE_IN_FLIGHT`] messages, each record copied into a fresh `Vec<u8>` by the producer and
//! dropped by the consumer once hashed.
//!
//! This is what a first version of "parse here, process there" looks like, and every record it
//! sends is allocated on one thread and freed on another: one remote free per record (an empty
//! record allocates nothing). How much that costs is the allocator's business, which is the point.

use super::channel::StdMpsc;
use super::pipe::{self, Pipes, Strategy};
use super::{Handoff, HandoffOutput, NAIVE_IN_FLIGHT};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use std::thread::LocalKey;

/// `std::sync::mpsc`, one heap record per line, freed by the consumer.
#[derive(Clone, Copy)]
pub struct Naive;

thread_local! {
    static PIPE: Pipes<Naive> = const { Pipes::new(None) };
}

impl Strategy for Naive {
    const VARIANT: &'static str = "naive";
    const IN_FLIGHT: usize = NAIVE_IN_FLIGHT;
    type Channel = StdMpsc;
    /// One record, owned.
    type Load = Vec<u8>;
    type Producer = ();
    type Consumer = ();

    fn pipes() -> &'static LocalKey<Pipes<Naive>> {
        &PIPE
    }

    fn ends() -> ((), ()) {
        ((), ())
    }

    #[inline(always)]
    fn produce(
        (): &mut (),
        data: &[u8],
        mut send: impl FnMut(Vec<u8>) -> bool,
    ) -> Result<(), &'static str> {
        for line in data.split_inclusive(|&b| b == b'\n') {
            let record = line.strip_suffix(b"\n").unwrap_or(line).to_vec();
            if !send(record) {
                return Err("sending a record");
            }
        }
        Ok(())
    }

    #[inline(always)]
    fn consume((): &(), record: Vec<u8>, totals: &mut HandoffOutput) -> bool {
        totals.add(&record);
        // The remote free this variant exists for.
        drop(record);
        true
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
        pipe::run::<Naive>(input.as_slice())
    }
}
