//! The channels a pipe is built from, behind one face: `naive` runs over `std::sync::mpsc` and
//! the recycling variants over `crossbeam-channel` (which library carries the records is part of
//! what each variant measures), while the plumbing in `pipe.rs` is written once over
//! [`Channel`].

/// A bounded channel library: how to make a channel, send and receive. The methods are
/// `#[inline(always)]` wrappers, so a pipe over it compiles to direct calls of the library.
pub(super) trait Channel: 'static {
    /// The sending end of a channel of `T`.
    type Sender<T: Send>: Send;
    /// The receiving end of a channel of `T`.
    type Receiver<T: Send>: Send;

    /// A channel holding at most `capacity` values before a send blocks.
    fn bounded<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>);

    /// Sends `value`, blocking while the channel is full; `false` if the receiver is gone.
    fn send<T: Send>(sender: &Self::Sender<T>, value: T) -> bool;

    /// The next value, blocking until there is one; `None` once every sender is gone.
    fn recv<T: Send>(receiver: &Self::Receiver<T>) -> Option<T>;
}

/// `std::sync::mpsc::sync_channel`: what a first version reaches for.
pub(super) enum StdMpsc {}

impl Channel for StdMpsc {
    type Sender<T: Send> = std::sync::mpsc::SyncSender<T>;
    type Receiver<T: Send> = std::sync::mpsc::Receiver<T>;

    #[inline(always)]
    fn bounded<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        std::sync::mpsc::sync_channel(capacity)
    }

    #[inline(always)]
    fn send<T: Send>(sender: &Self::Sender<T>, value: T) -> bool {
        sender.send(value).is_ok()
    }

    #[inline(always)]
    fn recv<T: Send>(receiver: &Self::Receiver<T>) -> Option<T> {
        receiver.recv().ok()
    }
}

/// `crossbeam-channel`'s bounded channel.
pub(super) enum Crossbeam {}

impl Channel for Crossbeam {
    type Sender<T: Send> = crossbeam_channel::Sender<T>;
    type Receiver<T: Send> = crossbeam_channel::Receiver<T>;

    #[inline(always)]
    fn bounded<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
        crossbeam_channel::bounded(capacity)
    }

    #[inline(always)]
    fn send<T: Send>(sender: &Self::Sender<T>, value: T) -> bool {
        sender.send(value).is_ok()
    }

    #[inline(always)]
    fn recv<T: Send>(receiver: &Self::Receiver<T>) -> Option<T> {
        receiver.recv().ok()
    }
}
