//! A workload with deliberately broken variants, for perflab's own tests (feature `selftest`).
//!
//! It proves the harness's promises: a variant that panics becomes a failed cell and the others
//! are still measured; a process that aborts costs only its group; a wrong answer is never timed;
//! a slowed copy of naive is detected by comparisons; a variant that never returns fails after the
//! time limit; one that goes wrong after many calls fails in the round it did.

use perflab_core::{Ctx, Family, InputError, Kernel, Placement, Rng, VariantKind, Workload};
use std::hint::black_box;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Set this environment variable to make the `aborts` variant abort the process.
pub const ABORT_ENV: &str = "PERFLAB_SELFTEST_ABORT";

/// Set this to a percentage to make the `tunable` variant do that much extra work (it re-sums
/// that share of its input), e.g. to check that a paired run flags a 5% slowdown.
pub const EXTRA_ENV: &str = "PERFLAB_SELFTEST_EXTRA_PCT";

/// Set this to a number of bytes to make the `hangs` variant never return on inputs longer than
/// that (a parser stuck in a loop on large inputs).
pub const HANG_ENV: &str = "PERFLAB_SELFTEST_HANG_OVER";

/// Set this to a file path to have a `hangs` variant that starts hanging write its process id
/// there first: a test then knows, without waiting a while, which process is stuck in a kernel
/// (and so cannot notice anything but a signal).
pub const HANG_MARK_ENV: &str = "PERFLAB_SELFTEST_HANG_MARK";

/// Set this to a number of calls to make the `drifts` variant give a wrong answer from the call
/// after it on, in each process (a kernel whose cache, counter or seed goes wrong with use).
pub const DRIFT_ENV: &str = "PERFLAB_SELFTEST_DRIFT_AFTER";

/// A number from the environment variable `name`, read once per process.
fn env_number(name: &'static str, cell: &'static OnceLock<Option<usize>>) -> Option<usize> {
    *cell.get_or_init(|| std::env::var(name).ok().and_then(|v| v.parse().ok()))
}

fn extra_pct() -> usize {
    static PCT: OnceLock<Option<usize>> = OnceLock::new();
    env_number(EXTRA_ENV, &PCT).unwrap_or(0)
}

/// Calls of `drifts` in this process.
static DRIFT_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Sums bytes.
pub struct Selftest;

impl Workload for Selftest {
    const NAME: &'static str = "selftest";
    const SUMMARY: &'static str = "sum of bytes, with deliberately broken variants (tests only)";
    type Input = Vec<u8>;
    type Output = u64;

    fn generate(size: usize, seed: u64) -> Vec<u8> {
        let mut v = vec![0; size];
        Rng::new(seed).fill_bytes(&mut v);
        v
    }

    fn from_file(data: &[u8]) -> Result<Vec<u8>, InputError> {
        Ok(data.to_vec())
    }

    fn input_bytes(input: &Vec<u8>) -> usize {
        input.len()
    }

    fn relocated(input: &Vec<u8>, _place: Placement) -> Option<Vec<u8>> {
        Some(input.clone())
    }
}

fn sum(v: &[u8]) -> u64 {
    v.iter().map(|&b| u64::from(b)).sum()
}

/// The broken behaviours.
#[derive(Clone, Copy)]
enum Mode {
    Correct,
    Slowed,
    Panics,
    Aborts,
    Wrong,
    Tunable,
    Hangs,
    Drifts,
}

struct K(&'static str, VariantKind, Mode);

impl Kernel<Selftest> for K {
    fn name(&self) -> &'static str {
        self.0
    }

    fn kind(&self) -> VariantKind {
        self.1
    }

    fn run(&self, input: &Vec<u8>, _: &Ctx) -> u64 {
        match self.2 {
            Mode::Correct => sum(input),
            // Extra work: a second pass whose result is observed, so it cannot be optimised away.
            Mode::Slowed => {
                black_box(sum(black_box(input)));
                sum(input)
            }
            Mode::Panics => panic!("selftest: this variant always panics"),
            // Aborts only when asked, so that in-process commands like `verify` survive it.
            Mode::Aborts if std::env::var_os(ABORT_ENV).is_some() => std::process::abort(),
            Mode::Aborts => sum(input),
            Mode::Wrong => sum(input) ^ 1,
            Mode::Tunable => {
                let extra = input.len() * extra_pct() / 100;
                black_box(sum(black_box(&input[..extra.min(input.len())])));
                sum(input)
            }
            Mode::Hangs => {
                static OVER: OnceLock<Option<usize>> = OnceLock::new();
                if env_number(HANG_ENV, &OVER).is_some_and(|over| input.len() > over) {
                    if let Some(mark) = std::env::var_os(HANG_MARK_ENV) {
                        // Written whole, then renamed: a reader never sees half a pid.
                        let part = std::path::PathBuf::from(&mark).with_extension("part");
                        let _ = std::fs::write(&part, std::process::id().to_string())
                            .and_then(|()| std::fs::rename(&part, &mark));
                    }
                    // Stuck, but asleep: a hung kernel in a test should not take a core too.
                    loop {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
                sum(input)
            }
            Mode::Drifts => {
                static AFTER: OnceLock<Option<usize>> = OnceLock::new();
                let calls = DRIFT_CALLS.fetch_add(1, Ordering::Relaxed) + 1;
                match env_number(DRIFT_ENV, &AFTER) {
                    Some(after) if calls > after => sum(input) ^ 2,
                    _ => sum(input),
                }
            }
        }
    }
}

/// The selftest family.
pub fn family() -> Family<Selftest> {
    Family::new(K("naive", VariantKind::Naive, Mode::Correct))
        .with(K("slowed", VariantKind::Optimized, Mode::Slowed))
        .with(K("panics", VariantKind::Optimized, Mode::Panics))
        .with(K("wrong", VariantKind::Optimized, Mode::Wrong))
        .with(K("aborts", VariantKind::Simd, Mode::Aborts))
        .with(K("tunable", VariantKind::Optimized, Mode::Tunable))
        .with(K("hangs", VariantKind::Optimized, Mode::Hangs))
        .with(K("drifts", VariantKind::Optimized, Mode::Drifts))
}
