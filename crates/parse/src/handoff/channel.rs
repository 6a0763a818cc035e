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

/// Implements [`Channel`] for `$name` with a library's `$sender`, `$receiver` and `$bounded`:
/// the two libraries spell sending and receiving alike, but share no trait a generic impl could
/// be written over.
macro_rules! channel {
    ($(#[$doc:meta])* $name:ident: $sender:path, $receiver:path, $bounded:path) => {
        $(#[$doc])*
        pub(super) enum $name {}

        impl Channel for $name {
            type Sender<T: Send> = $sender;
            type Receiver<T: Send> = $receiver;

            #[inline(always)]
            fn bounded<T: Send>(capacity: usize) -> (Self::Sender<T>, Self::Receiver<T>) {
                $bounded(capacity)
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
    };
}

channel!(
    /// `std::sync::mpsc::sync_channel`: what a first version reaches for.
    StdMpsc: std::sync::mpsc::SyncSender<T>, std::sync::mpsc::Receiver<T>, std::sync::mpsc::sync_channel
);

channel!(
    /// `crossbeam-channel`'s bounded channel.
    Crossbeam: crossbeam_channel::Sender<T>, crossbeam_channel::Receiver<T>, crossbeam_channel::bounded
);
