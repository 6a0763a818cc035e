//! Whether a cell got slower or faster between two runs, for the report's baseline view. The rule
//! itself is `perflab compare`'s ([`perflab_harness::compare`]), so the page and the gate agree.
//!
//! # The rule
//!
//! The change of a cell is the **time ratio** `median(head) / median(base)` (above 1: slower).
//! Its 95% confidence interval comes from a bootstrap over the two sample sets (`samples_ns`):
//! each of 2000 rounds draws both sets with replacement, independently (the
//! two runs were not interleaved, so nothing pairs their samples), and takes the ratio of the two
//! resampled medians; the interval is the 2.5% and 97.5% quantiles of those ratios.
//!
//! With a threshold `t` (0.05 for 5%):
//! - **regression** when the whole interval lies above `1 + t`;
//! - **improvement** when the whole interval lies below `1 / (1 + t)`;
//! - otherwise **unchanged**: the change is within the threshold or not certain enough.
//!
//! A cell that is not `ok` on both sides, or has no time, is **not comparable**. A side that
//! kept its median but no samples contributes its median as a point (no spread).
//! The bootstrap is seeded from the cell's id, so the same two files always give the same answer.

use perflab_harness::compare::{self, Thresholds, Verdict};
use perflab_harness::results::{Benchmark, CellStatus};
use perflab_harness::stats::Estimate;

pub use perflab_harness::compare::{seed_of, time_ratio};

/// The default threshold: changes smaller than 5% are not called out.
pub const DEFAULT_THRESHOLD: f64 = 0.05;

/// The verdict on one cell between a base run and a head run.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Slower: the time ratio's whole 95% interval is above `1 + threshold`.
    Regression(Estimate),
    /// Faster: the time ratio's whole 95% interval is below `1 / (1 + threshold)`.
    Improvement(Estimate),
    /// Within the threshold, or not certainly beyond it.
    Unchanged(Estimate),
    /// One side did not produce a time (failed, unsupported, missing); says which and why.
    NotComparable(String),
}

impl Change {
    /// The time ratio head/base with its interval, when there is one.
    pub fn ratio(&self) -> Option<Estimate> {
        match self {
            Change::Regression(e) | Change::Improvement(e) | Change::Unchanged(e) => Some(*e),
            Change::NotComparable(_) => None,
        }
    }

    /// A one-word label: `regression`, `improvement`, `unchanged` or `n/a`.
    pub fn label(&self) -> &'static str {
        match self {
            Change::Regression(_) => "regression",
            Change::Improvement(_) => "improvement",
            Change::Unchanged(_) => "unchanged",
            Change::NotComparable(_) => "n/a",
        }
    }
}

/// Classifies `head` against `base` with `perflab compare`'s rule
/// ([`perflab_harness::compare::classify`]), so the page and the CI gate always agree.
/// `threshold` is a fraction (0.05 = 5%); negative or NaN thresholds are treated as 0.
pub fn classify(base: &Benchmark, head: &Benchmark, threshold: f64) -> Change {
    let t = if threshold.is_nan() {
        0.0
    } else {
        threshold.max(0.0)
    };
    for (side, b) in [("base", base), ("head", head)] {
        if b.status != CellStatus::Ok {
            let status = match b.status {
                CellStatus::Failed => "failed",
                _ => "unsupported",
            };
            return Change::NotComparable(format!("{side} {status}"));
        }
    }
    let c = compare::classify(
        base,
        head,
        Thresholds {
            time: t,
            ..Thresholds::default()
        },
    );
    match (c.verdict, c.time_ratio) {
        (Verdict::Regression, Some(e)) => Change::Regression(e),
        (Verdict::Improvement, Some(e)) => Change::Improvement(e),
        (Verdict::Unchanged, Some(e)) => Change::Unchanged(e),
        _ => Change::NotComparable(c.note.unwrap_or_else(|| "no time to compare".to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_harness::results::fixture;

    /// An `ok` cell of `samples`.
    fn cell(samples: &[f64]) -> Benchmark {
        fixture::timed(samples, 4096)
    }

    /// `n` samples within ±0.5% of `center`.
    fn noisy(center: f64, n: usize, seed: u64) -> Vec<f64> {
        fixture::noisy(center, n, 0.01, seed)
    }

    #[test]
    fn clear_changes_are_called_and_small_ones_are_not() {
        let base = cell(&noisy(100.0, 40, 1));
        let slower = cell(&noisy(120.0, 40, 2));
        let faster = cell(&noisy(80.0, 40, 3));
        let same = cell(&noisy(102.0, 40, 4));
        assert!(matches!(
            classify(&base, &slower, 0.05),
            Change::Regression(_)
        ));
        assert!(matches!(
            classify(&base, &faster, 0.05),
            Change::Improvement(_)
        ));
        assert!(matches!(classify(&base, &same, 0.05), Change::Unchanged(_)));
        // 2% slower is a regression only when the threshold is below it.
        assert!(matches!(classify(&base, &same, 0.0), Change::Regression(_)));
        let r = classify(&base, &slower, 0.05).ratio().unwrap();
        assert!((r.median - 1.2).abs() < 0.01, "{r:?}");
        assert!(r.ci95[0] <= r.median && r.median <= r.ci95[1]);
    }

    #[test]
    fn wide_intervals_are_not_called() {
        // Medians differ by 20% but the samples are all over the place.
        let base = cell(&[100.0, 40.0, 300.0, 90.0, 150.0]);
        let head = cell(&[120.0, 30.0, 400.0, 60.0, 200.0]);
        assert!(matches!(classify(&base, &head, 0.05), Change::Unchanged(_)));
    }

    #[test]
    fn failed_cells_and_missing_times_are_not_comparable() {
        let ok = cell(&[1.0, 2.0]);
        let mut failed = ok.clone();
        failed.status = CellStatus::Failed;
        assert_eq!(
            classify(&ok, &failed, 0.05),
            Change::NotComparable("head failed".into())
        );
        let mut empty = ok.clone();
        empty.time.samples_ns.clear();
        empty.time.median_ns = None;
        assert!(matches!(
            classify(&empty, &ok, 0.05),
            Change::NotComparable(_)
        ));
        // Medians without samples compare as points.
        let mut a = empty.clone();
        a.time.median_ns = Some(10.0);
        let mut b = empty;
        b.time.median_ns = Some(20.0);
        assert!(matches!(classify(&a, &b, 0.05), Change::Regression(e) if e.ci95 == [2.0, 2.0]));
    }

    #[test]
    fn deterministic() {
        let base = cell(&noisy(100.0, 30, 5));
        let head = cell(&noisy(104.0, 30, 6));
        assert_eq!(classify(&base, &head, 0.05), classify(&base, &head, 0.05));
    }
}
