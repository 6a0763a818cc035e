//! Measuring one group of cells: verify, warm up, calibrate, then sample the variants in turn.
//!
//! The variants of a group are sampled round-robin (A B C, B C A, C A B, …: the order rotates so
//! no variant always follows the same neighbour), so a noisy neighbour on a shared machine slows
//! every member of a round alike and cancels in the paired ratios. Every variant is verified
//! against naive before it is timed; a variant that disagrees or panics becomes a failed cell
//! with its error, and the others are still measured.

use crate::plan::{Group, Settings};
use crate::results::{Benchmark, CellStatus};
use crate::stats;
use perflab_core::{Ctx, DynWorkload, InputSource, PreparedInput, panic_message};
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// Counters of a counting global allocator, as read at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocations (not counting reallocations).
    pub allocs: u64,
    /// Deallocations.
    pub deallocs: u64,
    /// Reallocations.
    pub reallocs: u64,
    /// Bytes requested by allocations and by the growth of reallocations.
    pub bytes_allocated: u64,
    /// Bytes currently live.
    pub live_bytes: u64,
    /// The most bytes live since the last [`AllocProbe::reset_peak`].
    pub peak_live_bytes: u64,
}

/// Access to the process's allocation counters. The binary that owns the global allocator
/// implements it; the harness only reads it around timed regions and subtracts nothing.
pub trait AllocProbe {
    /// The counters now. Must not allocate.
    fn snapshot(&self) -> AllocCounts;
    /// Makes the peak equal to the current live bytes, so a region's own peak can be read.
    fn reset_peak(&self);
    /// Turns counting on or off; returns the previous setting. Timed samples run with counting
    /// off (it costs a few ns per allocation), and allocations are counted in a separate pass.
    fn set_counting(&self, on: bool) -> bool;
}

/// Per-cell accumulation while sampling.
pub(crate) struct Live {
    pub(crate) clock: Clock,
    pub(crate) slot: usize,
    pub(crate) index: usize,
    pub(crate) iters: u64,
    pub(crate) samples: Vec<f64>,
    pub(crate) allocs: u64,
    pub(crate) reallocs: u64,
    pub(crate) bytes: u64,
    pub(crate) peak: u64,
    pub(crate) total_iters: u64,
}

impl Live {
    pub(crate) fn new(slot: usize, index: usize) -> Self {
        Live {
            clock: Clock::Wall,
            slot,
            index,
            iters: 1,
            samples: Vec::new(),
            allocs: 0,
            reallocs: 0,
            bytes: 0,
            peak: 0,
            total_iters: 0,
        }
    }
}

/// Measures `group` of `workload` on `source`. Returns one cell per variant of the group, in the
/// group's order. Never panics because a kernel did.
///
/// `on_check` is called with each variant's name just before it first runs (verification), and
/// with `None` once verification is over: a process that dies in between can then tell which
/// variant killed it.
pub fn measure_group(
    workload: &dyn DynWorkload,
    group: &Group,
    source: &InputSource,
    settings: &Settings,
    probe: Option<&dyn AllocProbe>,
    on_check: &mut dyn FnMut(Option<&str>),
) -> Vec<Benchmark> {
    let infos = workload.variants();
    let mut cells: Vec<Benchmark> = group
        .variants
        .iter()
        .map(|name| {
            let kind = infos
                .iter()
                .find(|v| v.name == name)
                .map_or(perflab_core::VariantKind::Naive, |v| v.kind);
            Benchmark::empty(
                &group.workload,
                name,
                kind,
                &group.allocator,
                &group.size,
                0,
            )
        })
        .collect();

    let input = match catch_unwind(AssertUnwindSafe(|| workload.prepare(source))) {
        Ok(Ok(input)) => input,
        Ok(Err(e)) => return fail_all(cells, &format!("cannot prepare input: {e}")),
        Err(p) => {
            return fail_all(
                cells,
                &format!("input generation panicked: {}", panic_message(p.as_ref())),
            );
        }
    };
    let bytes = input.bytes();
    let mut ctx = Ctx::new();
    on_check(Some(infos[0].name));
    let naive_output = catch_unwind(AssertUnwindSafe(|| input.check(0, &mut Ctx::new())))
        .map(|(out, _)| out)
        .map_err(|p| panic_message(p.as_ref()));

    let mut live: Vec<Live> = Vec::new();
    for (slot, cell) in cells.iter_mut().enumerate() {
        cell.size_bytes = bytes;
        let Some(index) = infos.iter().position(|v| v.name == cell.variant) else {
            cell.error = Some(format!(
                "no variant `{}` in workload `{}`",
                cell.variant, group.workload
            ));
            continue;
        };
        if !infos[index].supported {
            cell.status = CellStatus::Unsupported;
            continue;
        }
        if let Err(msg) = &naive_output {
            cell.error = Some(format!("naive panicked, so nothing can be verified: {msg}"));
            continue;
        }
        on_check(Some(infos[index].name));
        match catch_unwind(AssertUnwindSafe(|| input.check(index, &mut ctx))) {
            Ok((_, true)) => live.push(Live::new(slot, index)),
            Ok((out, false)) => {
                cell.error = Some(format!(
                    "output differs from naive: got {out}, naive gave {}",
                    naive_output
                        .as_ref()
                        .map_or(String::new(), |o| o.to_string())
                ));
            }
            Err(p) => {
                ctx = Ctx::new();
                cell.error = Some(format!("panicked: {}", panic_message(p.as_ref())));
            }
        }
    }

    on_check(None);

    // Warm-up and calibration: double the iteration count until a batch lasts the warm-up time;
    // the last batch's rate sets how many iterations make one sample.
    live.retain_mut(
        |l| match warm_up(input.as_ref(), l.index, settings, &mut ctx) {
            Ok(iters) => {
                l.iters = iters;
                true
            }
            Err(msg) => {
                ctx = Ctx::new();
                cells[l.slot].error = Some(format!("panicked while warming up: {msg}"));
                false
            }
        },
    );

    // Interleaved rounds, with allocation counting off so its cost is not in the times.
    let counting_was = probe.map(|p| p.set_counting(false));
    let start = Instant::now();
    let mut round = 0usize;
    while !live.is_empty() && round < settings.max_samples {
        if round >= settings.min_samples && start.elapsed() >= settings.group_budget {
            break;
        }
        let n = live.len();
        let mut failed: Vec<usize> = Vec::new();
        for k in 0..n {
            let pos = (k + round) % n;
            let l = &mut live[pos];
            match take_sample(input.as_ref(), l, &mut ctx) {
                Ok(()) => {}
                Err(msg) => {
                    ctx = Ctx::new();
                    cells[l.slot].error = Some(format!("panicked while measured: {msg}"));
                    failed.push(pos);
                }
            }
        }
        failed.sort_unstable();
        for pos in failed.into_iter().rev() {
            live.remove(pos);
        }
        round += 1;
    }

    if let Some(p) = probe {
        p.set_counting(true);
        // Counting pass: the same loop, untimed, with counting on. Allocation counts of
        // deterministic code do not need many iterations; the arena is warm by now.
        live.retain_mut(
            |l| match count_allocations(input.as_ref(), l, &mut ctx, p) {
                Ok(()) => true,
                Err(msg) => {
                    ctx = Ctx::new();
                    cells[l.slot].error =
                        Some(format!("panicked while counting allocations: {msg}"));
                    false
                }
            },
        );
        p.set_counting(counting_was.unwrap_or(true));
    }

    // Each cell's arena high-water mark is only known per group; report it on the arena cells.
    let arena_peak = ctx.take_arena_peak() as u64;
    let naive_samples = live
        .iter()
        .find(|l| l.index == 0)
        .map(|l| l.samples.clone());
    for l in &live {
        let cell = &mut cells[l.slot];
        finish(cell, l, bytes, naive_samples.as_deref(), probe.is_some());
        if cell.kind == perflab_core::VariantKind::Arena {
            cell.arena_bytes = Some(arena_peak);
        }
    }
    cells
}

fn fail_all(mut cells: Vec<Benchmark>, msg: &str) -> Vec<Benchmark> {
    for c in &mut cells {
        c.status = CellStatus::Failed;
        c.error = Some(msg.to_owned());
    }
    cells
}

pub(crate) fn warm_up(
    input: &dyn PreparedInput,
    index: usize,
    s: &Settings,
    ctx: &mut Ctx,
) -> Result<u64, String> {
    let mut iters = 1u64;
    let deadline = Instant::now() + s.warmup;
    loop {
        let t = Instant::now();
        catch_unwind(AssertUnwindSafe(|| input.run_iters(index, iters, ctx)))
            .map_err(|p| panic_message(p.as_ref()))?;
        let dt = t.elapsed();
        if Instant::now() >= deadline || dt >= s.warmup {
            let per_iter = dt.as_nanos().max(1) as f64 / iters as f64;
            let target = s.sample_target.as_nanos() as f64;
            return Ok(((target / per_iter).ceil() as u64).max(1));
        }
        iters = iters.saturating_mul(2);
    }
}

pub(crate) fn take_sample(
    input: &dyn PreparedInput,
    l: &mut Live,
    ctx: &mut Ctx,
) -> Result<(), String> {
    let iters = l.iters;
    let t = l.clock.now()?;
    let r = catch_unwind(AssertUnwindSafe(|| {
        input.run_iters(black_box(l.index), iters, ctx)
    }));
    let dt = l.clock.now()?.saturating_sub(t);
    r.map_err(|p| panic_message(p.as_ref()))?;
    l.samples.push(dt as f64 / iters as f64);
    Ok(())
}

/// What a sample's duration is read from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// Elapsed (monotonic) time: what a user waits for. The default.
    #[default]
    Wall,
    /// CPU time of the measuring thread: elapsed time minus the time the thread was not running.
    ///
    /// Why it exists: on a loaded machine a sample of a few milliseconds is often preempted for
    /// whole scheduler ticks (samples of one cell came out 5.4, 9.4, 13.4 and 17.3 ms under a
    /// parallel build: 4 ms steps), which no statistic on wall times separates from a slowdown.
    /// Thread CPU time does not count those ticks; it still counts everything the kernel does on
    /// the thread's behalf (page faults) and the cost of caches others evicted. Paired runs use it
    /// by default. Linux and other Unixes; elsewhere it is an error to ask for it.
    Cpu,
}

impl Clock {
    /// The clock's reading in ns from an arbitrary origin.
    pub fn now(self) -> Result<u64, String> {
        match self {
            Clock::Wall => {
                static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
                Ok(ORIGIN.get_or_init(Instant::now).elapsed().as_nanos() as u64)
            }
            Clock::Cpu => thread_cpu_ns(),
        }
    }

    /// The clock's name, as on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Clock::Wall => "wall",
            Clock::Cpu => "cpu",
        }
    }
}

#[cfg(unix)]
fn thread_cpu_ns() -> Result<u64, String> {
    use nix::time::{ClockId, clock_gettime};
    let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_err(|e| format!("cannot read the thread's CPU time: {e}"))?;
    Ok(t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
}

#[cfg(not(unix))]
fn thread_cpu_ns() -> Result<u64, String> {
    Err("the cpu clock needs a Unix system; use the wall clock".to_owned())
}

/// Iterations of the counting pass: enough to average out one-off growth, few enough to be cheap.
const COUNT_ITERS: u64 = 16;

pub(crate) fn count_allocations(
    input: &dyn PreparedInput,
    l: &mut Live,
    ctx: &mut Ctx,
    probe: &dyn AllocProbe,
) -> Result<(), String> {
    let iters = l.iters.clamp(1, COUNT_ITERS);
    probe.set_counting(true);
    probe.reset_peak();
    let b = probe.snapshot();
    let r = catch_unwind(AssertUnwindSafe(|| input.run_iters(l.index, iters, ctx)));
    let a = probe.snapshot();
    r.map_err(|p| panic_message(p.as_ref()))?;
    l.total_iters = iters;
    l.allocs = a.allocs.saturating_sub(b.allocs);
    l.reallocs = a.reallocs.saturating_sub(b.reallocs);
    l.bytes = a.bytes_allocated.saturating_sub(b.bytes_allocated);
    l.peak = a.peak_live_bytes.saturating_sub(b.live_bytes);
    Ok(())
}

pub(crate) fn finish(
    cell: &mut Benchmark,
    l: &Live,
    bytes: u64,
    naive: Option<&[f64]>,
    counted: bool,
) {
    let seed = crate::compare::seed_of(&cell.id);
    cell.status = CellStatus::Ok;
    cell.error = None;
    cell.iters_per_sample = l.iters;
    // Counts come from the counting pass (`total_iters` iterations), not from the timed samples.
    cell.median_ns = stats::median(&l.samples);
    cell.mad_ns = stats::mad(&l.samples);
    cell.ci95_ns = stats::bootstrap_median_ci(&l.samples, stats::BOOTSTRAP_RESAMPLES, 0.05, seed);
    cell.throughput_bytes_per_s = cell.median_ns.and_then(|m| stats::throughput(bytes, m));
    cell.outliers = Some(stats::outliers(&l.samples));
    if counted && l.total_iters > 0 {
        let per = |x: u64| x as f64 / l.total_iters as f64;
        cell.allocs_per_iter = Some(per(l.allocs));
        cell.reallocs_per_iter = Some(per(l.reallocs));
        cell.bytes_allocated_per_iter = Some(per(l.bytes));
        cell.peak_bytes = Some(l.peak);
    }
    // Speed-up = naive time / this time, paired round by round.
    if let Some(naive) = naive {
        cell.speedup_vs_naive = stats::paired_ratio(naive, &l.samples);
    }
    cell.samples_ns = l.samples.clone();
}
