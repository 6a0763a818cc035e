//! Head against base: what got slower or faster, and is it more than noise?
//!
//! Cells are matched by id. For wall time, the change is the ratio of medians `head / base`
//! with a bootstrap 95% confidence interval (each side resampled independently). A cell is a
//! **regression** only when the whole interval lies above `1 + threshold`, an **improvement**
//! only when it lies below `1 / (1 + threshold)`; anything else is within noise. Instruction
//! counts (deterministic under callgrind) are compared exactly against their own threshold.
//! Cells present on one side only, failed cells and a changed environment are reported, never
//! dropped. This is the rule the HTML report marks changes with, too.

use crate::resample::MedianSampler;
use crate::results::{Benchmark, CellStatus, Results};
use crate::stats;
use perflab_core::Rng;
use serde::Serialize;

/// Thresholds of the two gates, as fractions (0.05 = 5%).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// Wall-time threshold.
    pub time: f64,
    /// Instruction-count threshold.
    pub instructions: f64,
}

/// The wall-time threshold for two files measured together by a paired run (`run
/// --compare-with`): 2%. Pinned, relocated, CPU-timed and confirmed by fresh pairs of
/// processes, a paired run's intervals are narrow and honest enough for it (METHODOLOGY.md §7).
pub const PAIRED_TIME_THRESHOLD: f64 = 0.02;

/// Whether `base` and `head` were measured together by one paired run.
pub fn measured_together(base: &Results, head: &Results) -> bool {
    head.config.paired.is_some() && head.config.paired == base.config.paired
}

impl Default for Thresholds {
    /// 5% for time (see METHODOLOGY.md for how it was chosen), 0.5% for instructions.
    fn default() -> Self {
        Thresholds {
            time: 0.05,
            instructions: 0.005,
        }
    }
}

/// What happened to one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Slower beyond the threshold with 95% confidence (or more instructions beyond theirs).
    Regression,
    /// Faster beyond the threshold with 95% confidence.
    Improvement,
    /// The change is within the threshold or the noise.
    Unchanged,
    /// Only in the base file.
    MissingInHead,
    /// Only in the head file.
    New,
    /// Failed in head (whatever it was in base): the gate fails.
    FailedInHead,
    /// Failed in base only, or unsupported on either side: nothing to compare.
    NotComparable,
}

impl Verdict {
    /// Whether this verdict fails a CI gate.
    pub fn fails_gate(self) -> bool {
        matches!(self, Verdict::Regression | Verdict::FailedInHead)
    }
}

/// One cell's comparison.
#[derive(Clone, Debug, Serialize)]
pub struct CellChange {
    /// The cell id.
    pub id: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Base median time, ns.
    pub base_ns: Option<f64>,
    /// Head median time, ns.
    pub head_ns: Option<f64>,
    /// `head / base` of the medians with its 95% CI.
    pub time_ratio: Option<stats::Estimate>,
    /// `head / base` of instructions per iteration, when both were measured.
    pub instructions_ratio: Option<f64>,
    /// Allocations per iteration, base and head, when both were counted.
    pub allocs: Option<(f64, f64)>,
    /// Why a cell could not be compared, or its error.
    pub note: Option<String>,
}

/// The whole comparison.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Thresholds used.
    pub thresholds: Thresholds,
    /// Set when the two files come from environments whose wall times are not comparable.
    pub environment_changed: Option<String>,
    /// Every cell in either file, base order first.
    pub cells: Vec<CellChange>,
}

impl Comparison {
    /// Whether any cell fails the gate.
    pub fn failed(&self) -> bool {
        self.cells.iter().any(|c| c.verdict.fails_gate())
    }

    /// How many cells got each verdict.
    pub fn count(&self, v: Verdict) -> usize {
        self.cells.iter().filter(|c| c.verdict == v).count()
    }
}

/// `median(num) / median(den)` of two independent sample sets with a bootstrap 95% interval:
/// each of [`stats::BOOTSTRAP_RESAMPLES`] rounds resamples both sets with replacement,
/// independently, and takes the ratio of the resampled medians (drawn directly by
/// [`MedianSampler`], in time independent of the number of samples). A side with no samples falls
/// back to its given median as a point; `None` when a side has no positive time at all.
pub fn time_ratio(
    den: &[f64],
    den_median: Option<f64>,
    num: &[f64],
    num_median: Option<f64>,
    seed: u64,
) -> Option<stats::Estimate> {
    // A side with a NaN among its samples has no median of its own (`stats::median`): it counts
    // as its given median alone.
    let sampler = |xs: &[f64]| {
        if xs.iter().any(|x| x.is_nan()) {
            None
        } else {
            MedianSampler::new(xs)
        }
    };
    let (sd, sn) = (sampler(den), sampler(num));
    let d = sd
        .as_ref()
        .map(MedianSampler::median)
        .or(den_median)
        .filter(|x| *x > 0.0)?;
    let n = sn
        .as_ref()
        .map(MedianSampler::median)
        .or(num_median)
        .filter(|x| x.is_finite())?;
    let point = n / d;
    if sd.is_none() && sn.is_none() {
        return Some(stats::Estimate {
            median: point,
            ci95: [point, point],
        });
    }
    let mut rng = Rng::new(seed);
    let mut ratios = Vec::with_capacity(stats::BOOTSTRAP_RESAMPLES);
    for _ in 0..stats::BOOTSTRAP_RESAMPLES {
        let rd = sd.as_ref().map_or(d, |s| s.draw(&mut rng));
        let rn = sn.as_ref().map_or(n, |s| s.draw(&mut rng));
        if rd > 0.0 {
            ratios.push(rn / rd);
        }
    }
    let [lo, hi] = quantiles(&mut ratios, [0.025, 0.975])?;
    Some(stats::Estimate {
        median: point,
        ci95: [lo, hi],
    })
}

/// The `q`-quantiles of `xs` by linear interpolation between order statistics (as
/// [`stats::quantile`]), found by selection rather than a sort per quantile; `None` when empty
/// or when any value is NaN. Reorders `xs`.
fn quantiles<const N: usize>(xs: &mut [f64], qs: [f64; N]) -> Option<[f64; N]> {
    if xs.is_empty() || xs.iter().any(|x| x.is_nan()) {
        return None;
    }
    let last = xs.len() - 1;
    Some(qs.map(|q| {
        let pos = q.clamp(0.0, 1.0) * last as f64;
        let lo = pos.floor() as usize;
        let (_, &mut at, rest) = xs.select_nth_unstable_by(lo, f64::total_cmp);
        let next = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(at);
        at + (next - at) * (pos - lo as f64)
    }))
}

/// A stable seed from a cell id (FNV-1a), so a comparison is reproducible.
pub fn seed_of(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Classifies a head cell against its base cell. When the two were measured in one paired run
/// (`paired`), the time ratio is the paired one (`head.vs_base`) rather than a ratio of medians
/// of independent runs.
pub fn classify(base: &Benchmark, head: &Benchmark, t: Thresholds) -> CellChange {
    classify_with(base, head, t, false)
}

fn classify_with(base: &Benchmark, head: &Benchmark, t: Thresholds, paired: bool) -> CellChange {
    let mut c = CellChange {
        id: head.name.id.clone(),
        verdict: Verdict::NotComparable,
        base_ns: base.time.median_ns,
        head_ns: head.time.median_ns,
        time_ratio: None,
        instructions_ratio: None,
        allocs: base.alloc.allocs_per_iter.zip(head.alloc.allocs_per_iter),
        note: None,
    };
    if head.status == CellStatus::Failed {
        c.verdict = Verdict::FailedInHead;
        c.note = head.error.clone();
        return c;
    }
    if base.status != CellStatus::Ok || head.status != CellStatus::Ok {
        c.note = Some(format!("base {:?}, head {:?}", base.status, head.status).to_lowercase());
        return c;
    }
    c.time_ratio = match (paired, head.ab.vs_base) {
        (true, Some(e)) => Some(e),
        _ => time_ratio(
            &base.time.samples_ns,
            base.time.median_ns,
            &head.time.samples_ns,
            head.time.median_ns,
            seed_of(&head.name.id),
        ),
    };
    c.instructions_ratio = match (base.instructions, head.instructions) {
        (Some(b), Some(h)) if b > 0.0 => Some(h / b),
        _ => None,
    };
    c.verdict = match (c.instructions_ratio, c.time_ratio) {
        // Instruction counts are exact: no interval needed.
        (Some(r), _) if r > 1.0 + t.instructions => Verdict::Regression,
        (Some(r), _) if r < 1.0 / (1.0 + t.instructions) => Verdict::Improvement,
        (Some(_), _) => Verdict::Unchanged,
        (None, Some(e)) => match shift(&e, t.time) {
            Some(Shift::Up) => Verdict::Regression,
            Some(Shift::Down) => Verdict::Improvement,
            None => Verdict::Unchanged,
        },
        (None, None) => {
            c.note = Some("no samples to compare".to_owned());
            Verdict::NotComparable
        }
    };
    c
}

/// Which way a ratio's whole interval lies beyond a threshold, if it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    /// The whole interval lies above `1 + threshold`.
    Up,
    /// The whole interval lies below `1 / (1 + threshold)`.
    Down,
}

/// The one rule by which perflab calls a ratio a change (a regression, an allocator effect, a
/// confirmed A/B change, a report's mark): its whole 95% interval lies beyond the threshold,
/// above `1 + t` or below `1 / (1 + t)` (symmetric in log terms).
pub fn shift(e: &stats::Estimate, threshold: f64) -> Option<Shift> {
    if e.ci95[0] > 1.0 + threshold {
        Some(Shift::Up)
    } else if e.ci95[1] < 1.0 / (1.0 + threshold) {
        Some(Shift::Down)
    } else {
        None
    }
}

/// Whether a ratio's whole interval lies beyond `threshold` either way ([`shift`]).
pub fn beyond(e: &stats::Estimate, threshold: f64) -> bool {
    shift(e, threshold).is_some()
}

/// Compares every cell of `head` with `base`. Cells are matched through an id index and
/// classified on every available core (each cell's bootstrap is seeded by its id, so the result
/// does not depend on how the work was split): linear in the number of cells.
pub fn compare(base: &Results, head: &Results, t: Thresholds) -> Comparison {
    let paired = measured_together(base, head);
    let head_index = head.index();
    let base_index = base.index();
    let one = |b: &Benchmark| match head_index.get(b.name.id.as_str()) {
        Some(&i) => classify_with(b, &head.benchmarks[i], t, paired),
        None => CellChange {
            id: b.name.id.clone(),
            verdict: Verdict::MissingInHead,
            base_ns: b.time.median_ns,
            head_ns: None,
            time_ratio: None,
            instructions_ratio: None,
            allocs: None,
            note: None,
        },
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = base.benchmarks.len().div_ceil(workers).max(1024);
    let mut cells: Vec<CellChange> = if base.benchmarks.len() <= chunk {
        base.benchmarks.iter().map(one).collect()
    } else {
        std::thread::scope(|scope| {
            let parts: Vec<_> = base
                .benchmarks
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    };
    for h in head
        .benchmarks
        .iter()
        .filter(|h| !base_index.contains_key(h.name.id.as_str()))
    {
        cells.push(CellChange {
            id: h.name.id.clone(),
            verdict: if h.status == CellStatus::Failed {
                Verdict::FailedInHead
            } else {
                Verdict::New
            },
            base_ns: None,
            head_ns: h.time.median_ns,
            time_ratio: None,
            instructions_ratio: None,
            allocs: None,
            note: h.error.clone(),
        });
    }
    let environment_changed = (!base.environment.comparable_with(&head.environment)).then(|| {
        format!(
            "base: {} / {} / {}; head: {} / {} / {}",
            base.environment.cpu_model,
            base.environment.os,
            base.environment.rustc.as_deref().unwrap_or("?"),
            head.environment.cpu_model,
            head.environment.os,
            head.environment.rustc.as_deref().unwrap_or("?"),
        )
    });
    Comparison {
        thresholds: t,
        environment_changed,
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::fixture;

    /// An `ok` cell of `samples`.
    fn cell(samples: Vec<f64>) -> Benchmark {
        fixture::timed(&samples, 1)
    }

    /// `n` samples within ±1% of `center`.
    fn noisy(center: f64, n: usize, seed: u64) -> Vec<f64> {
        fixture::noisy(center, n, 0.02, seed)
    }

    #[test]
    fn regression_improvement_and_noise() {
        let t = Thresholds::default();
        let base = cell(noisy(100.0, 40, 1));
        assert_eq!(
            classify(&base, &cell(noisy(120.0, 40, 2)), t).verdict,
            Verdict::Regression
        );
        assert_eq!(
            classify(&base, &cell(noisy(80.0, 40, 3)), t).verdict,
            Verdict::Improvement
        );
        assert_eq!(
            classify(&base, &cell(noisy(102.0, 40, 4)), t).verdict,
            Verdict::Unchanged
        );
        // 7% slower but with huge noise: the interval straddles the threshold.
        let wild: Vec<f64> = noisy(107.0, 8, 5)
            .iter()
            .enumerate()
            .map(|(i, x)| if i % 2 == 0 { x * 0.7 } else { x * 1.3 })
            .collect();
        assert_eq!(classify(&base, &cell(wild), t).verdict, Verdict::Unchanged);
    }

    #[test]
    fn instruction_counts_are_exact() {
        let t = Thresholds::default();
        let mut base = cell(noisy(100.0, 10, 1));
        let mut head = cell(noisy(100.0, 10, 2));
        base.instructions = Some(1_000_000.0);
        head.instructions = Some(1_010_000.0);
        assert_eq!(classify(&base, &head, t).verdict, Verdict::Regression);
        head.instructions = Some(1_000_000.0);
        assert_eq!(classify(&base, &head, t).verdict, Verdict::Unchanged);
    }

    #[test]
    fn failed_cells_fail_the_gate() {
        let base = cell(noisy(100.0, 10, 1));
        let mut head = cell(vec![]);
        head.status = CellStatus::Failed;
        head.error = Some("boom".into());
        let c = classify(&base, &head, Thresholds::default());
        assert_eq!(c.verdict, Verdict::FailedInHead);
        assert!(c.verdict.fails_gate());
        assert_eq!(c.note.as_deref(), Some("boom"));
    }
}
