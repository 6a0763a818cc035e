//! The one place where a variant is looked up, verified, warmed up and run.
//!
//! A [`Subject`] is one workload's input, prepared in this process, with the variants a caller
//! asked for. Every way perflab runs a kernel goes through it: the measuring peers of
//! `perflab run` (time, allocations, instructions), the profiles of `perflab flame` and
//! `perflab live`, and `cargo bench`'s criterion targets. (The gungraun target verifies with
//! [`perflab_core::verify_variant`] and counts the bare loop: a slot look-up would be counted.)
//! So the promises are kept in one place: nothing is timed before its output has been compared
//! with naive's on the same input; a variant that panics or disagrees becomes an unavailable
//! slot with its reason, never a number; every timed output goes through `black_box` (inside
//! [`PreparedInput::run_iters`]); and the layout the kernel sees (where its input sits in a page,
//! how deep the stack is, which memory the arena holds) can be drawn afresh between rounds
//! ([`Subject::relocate`]).

mod error;

pub use error::{Phase, SubjectError};

use crate::clock::Clock;
use crate::probe::{AllocProbe, Tally};
use crate::results::CellStatus;
use perflab_core::{
    Ctx, Disagreement, InputSource, Placement, PreparedInput, Registry, Status, VariantInfo,
    panic_message, verify_variant,
};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// One thread's part of a run of a variant: when it started and ended its calls (after the
/// barrier), and the CPU time it spent in them.
#[derive(Clone, Copy, Debug)]
pub struct ThreadRun {
    /// When it reached the barrier.
    pub arrived: Instant,
    /// Just after the barrier released it.
    pub start: Instant,
    /// Just after its last call returned.
    pub end: Instant,
    /// Its CPU time over the calls, ns (`None` where the platform has no thread clock).
    pub cpu_ns: Option<u64>,
    /// The most bytes its arena held over the calls.
    pub arena_peak: u64,
}

/// Whether a requested variant can be timed, and if not, why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Readiness {
    /// Verified against naive (and, after warm-up, calibrated to `iters` per sample).
    Ready {
        /// Iterations per sample (1 until calibrated).
        iters: u64,
    },
    /// Not to be timed: unsupported on this CPU, or failed (unknown, panicked, disagreed).
    Unavailable {
        /// `failed` or `unsupported`.
        status: CellStatus,
        /// Why; empty for an unsupported variant.
        error: String,
    },
}

impl Readiness {
    fn failed(error: String) -> Self {
        Readiness::Unavailable {
            status: CellStatus::Failed,
            error,
        }
    }

    /// Whether the variant can be sampled.
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready { .. })
    }
}

/// One sample's time per iteration, by the run's clock and by the wall clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleTime {
    /// ns per iteration by the run's clock.
    pub ns: f64,
    /// ns per iteration by the wall clock: what a threaded cell's time is paired with to give its
    /// scaling against one thread.
    pub wall_ns: f64,
}

/// One requested variant.
struct Slot {
    name: String,
    /// Its index in the workload's family, when it exists.
    index: Option<usize>,
    info: Option<VariantInfo>,
    readiness: Readiness,
}

/// A workload's input in this process, with the requested variants.
pub struct Subject {
    workload: &'static str,
    /// The workload's kernels work on threads of their own ([`perflab_core::Workload::SPANS_THREADS`]).
    spans_threads: bool,
    input: Box<dyn PreparedInput>,
    ctx: Ctx,
    slots: Vec<Slot>,
    /// Frames of padding below the timed loop (see [`on_offset_stack`]).
    stack_depth: usize,
    /// Variants were marked ready before verification ([`Subject::defer_verification`]).
    deferred: bool,
}

impl Subject {
    /// Builds `workload`'s input from `source` (outside any timing) and looks up `variants`.
    /// Nothing runs yet: call [`Subject::verify`].
    ///
    /// # Errors
    /// An unknown workload, an input the workload cannot use, or an input generator that panics:
    /// then nothing of the group can be measured.
    pub fn prepare(
        registry: &Registry,
        workload: &str,
        source: &InputSource,
        variants: &[String],
    ) -> Result<Subject, SubjectError> {
        let w = registry
            .get(workload)
            .ok_or_else(|| SubjectError::UnknownWorkload {
                workload: workload.to_owned(),
                known: registry.names().join(", "),
            })?;
        let input = match catch_unwind(AssertUnwindSafe(|| w.prepare(source))) {
            Ok(Ok(input)) => input,
            Ok(Err(e)) => return Err(SubjectError::Input(e.to_string())),
            Err(p) => return Err(SubjectError::InputPanicked(panic_message(p.as_ref()))),
        };
        let infos = w.variants();
        let slots = variants
            .iter()
            .map(|name| {
                let index = infos.iter().position(|v| v.name == name);
                Slot {
                    name: name.clone(),
                    index,
                    info: index.map(|i| infos[i].clone()),
                    readiness: Readiness::failed(format!(
                        "no variant `{name}` in workload `{workload}` of this build"
                    )),
                }
            })
            .collect();
        Ok(Subject {
            workload: w.name(),
            spans_threads: w.spans_threads(),
            input,
            ctx: Ctx::new(),
            slots,
            stack_depth: 0,
            deferred: false,
        })
    }

    /// The workload's name.
    pub fn workload(&self) -> &'static str {
        self.workload
    }

    /// The clock this subject's samples are timed by when a run asks for `requested`: the wall
    /// clock for a workload whose kernels work on threads of their own (the measuring thread's
    /// CPU time would leave their work out), `requested` otherwise.
    pub fn clock(&self, requested: Clock) -> Clock {
        if self.spans_threads {
            Clock::Wall
        } else {
            requested
        }
    }

    /// Bytes processed per iteration.
    pub fn bytes(&self) -> u64 {
        self.input.bytes()
    }

    /// The input's description (source, size, seed, workload facts).
    pub fn describe(&self) -> serde_json::Value {
        self.input.describe()
    }

    /// The requested variants' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }

    /// What the harness knows of variant `slot` so far.
    pub fn readiness(&self, slot: usize) -> Option<&Readiness> {
        self.slots.get(slot).map(|s| &s.readiness)
    }

    /// Runs every requested, supported variant once and compares its output with naive's.
    /// `on_check` is called with each variant's name just before its first run, so that a
    /// process that dies in it (an abort, a stack overflow) can be traced to the variant.
    /// Returns each slot's readiness.
    pub fn verify(&mut self, on_check: &mut dyn FnMut(&str)) -> Vec<Readiness> {
        let mut naive_failed = None;
        if self.slots.iter().any(|s| s.index.is_some()) {
            on_check(&self.naive_name());
            naive_failed = self.run_naive().err();
        }
        for slot in 0..self.slots.len() {
            let s = &self.slots[slot];
            let (Some(index), Some(info)) = (s.index, &s.info) else {
                continue;
            };
            let readiness = if !info.supported {
                Readiness::Unavailable {
                    status: CellStatus::Unsupported,
                    error: String::new(),
                }
            } else if let Some(e) = &naive_failed {
                Readiness::failed(e.to_string())
            } else {
                let info = info.clone();
                on_check(&s.name);
                self.check(index, &info).map_or_else(
                    |e| Readiness::failed(e.to_string()),
                    |()| Readiness::Ready { iters: 1 },
                )
            };
            self.slots[slot].readiness = readiness;
        }
        self.slots.iter().map(|s| s.readiness.clone()).collect()
    }

    /// Marks every supported variant ready *without running anything*; only
    /// [`Subject::run_counted`] may then run one, and it verifies the variant right after.
    ///
    /// Why: instruction mode counts a variant before any other code has run in its process.
    /// Verifying first runs naive, whose randomly seeded `std` hash maps leave the heap in a
    /// different state every run, so that the allocator calls of the variant counted next took a
    /// different number of instructions each time (wordfreq's variants varied by up to 0.25%).
    pub fn defer_verification(&mut self) -> Vec<Readiness> {
        self.deferred = true;
        for s in &mut self.slots {
            if let Some(info) = &s.info {
                s.readiness = if info.supported {
                    Readiness::Ready { iters: 1 }
                } else {
                    Readiness::Unavailable {
                        status: CellStatus::Unsupported,
                        error: String::new(),
                    }
                };
            }
        }
        self.slots.iter().map(|s| s.readiness.clone()).collect()
    }

    /// Runs the kernel at `index` once and compares its output with naive's (the one check every
    /// command shares, [`verify_variant`]); why not, if not.
    fn check(&mut self, index: usize, info: &VariantInfo) -> Result<(), SubjectError> {
        let verdict = verify_variant(&*self.input, index, info, &mut self.ctx);
        match verdict.status {
            Status::Ok => Ok(()),
            // Only supported variants are checked; one that is not cannot be made ready.
            Status::Unsupported => Err(SubjectError::NotReady(info.name.to_owned())),
            Status::Mismatch => Err(SubjectError::Disagreed {
                phase: Phase::Verifying,
                disagreement: Disagreement {
                    got: verdict.output.unwrap_or_default(),
                    naive: self.input.check(0, &mut Ctx::new()).0,
                },
            }),
            Status::Failed => Err(SubjectError::Panicked {
                phase: Phase::Verifying,
                message: verdict.error.unwrap_or_default(),
            }),
        }
    }

    fn naive_name(&self) -> String {
        // The family's first kernel is naive; its name is whatever the family called it.
        self.slots
            .iter()
            .find(|s| s.index == Some(0))
            .map_or_else(|| "naive".to_owned(), |s| s.name.clone())
    }

    /// Warms variant `slot` up and calibrates it: doubling batches until one lasts `warmup` by
    /// `clock`; the last batch's rate sets how many iterations make a sample of `sample_target`.
    /// (By the CPU clock, peers that warm up side by side on one core do not inflate each other's
    /// rates.) A variant that panics here becomes unavailable.
    pub fn warm_up(
        &mut self,
        slot: usize,
        warmup: Duration,
        sample_target: Duration,
        clock: Clock,
    ) -> Result<u64, SubjectError> {
        let index = self.ready_index(slot)?;
        let mut iters = 1u64;
        let deadline = Instant::now() + warmup;
        let warmup_ns = warmup.as_nanos() as u64;
        loop {
            let t = clock.now().map_err(SubjectError::Clock)?;
            let (input, ctx) = (&self.input, &mut self.ctx);
            match catch_unwind(AssertUnwindSafe(|| input.run_iters(index, iters, ctx))) {
                Ok(Ok(())) => {}
                Ok(Err(d)) => return Err(self.disagreed(slot, d, Phase::WarmingUp)),
                Err(p) => return Err(self.fail(slot, Phase::WarmingUp, p.as_ref())),
            }
            let dt = clock.now().map_err(SubjectError::Clock)?.saturating_sub(t);
            if Instant::now() >= deadline || dt >= warmup_ns {
                let per_iter = dt.max(1) as f64 / iters as f64;
                let target = sample_target.as_nanos() as f64;
                let calibrated = ((target / per_iter).ceil() as u64).max(1);
                self.slots[slot].readiness = Readiness::Ready { iters: calibrated };
                return Ok(calibrated);
            }
            iters = iters.saturating_mul(2);
        }
    }

    /// One timed sample: `iters` iterations of variant `slot`, timed by `clock`, on the current
    /// stack offset. Returns nanoseconds per iteration by `clock`, and by the wall clock (read
    /// just outside `clock`'s readings, so that they time exactly what they always did).
    ///
    /// # Errors
    /// The variant panicked, or its last output differs from naive's: the slot fails (a number
    /// of calls that no longer agree with naive is not a measurement of the variant).
    pub fn sample(
        &mut self,
        slot: usize,
        iters: u64,
        clock: Clock,
    ) -> Result<SampleTime, SubjectError> {
        let index = self.ready_index(slot)?;
        let (input, ctx, depth) = (&self.input, &mut self.ctx, self.stack_depth);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            on_offset_stack(depth, &mut || -> Result<_, String> {
                let wall = Instant::now();
                let t = clock.now()?;
                let agreed = input.run_iters(black_box(index), iters, ctx);
                let ns = clock.now()?.saturating_sub(t);
                Ok((ns, wall.elapsed().as_nanos() as u64, agreed))
            })
        }));
        let per_iter = |ns: u64| ns as f64 / iters.max(1) as f64;
        match outcome {
            Ok(Ok((ns, wall, Ok(())))) => Ok(SampleTime {
                ns: per_iter(ns),
                wall_ns: per_iter(wall),
            }),
            Ok(Ok((_, _, Err(d)))) => Err(self.disagreed(slot, d, Phase::Measured)),
            Ok(Err(e)) => Err(SubjectError::Clock(e)),
            Err(p) => Err(self.fail(slot, Phase::Measured, p.as_ref())),
        }
    }

    /// Variant `slot` run `iters` times on the current stack offset, as one thread of a threaded
    /// sample ([`crate::crew::Crew::run`]): stamped with the monotonic clock and the thread's CPU
    /// time. `fresh_ctx` runs it with an empty context (a footprint pass, where the arena's
    /// growth must count), dropped afterwards. A panic is this run's error only.
    pub fn run_timed(
        &mut self,
        slot: usize,
        iters: u64,
        fresh_ctx: bool,
    ) -> Result<ThreadRun, SubjectError> {
        let index = self.ready_index(slot)?;
        let mut kept = fresh_ctx.then(|| std::mem::take(&mut self.ctx));
        self.ctx.take_arena_peak();
        let (input, ctx, depth) = (&self.input, &mut self.ctx, self.stack_depth);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            on_offset_stack(depth, &mut || {
                let mut agreed = Ok(());
                let stamps = timed(|| {
                    agreed = input.run_iters(black_box(index), iters, ctx);
                });
                (stamps, agreed)
            })
        }));
        let arena_peak = self.ctx.take_arena_peak() as u64;
        if let Some(ctx) = kept.take() {
            self.ctx = ctx;
        }
        match outcome {
            Ok(((start, end, cpu_ns), Ok(()))) => Ok(ThreadRun {
                arrived: start,
                start,
                end,
                cpu_ns,
                arena_peak,
            }),
            Ok((_, Err(disagreement))) => Err(SubjectError::Disagreed {
                phase: Phase::OnAThread,
                disagreement,
            }),
            // Only this run fails: the same variant at another thread count is its own cell,
            // so the slot stays ready (its context starts afresh; it may hold a half-built result).
            Err(p) => {
                self.ctx = Ctx::new();
                Err(SubjectError::Panicked {
                    phase: Phase::Measured,
                    message: panic_message(p.as_ref()),
                })
            }
        }
    }

    /// The untimed counting pass of variant `slot`: `iters` iterations (at least one) with
    /// allocation counting on.
    pub fn count(
        &mut self,
        slot: usize,
        iters: u64,
        probe: &dyn AllocProbe,
    ) -> Result<Tally, SubjectError> {
        let index = self.ready_index(slot)?;
        let iters = iters.max(1);
        let input = &self.input;
        let (r, tally) = crate::probe::counted(probe, iters, &mut self.ctx, |ctx| {
            catch_unwind(AssertUnwindSafe(|| input.run_iters(index, iters, ctx)))
        });
        match r {
            Ok(Ok(())) => Ok(tally),
            Ok(Err(d)) => Err(self.disagreed(slot, d, Phase::CountingAllocations)),
            Err(p) => Err(self.fail(slot, Phase::CountingAllocations, p.as_ref())),
        }
    }

    /// Draws a new layout: the input moves to fresh memory at `place` in its page, the arena to
    /// a fresh chunk of the same capacity, and the timed loop runs `stack_depth` padding frames
    /// deeper (see [`on_offset_stack`]). Returns whether the input moved (a workload may not
    /// know how; the stack and arena move regardless).
    pub fn relocate(&mut self, place: Placement, stack_depth: usize) -> bool {
        self.ctx.relocate_arena();
        self.stack_depth = stack_depth.min(MAX_STACK_DEPTH);
        self.input.relocate(place)
    }

    /// Runs variant `slot` `iters` times in the timed loop, for a caller that times or samples
    /// the call itself (criterion's `iter_custom`, a profiler); `phase` names what the call was
    /// for in the error of an output that no longer agrees with naive. Panics of the kernel
    /// propagate: a benchmark or profile of a variant that panics has nothing to show.
    pub fn run(&mut self, slot: usize, iters: u64, phase: Phase) -> Result<(), SubjectError> {
        let index = self.ready_index(slot)?;
        self.input
            .run_iters(index, iters, &mut self.ctx)
            .map_err(|disagreement| SubjectError::Disagreed {
                phase,
                disagreement,
            })
    }

    /// Runs variant `slot` `iters` times inside [`counted_region`], the only code callgrind
    /// counts in instruction mode, after one warm-up run outside it (one-time work such as SIMD
    /// dispatch or lazily built tables is not counted). When verification was deferred, the
    /// variant is verified right after; one that disagrees with naive is an error, and its count
    /// must be discarded.
    pub fn run_counted(&mut self, slot: usize, iters: u64) -> Result<(), SubjectError> {
        let index = self.ready_index(slot)?;
        let (input, ctx) = (&self.input, &mut self.ctx);
        let counted = catch_unwind(AssertUnwindSafe(|| {
            input
                .run_iters(index, 1, ctx)
                .and_then(|()| counted_region(input.as_ref(), index, iters, ctx))
        }));
        match counted {
            Ok(Ok(())) => {}
            Ok(Err(d)) => return Err(self.disagreed(slot, d, Phase::Counted)),
            Err(p) => return Err(self.fail(slot, Phase::Counted, p.as_ref())),
        }
        if self.deferred
            && let Err(e) = self.verify_deferred(slot)
        {
            self.slots[slot].readiness = Readiness::failed(e.to_string());
            return Err(e);
        }
        Ok(())
    }

    /// Verifies a variant whose verification was deferred ([`Subject::defer_verification`]).
    fn verify_deferred(&mut self, slot: usize) -> Result<(), SubjectError> {
        let index = self.ready_index(slot)?;
        let info = self.slots[slot].info.clone();
        self.run_naive()?;
        match info {
            Some(info) => self.check(index, &info),
            None => Err(SubjectError::NotReady(self.slots[slot].name.clone())),
        }
    }

    /// Runs naive once (its output, kept, is what every other output is compared with). A naive
    /// that panics leaves nothing to verify against.
    fn run_naive(&self) -> Result<(), SubjectError> {
        catch_unwind(AssertUnwindSafe(|| {
            self.input.check(0, &mut Ctx::new());
        }))
        .map_err(|p| SubjectError::NaivePanicked(panic_message(p.as_ref())))
    }

    fn ready_index(&self, slot: usize) -> Result<usize, SubjectError> {
        match self.slots.get(slot) {
            Some(Slot {
                index: Some(index),
                readiness: Readiness::Ready { .. },
                ..
            }) => Ok(*index),
            Some(s) => Err(SubjectError::NotReady(s.name.clone())),
            None => Err(SubjectError::NoSlot(slot)),
        }
    }

    /// Marks `slot` failed because its last output in `phase` differs from naive's (it agreed
    /// when verified: a kernel whose state goes wrong after many calls).
    fn disagreed(&mut self, slot: usize, disagreement: Disagreement, phase: Phase) -> SubjectError {
        let error = SubjectError::Disagreed {
            phase,
            disagreement,
        };
        self.slots[slot].readiness = Readiness::failed(error.to_string());
        error
    }

    /// Marks `slot` failed after a panic in `phase` and starts the arena afresh (it may hold a
    /// half-built result).
    fn fail(
        &mut self,
        slot: usize,
        phase: Phase,
        payload: &(dyn std::any::Any + Send),
    ) -> SubjectError {
        self.ctx = Ctx::new();
        let error = SubjectError::Panicked {
            phase,
            message: panic_message(payload),
        };
        self.slots[slot].readiness = Readiness::failed(error.to_string());
        error
    }
}

/// The only code callgrind counts in instruction mode. Never inlined, so `--toggle-collect`
/// finds it by name ([`REGION_PATTERN`]).
#[inline(never)]
pub fn counted_region(
    input: &dyn PreparedInput,
    index: usize,
    iters: u64,
    ctx: &mut Ctx,
) -> Result<(), Disagreement> {
    input.run_iters(black_box(index), iters, ctx)
}

/// [`counted_region`]'s name as callgrind shows it: `--dump-after` needs it exactly.
pub const REGION_NAME: &str = "perflab_harness::subject::counted_region";

/// The pattern callgrind's `--toggle-collect` matches [`counted_region`] with.
pub const REGION_PATTERN: &str = "*perflab_harness::subject::counted_region*";

/// The deepest stack offset drawn: 64 frames of [`PAD`] bytes and the frame around them, a little
/// over a 4 KiB page, so that every cache line of a page is a possible start of the timed
/// loop's stack frame.
pub const MAX_STACK_DEPTH: usize = 64;

/// Bytes of padding per frame of [`on_offset_stack`]: one cache line.
const PAD: usize = 64;

/// Runs `f` with the stack `depth` padding frames deeper than it would otherwise be.
///
/// Why: where the timed loop's stack frame sits against the input (4 KiB aliasing of loads and
/// stores) and the cache sets is fixed for a process's life without this, and biases a fast kernel
/// by several percent (Mytkowicz et al., ASPLOS 2009); criterion 0.8 and tango offset the stack
/// between samples for the same reason. Safe Rust has no `alloca`, so the offset is made of
/// frames: each one holds a cache line that is observed through `black_box` after the call, so
/// neither the padding nor the recursion can be optimised away.
#[inline(never)]
pub fn on_offset_stack<R>(depth: usize, f: &mut dyn FnMut() -> R) -> R {
    let pad = [0u8; PAD];
    let r = if depth == 0 {
        f()
    } else {
        on_offset_stack(black_box(depth - 1), f)
    };
    black_box(&pad);
    r
}

/// Reads the clocks around `f` the way every thread of a run does.
fn timed(f: impl FnOnce()) -> (Instant, Instant, Option<u64>) {
    let start = Instant::now();
    let cpu0 = crate::clock::thread_cpu_time_ns();
    f();
    let cpu1 = crate::clock::thread_cpu_time_ns();
    let end = Instant::now();
    let cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    (start, end, cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stack_offset_moves_the_timed_frame() {
        let addr = |depth| {
            on_offset_stack(depth, &mut || {
                let probe = 0u8;
                black_box(&probe) as *const u8 as usize
            })
        };
        let (a, b, c) = (addr(0), addr(1), addr(MAX_STACK_DEPTH));
        assert!(a > b && b > c, "{a:#x} {b:#x} {c:#x}");
        let frame = a - b;
        assert!(frame >= PAD, "one padding frame is {frame} bytes");
        assert!(a - c >= 4096, "the deepest offset spans a page: {}", a - c);
    }
}
