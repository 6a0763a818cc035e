//! Why a [`super::Subject`] could not do what it was asked, typed: a caller's mistake (an
//! unknown workload, a slot that is not ready) or the kernel's fault, in a named phase (it
//! panicked, or its output disagreed with naive's after agreeing when verified).

use perflab_core::Disagreement;

/// When a variant went wrong: verification, or a later phase that it had passed verification for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Its first run, compared with naive's.
    Verifying,
    /// Warm-up and calibration batches.
    WarmingUp,
    /// A timed sample on the peer's own thread.
    Measured,
    /// A timed run on one of a threaded cell's threads.
    OnAThread,
    /// The allocation-counting pass.
    CountingAllocations,
    /// Inside callgrind's counted region.
    Counted,
    /// Run under a profiler.
    Profiled,
}

impl Phase {
    /// Where, in a message: `while warming up`, `in a timed sample`.
    fn place(self) -> &'static str {
        match self {
            Phase::Verifying => "when verified",
            Phase::WarmingUp => "while warming up",
            Phase::Measured => "in a timed sample",
            Phase::OnAThread => "on one of the threads",
            Phase::CountingAllocations => "while counting allocations",
            Phase::Counted => "while counted",
            Phase::Profiled => "while profiled",
        }
    }
}

/// Why a [`Subject`] could not do what it was asked. Its text is what a failed cell's `error`
/// says, so each names the phase and, for a kernel's fault, what the kernel did.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SubjectError {
    /// The registry has no such workload.
    #[error("no workload `{workload}` in this build (it has: {known})")]
    UnknownWorkload {
        /// The name asked for.
        workload: String,
        /// The names it has, comma-separated.
        known: String,
    },
    /// The workload cannot use the input.
    #[error("cannot prepare input: {0}")]
    Input(String),
    /// The workload's input generator panicked.
    #[error("input generation panicked: {0}")]
    InputPanicked(String),
    /// The slot's variant is unknown, unsupported or failed: it may not run.
    #[error("variant `{0}` is not ready to run")]
    NotReady(String),
    /// No such slot.
    #[error("no variant slot {0}")]
    NoSlot(usize),
    /// Naive panicked, so no output can be compared with it.
    #[error("naive panicked, so nothing can be verified: {0}")]
    NaivePanicked(String),
    /// The variant panicked.
    #[error("panicked{}: {message}", if *phase == Phase::Verifying { String::new() } else { format!(" {}", phase.place()) })]
    Panicked {
        /// When.
        phase: Phase,
        /// The panic's message.
        message: String,
    },
    /// The variant's output differs from naive's.
    #[error("{}", disagreed(*phase, disagreement))]
    Disagreed {
        /// When (after verification: it agreed then).
        phase: Phase,
        /// Both outputs.
        disagreement: Disagreement,
    },
    /// The clock could not be read.
    #[error("{0}")]
    Clock(String),
}

/// The protocol and the crew carry errors as text (a failed cell's `error`): a subject's error
/// becomes its message where it leaves for them.
impl From<SubjectError> for String {
    fn from(e: SubjectError) -> String {
        e.to_string()
    }
}

fn disagreed(phase: Phase, d: &Disagreement) -> String {
    match phase {
        Phase::Verifying => d.to_string(),
        later => format!("{}, {d} (it agreed when verified)", later.place()),
    }
}
