//! Robust statistics as pure functions: no I/O, no clocks, deterministic given a seed.
//!
//! perflab summarises samples by their **median** (a few preempted samples on a shared machine
//! cannot move it), spreads by the **median absolute deviation**, and states its certainty as a
//! **bootstrap 95% confidence interval of the median**. Outliers are counted with Tukey's fences
//! and reported, never dropped.

use perflab_core::Rng;
use serde::{Deserialize, Serialize};

/// The median of `xs` (mean of the middle two for even lengths); `None` when empty or when any
/// value is NaN.
pub fn median(xs: &[f64]) -> Option<f64> {
    let mut v = sorted(xs)?;
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        let (lo, hi) = v.split_at_mut(n / 2);
        (lo[lo.len() - 1] + hi[0]) / 2.0
    })
}

/// The median absolute deviation from the median (unscaled); `None` when empty.
pub fn mad(xs: &[f64]) -> Option<f64> {
    let m = median(xs)?;
    let dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    median(&dev)
}

/// The `q`-quantile (0 ≤ q ≤ 1) by linear interpolation between order statistics.
pub fn quantile(xs: &[f64], q: f64) -> Option<f64> {
    let v = sorted(xs)?;
    Some(quantile_sorted(&v, q))
}

fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

fn sorted(xs: &[f64]) -> Option<Vec<f64>> {
    if xs.is_empty() || xs.iter().any(|x| x.is_nan()) {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    Some(v)
}

/// A percentile bootstrap confidence interval of the median at level `1 - alpha`.
///
/// `resamples` medians of samples drawn with replacement; the interval is their
/// `alpha/2` and `1 - alpha/2` quantiles. Deterministic for a given `seed`. With one sample the
/// interval is that sample; empty input gives `None`.
pub fn bootstrap_median_ci(
    xs: &[f64],
    resamples: usize,
    alpha: f64,
    seed: u64,
) -> Option<[f64; 2]> {
    let base = sorted(xs)?;
    let n = base.len();
    if n == 1 {
        return Some([base[0], base[0]]);
    }
    let mut rng = Rng::new(seed);
    let mut medians = Vec::with_capacity(resamples.max(1));
    let mut draw = vec![0.0; n];
    for _ in 0..resamples.max(1) {
        for d in draw.iter_mut() {
            *d = base[rng.below(n as u64) as usize];
        }
        draw.sort_by(f64::total_cmp);
        medians.push(if n % 2 == 1 {
            draw[n / 2]
        } else {
            (draw[n / 2 - 1] + draw[n / 2]) / 2.0
        });
    }
    medians.sort_by(f64::total_cmp);
    Some([
        quantile_sorted(&medians, alpha / 2.0),
        quantile_sorted(&medians, 1.0 - alpha / 2.0),
    ])
}

/// Counts of samples beyond Tukey's fences (mild: 1.5 IQR, severe: 3 IQR past the quartiles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outliers {
    /// Below Q1 − 3 IQR.
    pub low_severe: u32,
    /// Between Q1 − 3 IQR and Q1 − 1.5 IQR.
    pub low_mild: u32,
    /// Between Q3 + 1.5 IQR and Q3 + 3 IQR.
    pub high_mild: u32,
    /// Above Q3 + 3 IQR.
    pub high_severe: u32,
}

/// Classifies `xs` against Tukey's fences.
pub fn outliers(xs: &[f64]) -> Outliers {
    let Some(v) = sorted(xs) else {
        return Outliers::default();
    };
    let (q1, q3) = (quantile_sorted(&v, 0.25), quantile_sorted(&v, 0.75));
    let iqr = q3 - q1;
    let mut o = Outliers::default();
    for &x in &v {
        if x < q1 - 3.0 * iqr {
            o.low_severe += 1;
        } else if x < q1 - 1.5 * iqr {
            o.low_mild += 1;
        } else if x > q3 + 3.0 * iqr {
            o.high_severe += 1;
        } else if x > q3 + 1.5 * iqr {
            o.high_mild += 1;
        }
    }
    o
}

/// Bytes per second for `bytes` processed in `ns` nanoseconds; `None` when the time is not
/// positive.
pub fn throughput(bytes: u64, ns: f64) -> Option<f64> {
    (ns > 0.0).then(|| bytes as f64 * 1e9 / ns)
}

/// A median with its bootstrap 95% interval: the shape every ratio in a report has.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The point estimate (a median).
    pub median: f64,
    /// Bootstrap 95% confidence interval of the median.
    pub ci95: [f64; 2],
}

/// The number of bootstrap resamples perflab uses: enough for stable 2.5% tails.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// Median and 95% CI of the paired ratios `a[i] / b[i]`.
///
/// Used for every comparison perflab measures interleaved (variant vs naive in one round, head
/// vs base in a paired run): a noisy neighbour slows both members of a pair alike, so it cancels
/// in their ratio. Pairs with a non-positive denominator are skipped; `None` when no pair remains.
///
/// The interval is [`median_ci_order`]'s, not a bootstrap: paired runs of large inputs get only
/// 7–10 pairs per cell, where a bootstrap interval of the median covers ~88% rather than 95%,
/// and the A/A runs of METHODOLOGY.md §7 flagged exactly those cells.
pub fn paired_ratio(a: &[f64], b: &[f64]) -> Option<Estimate> {
    let ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .filter(|&(_, &y)| y > 0.0)
        .map(|(&x, &y)| x / y)
        .collect();
    Some(Estimate {
        median: median(&ratios)?,
        ci95: median_ci_order(&ratios, 0.05)?,
    })
}

/// A distribution-free confidence interval of the median at level at least `1 - alpha`:
/// the order statistics `x(k)` and `x(n + 1 - k)` for the largest `k` with
/// `2 · P(Binomial(n, ½) < k) ≤ alpha` (the sign-test interval; exact for any continuous
/// distribution, no resampling). With fewer than 6 values no `k` reaches 95%: the interval is
/// then the whole range, whose level is below `1 - alpha`. `None` for no values.
pub fn median_ci_order(xs: &[f64], alpha: f64) -> Option<[f64; 2]> {
    let s = sorted(xs)?;
    let n = s.len();
    let k = if n > 1000 {
        // Normal approximation; the binomial terms below would underflow.
        let (mean, sd) = (n as f64 / 2.0, (n as f64).sqrt() / 2.0);
        ((mean - 1.959_964 * sd).floor() as usize).max(1)
    } else {
        // P(Bin(n, ½) = i), accumulated from i = 0 while the two tails stay within alpha.
        let mut pmf = 0.5f64.powi(n as i32);
        let mut below = 0.0; // P(X < k) for the k being tried
        let mut k = 1;
        for i in 0..n / 2 {
            below += pmf;
            if 2.0 * below > alpha {
                break;
            }
            k = i + 1;
            pmf *= (n - i) as f64 / (i + 1) as f64;
        }
        k.max(1)
    };
    Some([s[k - 1], s[n - k]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistic_interval_of_the_median() {
        let xs = |n: usize| (1..=n).map(|i| i as f64).collect::<Vec<_>>();
        // k from the binomial tails: n=7 → 1 (98.4%), n=10 → 2 (97.9%), n=40 → 14 (96.2%).
        assert_eq!(median_ci_order(&xs(7), 0.05), Some([1.0, 7.0]));
        assert_eq!(median_ci_order(&xs(10), 0.05), Some([2.0, 9.0]));
        assert_eq!(median_ci_order(&xs(40), 0.05), Some([14.0, 27.0]));
        // Too few values for 95%: the whole range.
        assert_eq!(median_ci_order(&xs(3), 0.05), Some([1.0, 3.0]));
        assert_eq!(median_ci_order(&[2.0], 0.05), Some([2.0, 2.0]));
        assert_eq!(median_ci_order(&[], 0.05), None);
        // The normal approximation takes over smoothly: k ≈ n/2 − 1.96·√n/2.
        let [lo, hi] = median_ci_order(&xs(2000), 0.05).unwrap();
        assert_eq!((lo, hi), (956.0, 1045.0));
        let [lo, hi] = median_ci_order(&xs(1000), 0.05).unwrap();
        assert!(
            (lo - 469.0).abs() <= 1.0 && (hi - 532.0).abs() <= 1.0,
            "{lo} {hi}"
        );
    }

    #[test]
    fn known_medians_and_mads() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN, 1.0]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        // MAD of 1,1,2,2,4,6,9: median 2, deviations 1,1,0,0,2,4,7 → 1.
        assert_eq!(mad(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]), Some(1.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), Some(2.0));
        assert_eq!(quantile(&[10.0, 20.0], 0.5), Some(15.0));
    }

    #[test]
    fn tukey_fences() {
        // Quartiles of 1..=8 are 2.75 and 6.25 (IQR 3.5): fences at -2.5/-7.75 and 11.5/16.75.
        let mut xs: Vec<f64> = (1..=8).map(f64::from).collect();
        xs.extend([12.0, 100.0, -5.0]);
        let o = outliers(&xs);
        // With the three extra points the quartiles move; recompute by hand:
        // sorted: -5,1,2,3,4,5,6,7,8,12,100 → Q1 = 2.5, Q3 = 7.5, IQR 5 → mild > 15, severe > 22.5,
        // low mild < -5, low severe < -12.5.
        assert_eq!(
            o,
            Outliers {
                high_severe: 1,
                ..Outliers::default()
            }
        );
        assert_eq!(outliers(&[]), Outliers::default());
    }

    #[test]
    fn bootstrap_covers_the_median_and_is_deterministic() {
        let mut rng = Rng::new(9);
        let xs: Vec<f64> = (0..200).map(|_| 100.0 + rng.next_f64() * 10.0).collect();
        let ci = bootstrap_median_ci(&xs, 1000, 0.05, 1).unwrap();
        let m = median(&xs).unwrap();
        assert!(ci[0] <= m && m <= ci[1], "{ci:?} {m}");
        assert!(ci[1] - ci[0] < 3.0, "interval too wide: {ci:?}");
        assert_eq!(ci, bootstrap_median_ci(&xs, 1000, 0.05, 1).unwrap());
        assert_eq!(bootstrap_median_ci(&[7.0], 10, 0.05, 1), Some([7.0, 7.0]));
        assert_eq!(bootstrap_median_ci(&[], 10, 0.05, 1), None);
        // A constant sample has a degenerate interval.
        assert_eq!(
            bootstrap_median_ci(&[2.0; 9], 50, 0.05, 3),
            Some([2.0, 2.0])
        );
    }

    #[test]
    fn paired_ratios_cancel_common_drift() {
        // B is exactly 2x slower than A, but the machine's speed drifts by 3x across rounds.
        let drift = [1.0, 1.5, 3.0, 1.2, 2.0];
        let a: Vec<f64> = drift.iter().map(|d| 10.0 * d).collect();
        let b: Vec<f64> = drift.iter().map(|d| 20.0 * d).collect();
        let r = paired_ratio(&b, &a).unwrap();
        assert_eq!(r.median, 2.0);
        assert_eq!(r.ci95, [2.0, 2.0]);
        assert_eq!(paired_ratio(&[1.0], &[0.0]), None);
    }

    #[test]
    fn throughput_units() {
        assert_eq!(throughput(1_000, 1_000.0), Some(1e9));
        assert_eq!(throughput(1, 0.0), None);
    }
}
