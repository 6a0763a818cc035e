//! The one child protocol: what the engine asks a measuring peer, and what the peer answers.
//!
//! A peer is a perflab process (this build or another) in its hidden `__peer` mode, under one
//! global allocator. It reads one JSON command per line on stdin and answers each with one JSON
//! reply per line on stdout; while it verifies variants it also sends `checking` lines, so that
//! if it dies the engine knows which variant killed it. It exits when stdin closes, so a peer
//! never outlives the engine that started it (even one killed with SIGKILL).
//!
//! Every mode of the engine speaks this protocol: a time run asks for `sample`s, an A/B run asks
//! two builds' peers alike, instruction mode asks a peer that runs under callgrind for `count_instructions`
//! runs. Versions: 1 and 2 were the A/B mode's own protocol before the engine existed; this is 3.

use crate::clock::Clock;
use crate::plan::Settings;
use crate::probe::Tally;
use crate::subject::Readiness;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The version of the protocol this build speaks.
pub const PROTOCOL: u32 = 3;

/// Where a group's input comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum InputSpec {
    /// Generated from `(size, seed)`.
    Generated {
        /// Bytes.
        size: usize,
        /// Generator seed.
        seed: u64,
    },
    /// The user's file.
    File {
        /// Its path.
        path: PathBuf,
    },
}

/// What `prepare` asks for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrepareCmd {
    /// The workload.
    pub workload: String,
    /// The variants to verify and warm up, in slot order.
    pub variants: Vec<String>,
    /// The input.
    pub input: InputSpec,
    /// Warm-up and sample target (the rest of the settings is the engine's business).
    pub settings: Settings,
    /// After verification and warm-up, pin the measuring thread to this CPU.
    pub pin: Option<usize>,
    /// What samples (and warm-up batches) are timed with.
    pub clock: Clock,
    /// Verify every variant now (the default). Instruction mode defers it: a variant is counted
    /// before any other code runs in its process, then verified ([`crate::subject::Subject::defer_verification`]).
    #[serde(default = "yes")]
    pub verify: bool,
}

fn yes() -> bool {
    true
}

/// A command to a peer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Cmd {
    /// Which protocol do you speak?
    Hello,
    /// Build the input, verify every variant against naive, warm up and calibrate, then pin.
    Prepare(Box<PrepareCmd>),
    /// Draw a new layout: move the input to `page_offset` in a fresh page, re-create the arena,
    /// and run the timed loop `stack_depth` padding frames deeper.
    Relocate {
        /// Where in its page the input starts (a multiple of 64; the input keeps its own
        /// misalignment within the line).
        page_offset: usize,
        /// Padding frames below the timed loop.
        stack_depth: usize,
    },
    /// One timed sample of the variant in `slot`.
    Sample {
        /// Index into the prepared variants.
        slot: usize,
        /// Iterations in the sample.
        iters: u64,
    },
    /// The untimed allocation-counting pass of the variant in `slot`.
    Count {
        /// Index into the prepared variants.
        slot: usize,
        /// Iterations to count.
        iters: u64,
    },
    /// Runs the variant in `slot` inside the region callgrind counts (instruction mode).
    CountInstructions {
        /// Index into the prepared variants.
        slot: usize,
        /// Iterations inside the region.
        iters: u64,
    },
}

/// A peer's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// After `hello`.
    Hello {
        /// [`PROTOCOL`] of the peer.
        protocol: u32,
    },
    /// Not an answer but news: variant `variant` is about to run for the first time.
    Checking {
        /// The variant.
        variant: String,
    },
    /// After `prepare`.
    Prepared {
        /// Bytes processed per iteration.
        size_bytes: u64,
        /// Per slot: ready (with its calibrated iterations) or why not.
        variants: Vec<Readiness>,
        /// The CPU the peer now runs on, when it could pin itself.
        pinned: Option<usize>,
    },
    /// After `relocate`.
    Relocated {
        /// False when the workload cannot move its input (the stack and arena moved anyway).
        moved: bool,
    },
    /// After `sample`: nanoseconds per iteration.
    Sampled {
        /// ns per iteration.
        ns: f64,
    },
    /// After `count`.
    Counted {
        /// Totals of the counting pass.
        tally: Tally,
    },
    /// After `count_instructions`.
    Ran,
    /// The command could not be carried out.
    Error {
        /// Why.
        message: String,
    },
}
