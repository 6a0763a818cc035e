//! The recycling pipelines (`optimized`, `arena`): records travel in batches, which the consumer
//! sends back to their producer to be filled again, so at steady state nothing is allocated per
//! record and nothing is freed on the consumer's thread. What a batch is differs per variant (a
//! [`Recycle`]); the round trip, over `crossbeam-channel`, is written here once.

use super::channel::Crossbeam;
use super::pipe::{Pipes, Strategy};
use super::{BATCHES, HandoffOutput, Records, records};
use crossbeam_channel::{Receiver, Sender, TryRecvError, bounded};
use std::iter::Peekable;
use std::thread::LocalKey;

/// What sets one recycling variant apart: what a batch is, and how it is filled and emptied.
/// Every `Recycle` is a [`Strategy`]. The methods are `#[inline(always)]` in every
/// implementation, so that they compile into the producer's and the consumer's loops.
pub(super) trait Recycle: 'static {
    /// The variant's name (its [`Strategy::VARIANT`]).
    const NAME: &'static str;
    /// A filled batch: what travels to the consumer and back.
    type Batch: Send + 'static;
    /// What the producer fills: the batch itself, emptied, or its arena.
    type Storage;

    /// The calling threads' pipes of this variant (its [`Strategy::pipes`]).
    fn pipes() -> &'static LocalKey<Pipes<Self>>
    where
        Self: Strategy;

    /// New storage, made while the pipe has fewer than [`BATCHES`].
    fn make() -> Self::Storage;

    /// The storage of a batch back from the consumer, ready to fill again.
    fn reuse(batch: Self::Batch) -> Self::Storage;

    /// Fills `storage` from `records` until the batch is full or the records end.
    fn fill(storage: Self::Storage, records: &mut Peekable<Records<'_>>) -> Self::Batch;

    /// Counts every record of `batch` into `totals` (on the consumer's thread).
    fn count(batch: &mut Self::Batch, totals: &mut HandoffOutput);
}

impl<R: Recycle> Strategy for R {
    const VARIANT: &'static str = R::NAME;
    const IN_FLIGHT: usize = BATCHES;
    type Channel = Crossbeam;
    type Load = R::Batch;
    /// The batches the consumer is done with.
    type Producer = Returns<R::Batch>;
    /// Where the consumer sends batches back.
    type Consumer = Sender<R::Batch>;

    fn pipes() -> &'static LocalKey<Pipes<R>> {
        <R as Recycle>::pipes()
    }

    fn ends() -> (Returns<R::Batch>, Sender<R::Batch>) {
        Returns::channel()
    }

    #[inline(always)]
    fn produce(
        returns: &mut Returns<R::Batch>,
        data: &[u8],
        mut send: impl FnMut(R::Batch) -> bool,
    ) -> Result<(), &'static str> {
        let mut records = records(data).peekable();
        while records.peek().is_some() {
            let storage = returns.take(R::make, R::reuse)?;
            if !send(R::fill(storage, &mut records)) {
                return Err("sending a batch");
            }
        }
        Ok(())
    }

    /// Hashes the batch's records and sends the batch back.
    #[inline(always)]
    fn consume(back: &Sender<R::Batch>, mut batch: R::Batch, totals: &mut HandoffOutput) -> bool {
        R::count(&mut batch, totals);
        // Never blocks: the channel holds as many batches as the pipe owns.
        back.send(batch).is_ok()
    }

    #[cfg(test)]
    fn buffers_made(returns: &Returns<R::Batch>) -> Option<usize> {
        Some(returns.made())
    }
}

/// The producer's side of the [`BATCHES`] reusable buffers of a pipe, which the consumer sends
/// back once it has hashed what they held.
///
/// Never more than [`BATCHES`] exist, and the return channel holds that many, so the consumer
/// never blocks sending one back.
pub(super) struct Returns<T> {
    /// Buffers the consumer is done with.
    empties: Receiver<T>,
    /// How many buffers this pipe has made so far.
    made: usize,
}

impl<T> Returns<T> {
    /// The producer's end of the return channel, and the consumer's.
    pub(super) fn channel() -> (Returns<T>, Sender<T>) {
        let (back, empties) = bounded(BATCHES);
        (Returns { empties, made: 0 }, back)
    }

    /// A buffer to fill: one the consumer sent back (passed through `reuse`), else a new one
    /// from `make` while fewer than [`BATCHES`] exist, else the next one the consumer sends back.
    pub(super) fn take<U>(
        &mut self,
        make: impl FnOnce() -> U,
        reuse: impl FnOnce(T) -> U,
    ) -> Result<U, &'static str> {
        const WHAT: &str = "waiting for an emptied batch";
        match self.empties.try_recv() {
            Ok(old) => Ok(reuse(old)),
            Err(TryRecvError::Empty) if self.made < BATCHES => {
                self.made += 1;
                Ok(make())
            }
            Err(TryRecvError::Empty) => self.empties.recv().map(reuse).map_err(|_| WHAT),
            Err(TryRecvError::Disconnected) => Err(WHAT),
        }
    }

    /// How many buffers were made.
    #[cfg(test)]
    pub(super) fn made(&self) -> usize {
        self.made
    }
}
