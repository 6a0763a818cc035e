//! The arena pipeline: each batch of records is allocated in a `bumpalo::Bump` of its own (the
//! records' bytes and the slice that lists them), and the arena travels with its records: to the
//! consumer, which hashes them, and back to the producer, which resets the arena and fills it
//! with the next batch.
//!
//! A batch is one value that owns its arena and borrows from it: a `self_cell` with the `Bump` as
//! owner and the records (`&[&[u8]]`, pointing into the arena's chunks, never at the `Bump`
//! itself) as dependent, which is `Send` because `Bump` is `Send` and shared slices are. No
//! unsafe code of ours is involved.
//!
//! Like `optimized`, nothing is freed remotely: the consumer sends the whole batch back and the
//! producer takes the arena out of it (`ArenaBatch::into_owner`, which frees the cell's own
//! small allocation on the producer) and resets it. Per batch there is that one allocation, made
//! and freed by the producer; per record there is none.
//!
//! This variant does not use `ctx.arena()`: that arena belongs to the calling thread and is reset
//! by the harness after each call, while these arenas cross threads and outlive calls (each pipe
//! owns [`BATCHES`](super::BATCHES) of them for good).

use super::pipe::{self, Pipes};
use super::recycle::Recycle;
use super::{BATCH_BYTES, BATCH_RECORDS, Handoff, HandoffOutput, MAX_LINE, Records};
use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use self_cell::self_cell;
use std::iter::Peekable;
use std::thread::LocalKey;

/// Per-batch `bumpalo` arenas, passed to the consumer and handed back.
#[derive(Clone, Copy)]
pub struct Arena;

/// An arena starts this big, which fits any batch of generated lines (the list of records
/// included); one grown past [`SHRINK_ABOVE`] by a long line of a user's file is replaced by a
/// fresh one when reused.
const CAPACITY: usize = BATCH_BYTES + MAX_LINE + BATCH_RECORDS * size_of::<&[u8]>();
/// See [`CAPACITY`].
const SHRINK_ABOVE: usize = 8 * CAPACITY;

/// The records of a batch, allocated in the batch's arena.
pub(super) type RecordSlices<'a> = &'a [&'a [u8]];

self_cell!(
    /// A batch: an arena and the records allocated in it, movable between threads as one value.
    pub(super) struct ArenaBatch {
        owner: Bump,
        #[covariant]
        dependent: RecordSlices,
    }
);

/// Copies records from `lines` into `arena` until the batch is full or `lines` ends.
fn fill<'a, 'd>(arena: &'a Bump, lines: &mut impl Iterator<Item = &'d [u8]>) -> RecordSlices<'a> {
    let mut batch = BumpVec::with_capacity_in(BATCH_RECORDS, arena);
    let mut bytes = 0;
    for line in lines {
        batch.push(&*arena.alloc_slice_copy(line));
        bytes += line.len();
        if batch.len() == BATCH_RECORDS || bytes >= BATCH_BYTES {
            break;
        }
    }
    batch.into_bump_slice()
}

/// An arena back from the consumer, emptied (or replaced, if a long record grew it).
fn reused(batch: ArenaBatch) -> Bump {
    let mut arena = batch.into_owner();
    if arena.allocated_bytes() > SHRINK_ABOVE {
        return Bump::with_capacity(CAPACITY);
    }
    arena.reset();
    arena
}

thread_local! {
    static PIPE: Pipes<Arena> = const { Pipes::new(None) };
}

impl Recycle for Arena {
    const NAME: &'static str = "arena";
    type Batch = ArenaBatch;
    /// The arena a batch is allocated in.
    type Storage = Bump;

    fn pipes() -> &'static LocalKey<Pipes<Arena>> {
        &PIPE
    }

    fn make() -> Bump {
        Bump::with_capacity(CAPACITY)
    }

    fn reuse(batch: ArenaBatch) -> Bump {
        reused(batch)
    }

    #[inline(always)]
    fn fill(arena: Bump, records: &mut Peekable<Records<'_>>) -> ArenaBatch {
        ArenaBatch::new(arena, |arena| fill(arena, records))
    }

    /// Hashes the batch's records; the batch goes back whole, records and arena.
    #[inline(always)]
    fn count(batch: &mut ArenaBatch, totals: &mut HandoffOutput) {
        for record in batch.borrow_dependent().iter() {
            totals.add(record);
        }
    }
}

impl Kernel<Handoff> for Arena {
    fn name(&self) -> &'static str {
        "arena"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Arena
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> HandoffOutput {
        perflab_core::scope!("handoff/arena");
        pipe::run::<Arena>(input.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handoff::{Naive, generate, records};

    fn assert_send<T: Send>() {}

    #[test]
    fn batches_cross_threads_and_close_at_their_limits() {
        assert_send::<ArenaBatch>();
        let many = vec![&b"ab"[..]; 100];
        let batch = ArenaBatch::new(Bump::new(), |a| fill(a, &mut many.into_iter()));
        assert_eq!(batch.borrow_dependent().len(), BATCH_RECORDS);
        let long = [&[b'x'; BATCH_BYTES - 1][..], b"yz", b"next"];
        let batch = ArenaBatch::new(reused(batch), |a| fill(a, &mut long.into_iter()));
        assert_eq!(*batch.borrow_dependent(), &long[..2]);
    }

    #[test]
    fn generated_batches_fit_the_first_chunk_and_long_records_do_not_stay() {
        let data = generate(1 << 20, 4);
        let mut lines = records(&data).peekable();
        let mut arena = Bump::with_capacity(CAPACITY);
        let start = arena.allocated_bytes();
        while lines.peek().is_some() {
            let batch = ArenaBatch::new(arena, |a| fill(a, &mut lines));
            arena = reused(batch);
            assert_eq!(arena.allocated_bytes(), start, "no second chunk needed");
        }
        let line = vec![b'y'; 1 << 20];
        let batch = ArenaBatch::new(arena, |a| fill(a, &mut [&line[..]].into_iter()));
        assert!(reused(batch).allocated_bytes() <= SHRINK_ABOVE);
        let input = ByteInput::new(&[&line[..], b"\n\nshort", &line[..]].concat());
        assert_eq!(
            Arena.run(&input, &Ctx::new()),
            Naive.run(&input, &Ctx::new())
        );
    }
}
