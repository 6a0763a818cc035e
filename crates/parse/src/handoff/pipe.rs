//! What the variants share: a pipe per calling thread, kept in a `thread_local!` across calls;
//! the producer's end (send the records, then an end marker, then wait for the totals); the
//! consumer's loop; and the consumer thread each pipe owns (started with a name, joined when
//! dropped, turned into a clear panic when the pipeline breaks). A variant supplies only its
//! [`Strategy`]: which channel library, what one message carries and how buffers come back.

use super::HandoffOutput;
use super::channel::Channel;
use std::any::Any;
use std::cell::Cell;
use std::thread::{JoinHandle, LocalKey};

/// What sets one variant's pipeline apart; everything else is [`Pipe`]'s.
///
/// `produce` and `consume` are `#[inline(always)]` in every implementation, so that the
/// producer's loop and the consumer's are compiled as one function each, as if written out per
/// variant.
pub(super) trait Strategy: Sized + 'static {
    /// The variant's name, for the consumer thread's name and for messages.
    const VARIANT: &'static str;
    /// Messages the channel holds before the producer blocks.
    const IN_FLIGHT: usize;
    /// The channel library the records and the totals travel through.
    type Channel: Channel;
    /// What one message carries: a record or a batch of them.
    type Load: Send + 'static;
    /// What the producer keeps between calls (the buffers it gets back), if anything.
    type Producer;
    /// What the consumer thread keeps (where it sends buffers back), if anything.
    type Consumer: Send + 'static;

    /// The calling threads' pipes of this variant (a `thread_local!` of the variant's file).
    fn pipes() -> &'static LocalKey<Pipes<Self>>;

    /// The two ends' state for a new pipe.
    fn ends() -> (Self::Producer, Self::Consumer);

    /// Sends every record of `data` through `send`, which returns `false` once the consumer is
    /// gone; an `Err` says what broke.
    fn produce(
        producer: &mut Self::Producer,
        data: &[u8],
        send: impl FnMut(Self::Load) -> bool,
    ) -> Result<(), &'static str>;

    /// Counts what `load` holds into `totals` and disposes of it (frees it, or sends it back);
    /// `false` if the producer's end is gone and the consumer should stop.
    fn consume(consumer: &Self::Consumer, load: Self::Load, totals: &mut HandoffOutput) -> bool;

    /// How many reusable buffers the pipe has made, if it reuses any (tests).
    #[cfg(test)]
    fn buffers_made(_producer: &Self::Producer) -> Option<usize> {
        None
    }
}

/// What the producer sends.
enum Msg<L> {
    /// A record or a batch of records.
    Load(L),
    /// The call's records are all sent: reply with the totals.
    End,
    /// Makes the consumer panic, to test that a broken pipeline fails instead of hanging.
    #[cfg(test)]
    Poison,
}

/// The sending end of `S`'s channel of `T`.
type Tx<S, T> = <<S as Strategy>::Channel as Channel>::Sender<T>;
/// The receiving end of `S`'s channel of `T`.
type Rx<S, T> = <<S as Strategy>::Channel as Channel>::Receiver<T>;

/// A variant's producer–consumer pair, as its calling thread holds it.
pub(super) struct Pipe<S: Strategy> {
    loads: Tx<S, Msg<S::Load>>,
    producer: S::Producer,
    totals: Rx<S, HandoffOutput>,
    /// Last: dropping it joins the consumer, which returns once the channels above are closed.
    worker: Worker,
}

impl<S: Strategy> Pipe<S> {
    /// Starts the consumer thread and connects the channels.
    fn start() -> Pipe<S> {
        let (loads, inbox) = S::Channel::bounded(S::IN_FLIGHT);
        let (producer, consumer) = S::ends();
        let (done, totals) = S::Channel::bounded(1);
        let worker = Worker::spawn(S::VARIANT, move || {
            consume::<S>(&inbox, &consumer, &done);
        });
        Pipe {
            loads,
            producer,
            totals,
            worker,
        }
    }

    /// Sends `data`'s records through the pipe and returns the consumer's totals, or says what
    /// broke (e.g. "sending a record").
    fn call(&mut self, data: &[u8]) -> Result<HandoffOutput, &'static str> {
        let loads = &self.loads;
        S::produce(&mut self.producer, data, |load| {
            S::Channel::send(loads, Msg::Load(load))
        })?;
        if !S::Channel::send(loads, Msg::End) {
            return Err("sending the end marker");
        }
        S::Channel::recv(&self.totals).ok_or("waiting for the totals")
    }

    /// Closes this end of every channel, then [`Worker::fail`]s.
    fn fail(self, what: &'static str) -> ! {
        let Pipe {
            loads,
            producer,
            totals,
            worker,
        } = self;
        drop((loads, producer, totals));
        worker.fail(what)
    }

    /// The consumer thread (tests).
    #[cfg(test)]
    fn worker(&self) -> &Worker {
        &self.worker
    }

    /// Sends the consumer a message that makes it panic (tests).
    #[cfg(test)]
    fn poison(&self) {
        assert!(S::Channel::send(&self.loads, Msg::Poison));
    }
}

/// The calling threads' pipes of one variant: a `thread_local!` of these.
pub(super) type Pipes<S> = Cell<Option<Pipe<S>>>;

/// One call of variant `S`: the calling thread's pipe (started on its first call) runs `data`,
/// and goes back into [`Strategy::pipes`] for the next call.
///
/// The pipe is out of `pipes` during the call: if the call panics, the pipe is dropped on the
/// way out (its channels close and its consumer is joined), so the next call cannot inherit a
/// consumer holding half a call's totals; it starts a fresh one.
pub(super) fn run<S: Strategy>(data: &[u8]) -> HandoffOutput {
    let pipes = S::pipes();
    let mut pipe = pipes.take().unwrap_or_else(Pipe::start);
    match pipe.call(data) {
        Ok(out) => {
            pipes.set(Some(pipe));
            out
        }
        Err(what) => pipe.fail(what),
    }
}

/// The consumer thread: counts every load and disposes of it, and answers each end marker with
/// the totals, until the producer's end closes.
fn consume<S: Strategy>(
    inbox: &Rx<S, Msg<S::Load>>,
    consumer: &S::Consumer,
    done: &Tx<S, HandoffOutput>,
) {
    let mut totals = HandoffOutput::default();
    while let Some(msg) = S::Channel::recv(inbox) {
        match msg {
            Msg::Load(load) => {
                if !S::consume(consumer, load, &mut totals) {
                    return;
                }
            }
            Msg::End => {
                if !S::Channel::send(done, std::mem::take(&mut totals)) {
                    return;
                }
            }
            #[cfg(test)]
            Msg::Poison => panic!("poisoned on purpose"),
        }
    }
}

/// A consumer thread. Dropping it joins the thread, so a pipe must close its channels first:
/// declare the `Worker` after them (fields drop in declaration order), so that the consumer sees
/// them close, returns, and the join does not wait forever.
pub(super) struct Worker {
    /// The variant, for messages.
    variant: &'static str,
    /// `None` only once joined.
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts `body` on a thread named `handoff-VARIANT-consumer` (a plain `std::thread`, so it
    /// inherits the calling thread's CPU affinity like any thread the user's code would start).
    ///
    /// # Panics
    /// If the OS refuses to start a thread.
    pub(super) fn spawn(variant: &'static str, body: impl FnOnce() + Send + 'static) -> Worker {
        let thread_name = format!("handoff-{variant}-consumer");
        let handle = std::thread::Builder::new()
            .name(thread_name.clone())
            .spawn(body)
            .unwrap_or_else(|e| {
                panic!("handoff/{variant}: cannot start its consumer thread {thread_name}: {e}")
            });
        Worker {
            variant,
            handle: Some(handle),
        }
    }

    /// Reports a broken pipeline: waits for the consumer thread to end and panics saying what
    /// broke (`what`) and how the thread ended. The caller must have dropped its ends of every
    /// channel first, so that a consumer still alive sees them close and returns.
    pub(super) fn fail(mut self, what: &str) -> ! {
        let why = match self.handle.take().map(JoinHandle::join) {
            Some(Err(payload)) => format!("panicked: {}", panic_message(payload.as_ref())),
            _ => "ended without panicking".to_owned(),
        };
        panic!(
            "handoff/{}: the pipeline broke while {what}: its consumer thread {why}",
            self.variant
        )
    }

    /// The consumer thread, for tests that check its name and that it is reused.
    #[cfg(test)]
    pub(super) fn thread(&self) -> Option<&std::thread::Thread> {
        self.handle.as_ref().map(JoinHandle::thread)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            // How it ended does not matter here (a broken pipe panics through `fail`), and a
            // drop must not panic: it may run while the caller unwinds.
            let _ = handle.join();
        }
    }
}

/// The text of a panic payload (`panic!` makes a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(a non-string payload)"
    }
}

/// The tests every variant's pipe passes, written once and run for each variant.
#[cfg(test)]
mod every_variant {
    use super::Strategy;
    use crate::handoff::{Arena, BATCHES, Handoff, Naive, Optimized, generate};
    use perflab_core::{ByteInput, Ctx, Kernel};
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::thread::ThreadId;

    #[test]
    fn one_named_consumer_per_calling_thread_reused_across_calls() {
        one_named_consumer_per_calling_thread(Naive);
        one_named_consumer_per_calling_thread(Optimized);
        one_named_consumer_per_calling_thread(Arena);
    }

    #[test]
    fn a_dead_consumer_fails_the_call_and_the_next_call_starts_afresh() {
        a_dead_consumer_fails_the_call_and_the_next_starts_afresh(Naive);
        a_dead_consumer_fails_the_call_and_the_next_starts_afresh(Optimized);
        a_dead_consumer_fails_the_call_and_the_next_starts_afresh(Arena);
    }

    /// The calling thread's consumer thread, if it has a pipe: its id and name.
    fn consumer<S: Strategy>() -> Option<(ThreadId, String)> {
        let pipes = S::pipes();
        let pipe = pipes.take();
        let found = pipe
            .as_ref()
            .and_then(|p| p.worker().thread())
            .map(|t| (t.id(), t.name().unwrap_or_default().to_owned()));
        pipes.set(pipe);
        found
    }

    /// The consumer is started on a thread's first call, named after the variant, reused by the
    /// thread's later calls (with never more than [`BATCHES`] buffers), and another calling
    /// thread gets a consumer of its own.
    fn one_named_consumer_per_calling_thread<S>(kernel: S)
    where
        S: Strategy + Kernel<Handoff> + Copy,
    {
        let (pipes, variant) = (S::pipes(), S::VARIANT);
        let input = ByteInput::new(&generate(50_000, 1));
        let want = kernel.run(&input, &Ctx::new());
        let (first, name) = consumer::<S>().expect("started on the first call");
        assert_eq!(name, format!("handoff-{variant}-consumer"));
        for _ in 0..5 {
            assert_eq!(kernel.run(&input, &Ctx::new()), want);
        }
        assert_eq!(consumer::<S>().map(|c| c.0), Some(first));
        let pipe = pipes.take().unwrap();
        if let Some(made) = S::buffers_made(&pipe.producer) {
            assert!(made <= BATCHES, "{made} buffers");
        }
        pipes.set(Some(pipe));
        let other = std::thread::spawn(move || {
            kernel.run(&input, &Ctx::new());
            consumer::<S>().map(|c| c.0)
        })
        .join()
        .unwrap();
        assert_ne!(
            other,
            Some(first),
            "another calling thread, another consumer"
        );
    }

    /// A consumer that panics fails the call with a message naming the variant and the panic,
    /// and the next call starts a fresh consumer and gets the right answer.
    fn a_dead_consumer_fails_the_call_and_the_next_starts_afresh<S>(kernel: S)
    where
        S: Strategy + Kernel<Handoff>,
    {
        let (pipes, variant) = (S::pipes(), S::VARIANT);
        let input = ByteInput::new(&generate(100_000, 2));
        let want = kernel.run(&input, &Ctx::new());
        let pipe = pipes.take().unwrap();
        pipe.poison();
        pipes.set(Some(pipe));
        let e = catch_unwind(AssertUnwindSafe(|| kernel.run(&input, &Ctx::new()))).unwrap_err();
        let text = e.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            text.starts_with(&format!("handoff/{variant}: the pipeline broke while ")),
            "{text}"
        );
        assert!(text.ends_with("panicked: poisoned on purpose"), "{text}");
        assert_eq!(kernel.run(&input, &Ctx::new()), want);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    fn message(e: &(dyn Any + Send)) -> String {
        panic_message(e).to_owned()
    }

    #[test]
    fn fail_names_the_variant_and_the_consumers_panic() {
        let w = Worker::spawn("test", || panic!("boom {}", 42));
        let e = catch_unwind(AssertUnwindSafe(|| w.fail("sending a record"))).unwrap_err();
        let text = message(e.as_ref());
        assert!(text.contains("handoff/test"), "{text}");
        assert!(text.contains("while sending a record"), "{text}");
        assert!(text.contains("panicked: boom 42"), "{text}");

        let w = Worker::spawn("test", || {});
        let e = catch_unwind(AssertUnwindSafe(|| w.fail("waiting"))).unwrap_err();
        assert!(message(e.as_ref()).contains("ended without panicking"));
    }

    #[test]
    fn threads_are_named_and_joined_on_drop() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let w = Worker::spawn("test", move || while rx.recv().is_ok() {});
        assert_eq!(
            w.thread().and_then(|t| t.name()),
            Some("handoff-test-consumer")
        );
        drop(tx);
        drop(w); // joins: would hang if the consumer had not seen the channel close
    }
}
