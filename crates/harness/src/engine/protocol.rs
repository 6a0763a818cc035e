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
//! runs. Versions: 1 and 2 were the A/B mode's own protocol before the engine existed; 3 was the
//! engine's first; 4 adds threads (`threads` in `prepare`, `sample` and `count`, a wall time in
//! every `sampled`) and the `footprint` pass. A version-3 peer ignores the fields it does not
//! know, so an A/B run can still take a version-3 base build where it asks for one thread only
//! and no footprint.

use crate::clock::Clock;
use crate::footprint::FootprintTally;
use crate::plan::Settings;
use crate::probe::Tally;
use crate::subject::Readiness;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The version of the protocol this build speaks.
pub const PROTOCOL: u32 = 4;

/// The oldest version an engine of this build still talks to (one thread, no footprint).
pub const OLDEST_PROTOCOL: u32 = 3;

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
    /// The most threads any later command will run a variant on: the peer starts `threads − 1`
    /// worker threads now ([`crate::crew::Crew`]), each with its own input, verified.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub threads: usize,
    /// The CPU each worker pins itself to (worker `i` on `thread_cpus[i]`); empty: unpinned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread_cpus: Vec<usize>,
}

fn yes() -> bool {
    true
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
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
    /// One timed sample of the variant in `slot`, on `threads` threads at once.
    Sample {
        /// Index into the prepared variants.
        slot: usize,
        /// Iterations in the sample (on each thread).
        iters: u64,
        /// Threads running it at once.
        #[serde(default = "one", skip_serializing_if = "is_one")]
        threads: usize,
    },
    /// The untimed allocation-counting pass of the variant in `slot`, on `threads` threads.
    Count {
        /// Index into the prepared variants.
        slot: usize,
        /// Iterations to count (on each thread).
        iters: u64,
        /// Threads running it at once.
        #[serde(default = "one", skip_serializing_if = "is_one")]
        threads: usize,
    },
    /// The untimed footprint pass of the variant in `slot` on `threads` threads: the allocator
    /// releases what it can, then the peak resident-set growth and peak live bytes of `iters`
    /// calls on each thread, each with a fresh context ([`crate::footprint`]).
    Footprint {
        /// Index into the prepared variants.
        slot: usize,
        /// Iterations (on each thread).
        iters: u64,
        /// Threads running it at once.
        threads: usize,
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
        /// The clock its one-thread samples are timed by: the one asked for, or the wall clock
        /// for a workload whose kernels work on threads of their own (absent from version 3).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clock: Option<Clock>,
    },
    /// After `relocate`.
    Relocated {
        /// False when the workload cannot move its input (the stack and arena moved anyway).
        moved: bool,
    },
    /// After `sample`: nanoseconds per iteration.
    Sampled {
        /// ns per iteration: by the run's clock on one thread; at several threads, by the wall
        /// clock from the first thread's start to the last one's end.
        ns: f64,
        /// ns per iteration by the wall clock (absent from version-3 peers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        wall_ns: Option<f64>,
        /// Several threads: their mean CPU time per iteration, ns.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cpu_ns: Option<f64>,
        /// Several threads: the process's system CPU time per iteration and thread, ns.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sys_ns: Option<f64>,
        /// Several threads: from the first thread's start to the last one's, ns (not per call).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skew_ns: Option<f64>,
    },
    /// After `count`.
    Counted {
        /// Totals of the counting pass (over every thread's iterations).
        tally: Tally,
    },
    /// After `footprint`.
    Footprinted {
        /// What the pass found.
        footprint: FootprintTally,
    },
    /// After `count_instructions`.
    Ran,
    /// The command could not be carried out.
    Error {
        /// Why.
        message: String,
    },
}
