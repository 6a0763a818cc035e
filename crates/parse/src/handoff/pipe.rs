//! What the variants share: a pipe per calling thread, kept in a `thread_local!` across calls,
//! and the consumer thread each pipe owns (started with a name, joined when dropped, turned into
//! a clear panic when the pipeline breaks).

use super::{BATCHES, HandoffOutput};
use crossbeam_channel::{Receiver, Sender, TryRecvError, bounded};
use std::any::Any;
use std::cell::Cell;
use std::thread::{JoinHandle, LocalKey};

/// A variant's producer–consumer pair, as its calling thread holds it.
pub(super) trait Pipe: Sized + 'static {
    /// Starts the consumer thread and connects the channels.
    fn start() -> Self;

    /// Sends `data`'s records through the pipe and returns the consumer's totals, or says what
    /// broke (e.g. "sending a record").
    fn call(&mut self, data: &[u8]) -> Result<HandoffOutput, &'static str>;

    /// Closes this end of every channel, then [`Worker::fail`]s.
    fn fail(self, what: &'static str) -> !;

    /// The consumer thread (tests).
    #[cfg(test)]
    fn worker(&self) -> &Worker;

    /// Sends the consumer a message that makes it panic (tests).
    #[cfg(test)]
    fn poison(&self);

    /// How many reusable buffers the pipe has made, if it reuses any (tests).
    #[cfg(test)]
    fn buffers_made(&self) -> Option<usize>;
}

/// One call of a variant whose pipes live in `pipes`: the calling thread's pipe (started on its
/// first call) runs `data`, and goes back into `pipes` for the next call.
///
/// The pipe is out of `pipes` during the call: if the call panics, the pipe is dropped on the
/// way out (its channels close and its consumer is joined), so the next call cannot inherit a
/// consumer holding half a call's totals; it starts a fresh one.
pub(super) fn run<P: Pipe>(
    pipes: &'static LocalKey<Cell<Option<P>>>,
    data: &[u8],
) -> HandoffOutput {
    let mut pipe = pipes.take().unwrap_or_else(P::start);
    match pipe.call(data) {
        Ok(out) => {
            pipes.set(Some(pipe));
            out
        }
        Err(what) => pipe.fail(what),
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
}

impl<T> Returns<T> {
    /// How many buffers were made.
    #[cfg(test)]
    pub(super) fn made(&self) -> usize {
        self.made
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
    /// Starts `body` on a thread named `thread_name` (a plain `std::thread`, so it inherits the
    /// calling thread's CPU affinity like any thread the user's code would start).
    ///
    /// # Panics
    /// If the OS refuses to start a thread.
    pub(super) fn spawn(
        variant: &'static str,
        thread_name: &'static str,
        body: impl FnOnce() + Send + 'static,
    ) -> Worker {
        let handle = std::thread::Builder::new()
            .name(thread_name.to_owned())
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

/// The tests every variant's pipe passes, written once: each variant calls them with its pipes,
/// its kernel and its name.
#[cfg(test)]
pub(super) mod shared_tests {
    use super::{BATCHES, Pipe};
    use crate::handoff::{Handoff, generate};
    use perflab_core::{ByteInput, Ctx, Kernel};
    use std::cell::Cell;
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::thread::{LocalKey, ThreadId};

    fn consumer<P: Pipe>(pipes: &'static LocalKey<Cell<Option<P>>>) -> Option<(ThreadId, String)> {
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
    pub(in crate::handoff) fn one_named_consumer_per_calling_thread<P, K>(
        pipes: &'static LocalKey<Cell<Option<P>>>,
        kernel: K,
        variant: &str,
    ) where
        P: Pipe,
        K: Kernel<Handoff> + Copy + Send + 'static,
    {
        let input = ByteInput::new(&generate(50_000, 1));
        let want = kernel.run(&input, &Ctx::new());
        let (first, name) = consumer(pipes).expect("started on the first call");
        assert_eq!(name, format!("handoff-{variant}-consumer"));
        for _ in 0..5 {
            assert_eq!(kernel.run(&input, &Ctx::new()), want);
        }
        assert_eq!(consumer(pipes).map(|c| c.0), Some(first));
        let pipe = pipes.take().unwrap();
        if let Some(made) = pipe.buffers_made() {
            assert!(made <= BATCHES, "{made} buffers");
        }
        pipes.set(Some(pipe));
        let other = std::thread::spawn(move || {
            kernel.run(&input, &Ctx::new());
            consumer(pipes).map(|c| c.0)
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
    pub(in crate::handoff) fn a_dead_consumer_fails_the_call_and_the_next_starts_afresh<P, K>(
        pipes: &'static LocalKey<Cell<Option<P>>>,
        kernel: K,
        variant: &str,
    ) where
        P: Pipe,
        K: Kernel<Handoff>,
    {
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
        let w = Worker::spawn("test", "handoff-test-consumer", || panic!("boom {}", 42));
        let e = catch_unwind(AssertUnwindSafe(|| w.fail("sending a record"))).unwrap_err();
        let text = message(e.as_ref());
        assert!(text.contains("handoff/test"), "{text}");
        assert!(text.contains("while sending a record"), "{text}");
        assert!(text.contains("panicked: boom 42"), "{text}");

        let w = Worker::spawn("test", "handoff-test-consumer", || {});
        let e = catch_unwind(AssertUnwindSafe(|| w.fail("waiting"))).unwrap_err();
        assert!(message(e.as_ref()).contains("ended without panicking"));
    }

    #[test]
    fn threads_are_named_and_joined_on_drop() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let w = Worker::spawn(
            "test",
            "handoff-test-consumer",
            move || {
                while rx.recv().is_ok() {}
            },
        );
        assert_eq!(
            w.thread().and_then(|t| t.name()),
            Some("handoff-test-consumer")
        );
        drop(tx);
        drop(w); // joins: would hang if the consumer had not seen the channel close
    }
}
