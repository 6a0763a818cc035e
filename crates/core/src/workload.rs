//! The two typed traits: a [`Workload`] says what is computed, a [`Kernel`] computes it.

use crate::{InputError, Placement, VariantKind};
use bumpalo::Bump;
use serde::Serialize;
use std::fmt::Debug;

/// A problem with a deterministic input and a comparable output summary.
///
/// The output is a *summary* (a count, a checksum, a top-k table) rather than the full result so
/// that comparing variants is cheap and exact (`Eq`), and so that it serialises to the JSON that
/// `perflab verify` prints and an independent tool can check.
///
/// A workload whose input is one buffer of bytes implements [`crate::ByteWorkload`] instead,
/// which provides every method here from a name, a summary and an output type.
pub trait Workload: Send + Sync + 'static {
    /// The name on the command line and in result ids, e.g. `search`.
    const NAME: &'static str;
    /// One line saying what the workload computes.
    const SUMMARY: &'static str;
    /// The prepared input every variant reads. Built once, outside timing.
    type Input: Send + Sync + 'static;
    /// The output summary; variants must agree on it exactly.
    type Output: Eq + Debug + Serialize + Send + Sync + 'static;

    /// Whether its kernels hand part of each call's work to threads they keep themselves (a
    /// producer–consumer pipeline). The measuring thread's own CPU time would then leave that
    /// work out — the producer sleeps while the consumer works — so the harness times such a
    /// workload's samples by the wall clock, whatever `--clock` says, and its cells say so.
    const SPANS_THREADS: bool = false;

    /// Generates an input of about `size` bytes, fully determined by `(size, seed)`.
    fn generate(size: usize, seed: u64) -> Self::Input;

    /// Builds an input from a user's file (`--input FILE`).
    ///
    /// Default: the workload reads no file (its input is not a file's bytes, e.g. a list of
    /// numbers), so `--input` reports it as unable to use that input instead of guessing a format.
    fn from_file(_data: &[u8]) -> Result<Self::Input, InputError> {
        Err(InputError::Unsupported {
            workload: Self::NAME,
            reason: "it generates its own input and reads no file".into(),
        })
    }

    /// Bytes processed per run, for throughput.
    fn input_bytes(input: &Self::Input) -> usize;

    /// A copy of `input` in freshly allocated memory, starting at `place` within its page and
    /// otherwise laid out alike (the same misalignment within a cache line), or `None` when the
    /// workload cannot make one (the default).
    ///
    /// The harness calls this between rounds with a fresh random placement: where a buffer lands
    /// in memory biases memory-bound kernels by several percent for the buffer's whole life, which
    /// would otherwise pose as a difference between variants, allocators or builds measured in
    /// different processes. For an input held in a [`crate::ByteInput`], this is
    /// `Some(input.relocated_to(place))`.
    fn relocated(_input: &Self::Input, _place: Placement) -> Option<Self::Input> {
        None
    }

    /// A copy of `input` whose data starts `offset % 64` bytes past a 64-byte boundary, or
    /// `None` (the default) when the input has no such choice.
    ///
    /// Why: SIMD and word-at-a-time kernels have aligned and unaligned paths, heads and tails,
    /// and the harness's generated inputs all start on a boundary. [`crate::check`] (what
    /// `perflab::check!` runs) calls this to test every variant on unaligned starts too. For an
    /// input held in a [`crate::ByteInput`] it is
    /// `Some(ByteInput::with_misalignment(input.as_slice(), offset))`.
    fn misaligned(_input: &Self::Input, _offset: usize) -> Option<Self::Input> {
        None
    }
    /// Inputs its author knows to be hard (a cut-off character, a separator at the very end),
    /// which [`crate::check`] runs every variant on, besides the generated ones. None by default.
    fn edge_cases() -> Vec<Self::Input> {
        Vec::new()
    }
    /// Workload-specific facts about an input worth reporting (a needle, a line count), merged
    /// into the input's description. Empty by default.
    fn describe_input(_input: &Self::Input) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }
}

/// One implementation of workload `W`.
///
/// Implementations are small types (often unit structs); a family lists them in a [`crate::Family`].
/// `run` is called in the harness's timed loop through static dispatch, so it costs no virtual
/// call per iteration.
pub trait Kernel<W: Workload>: Send + Sync + 'static {
    /// The variant's name, unique within the workload, e.g. `naive`, `swar`, `simd-avx2`.
    fn name(&self) -> &'static str;

    /// The kind of implementation.
    fn kind(&self) -> VariantKind;

    /// Whether this CPU can run it (runtime feature detection; never compile-time flags).
    fn supported(&self) -> bool {
        true
    }

    /// Computes the output summary. Arena kernels allocate from `ctx.arena()`; the harness resets
    /// the arena after every call, so nothing allocated there may outlive the call.
    fn run(&self, input: &W::Input, ctx: &Ctx) -> W::Output;
}

/// What the harness hands a kernel besides its input.
///
/// Today that is the arena; it is a struct so that more can be added without changing every
/// kernel's signature.
#[derive(Default)]
pub struct Ctx {
    arena: Bump,
    arena_peak: usize,
}

impl Ctx {
    /// A context with an empty arena.
    pub fn new() -> Self {
        Ctx::default()
    }

    /// The arena arena-kind kernels allocate from.
    pub fn arena(&self) -> &Bump {
        &self.arena
    }

    /// Frees everything allocated in the arena (keeping its largest chunk for reuse, as a real
    /// per-request arena would) and remembers how many bytes it held.
    pub fn reset_arena(&mut self) {
        let used = self.arena.allocated_bytes();
        self.arena_peak = self.arena_peak.max(used);
        self.arena.reset();
    }

    /// Resets the arena and moves it to fresh memory of the same capacity, so the next runs
    /// neither grow it nor reuse its old placement (see [`crate::ByteInput::relocated`] for why
    /// paired runs move what kernels read and write between rounds).
    pub fn relocate_arena(&mut self) {
        self.reset_arena();
        let capacity = self.arena.allocated_bytes();
        // The new chunk is allocated before the old one is freed, so it cannot land on it.
        let fresh = Bump::with_capacity(capacity);
        drop(std::mem::replace(&mut self.arena, fresh));
        // Touch the fresh chunk now, outside any timing: a timed sample must not pay the page
        // faults of memory the harness just handed out (at 16 MiB, with one iteration per sample,
        // they were most of an arena variant's time under glibc, which maps big chunks afresh).
        if capacity > 0 {
            self.arena.alloc_slice_fill_copy(capacity, 0u8);
            self.arena.reset();
        }
    }

    /// The most bytes the arena held at any reset since the last [`Ctx::take_arena_peak`]. These
    /// bytes come from the global allocator in big chunks; reporting them separately shows what
    /// an arena variant really holds.
    pub fn take_arena_peak(&mut self) -> usize {
        let used = self.arena.allocated_bytes();
        std::mem::take(&mut self.arena_peak).max(used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relocated_arena_keeps_its_capacity_and_peak_but_moves() {
        let mut ctx = Ctx::new();
        let first = ctx.arena().alloc_slice_fill_copy(100_000, 1u8).as_ptr() as usize;
        ctx.reset_arena();
        let capacity = ctx.arena().allocated_bytes();
        ctx.relocate_arena();
        assert!(ctx.arena().allocated_bytes() >= capacity);
        let second = ctx.arena().alloc_slice_fill_copy(100_000, 2u8).as_ptr() as usize;
        assert_ne!(first, second);
        // No growth was needed for the same work: still one chunk of the old size.
        assert!(ctx.arena().allocated_bytes() < 2 * capacity);
        assert!(ctx.take_arena_peak() >= 100_000);
    }
}
