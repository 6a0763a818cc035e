//! Robust statistics as pure functions: no I/O, no clocks, deterministic given a seed.
//!
//! perflab summarises samples by their **median** (a few preempted samples on a shared machine
//! cannot move it), spreads by the **median absolute deviation**, and states its certainty as a
//! **bootstrap 95% confidence interval of the median**. Outliers are counted with Tukey's fences
//! and reported, never dropped.

use perflab_core::Rng;
use schemars::JsonSchema;
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// A median with its 95% interval: the shape every ratio in a report has.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Estimate {
    /// The point estimate (a median).
    pub median: f64,
    /// 95% interval of the median.
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

/// A cell's estimate from several processes: `per_process[p]` are its values in process `p`'s
/// rounds, in round order (times, or paired ratios). The point is the median of all values; the
/// interval sees the rounds, the processes and the drift of the machine over time
/// (METHODOLOGY.md §5). `None` when there is no positive value.
pub fn pooled(per_process: &[&[f64]]) -> Option<Estimate> {
    let logs: Vec<Vec<f64>> = per_process
        .iter()
        .map(|xs| xs.iter().filter(|x| **x > 0.0).map(|x| x.ln()).collect())
        .filter(|v: &Vec<f64>| !v.is_empty())
        .collect();
    let (m, [lo, hi]) = pooled_log(&logs)?;
    Some(Estimate {
        median: m.exp(),
        ci95: [lo.exp(), hi.exp()],
    })
}

/// [`pooled`] of per-process paired ratios.
pub fn pooled_ratio(per_process: &[Vec<f64>]) -> Option<Estimate> {
    let refs: Vec<&[f64]> = per_process.iter().map(Vec::as_slice).collect();
    pooled(&refs)
}

/// Consecutive stretches of rounds each process's values are cut into, as units of the interval.
pub const BLOCKS_PER_PROCESS: usize = 4;

/// The pooled median of log values and its 95% interval: the hull of three intervals, each
/// blind to something the others see:
///
/// - the sign-test interval of all values, as if every round were independent;
/// - a t interval from the spread of the medians of *units* — each process's rounds cut into
///   [`BLOCKS_PER_PROCESS`] consecutive stretches — because neighbouring rounds share the drift
///   of a shared host, which changes over seconds;
/// - the span of the per-process medians, because a process is one draw of what layout
///   re-randomisation cannot reach (the allocator's own history, for one): every process's own
///   estimate lies inside the interval, so a process that disagrees widens it rather than
///   passing unseen.
///
/// Measured on the development VM (METHODOLOGY.md §5): with layouts re-drawn every round, two
/// processes' medians of a cell differ by more than 3 standard errors for 0.5–2% of cells, about
/// what chance gives; the last term is for those.
fn pooled_log(per_process: &[Vec<f64>]) -> Option<(f64, [f64; 2])> {
    let all: Vec<f64> = per_process.iter().flatten().copied().collect();
    let m = median(&all)?;
    let [mut lo, mut hi] = median_ci_order(&all, 0.05)?;
    for v in per_process {
        if let Some(pm) = median(v) {
            lo = lo.min(pm);
            hi = hi.max(pm);
        }
    }
    let units: Vec<f64> = per_process
        .iter()
        .flat_map(|v| {
            let blocks = BLOCKS_PER_PROCESS.min(v.len()).max(1);
            let size = v.len().div_ceil(blocks);
            v.chunks(size.max(1)).filter_map(median).collect::<Vec<_>>()
        })
        .collect();
    let k = units.len();
    if k >= 2 {
        let mean = units.iter().sum::<f64>() / k as f64;
        let var = units.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
        let half = t975(k - 1) * (var / k as f64).sqrt();
        lo = lo.min(m - half);
        hi = hi.max(m + half);
    }
    Some((m, [lo, hi]))
}

/// The 97.5% quantile of Student's t distribution with `df` degrees of freedom (two-sided 95%).
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df - 1],
        // Beyond the table: the normal quantile plus the first term of its expansion.
        _ => 1.959_964 + 2.37 / df as f64,
    }
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

    /// `n` values per process around `truth × (1 + bias)`, with ±`noise` spread, shuffled
    /// deterministically.
    fn process(truth: f64, bias: f64, noise: f64, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|_| truth * (1.0 + bias) * (1.0 + noise * (2.0 * rng.next_f64() - 1.0)))
            .collect()
    }

    #[test]
    fn a_pooled_interval_covers_the_truth_despite_per_process_bias() {
        // Two processes measuring a true ratio of 2, one biased +4%, the other −3%: each alone
        // (and their pooled values taken as independent) give tight intervals that miss 2.
        let a = process(2.0, 0.04, 0.01, 40, 1);
        let b = process(2.0, -0.03, 0.01, 40, 2);
        let naive_pool: Vec<f64> = a.iter().chain(&b).copied().collect();
        let [lo, hi] = median_ci_order(&naive_pool, 0.05).unwrap();
        assert!(!(lo <= 2.0 && 2.0 <= hi) || hi - lo > 0.1, "{lo} {hi}");
        let e = pooled(&[&a, &b]).unwrap();
        assert!(e.ci95[0] <= 2.0 && 2.0 <= e.ci95[1], "{e:?}");
        assert!(e.ci95[0] <= e.median && e.median <= e.ci95[1]);
        // Both processes agree: the interval stays narrow.
        let c = process(2.0, 0.0, 0.01, 40, 3);
        let d = process(2.0, 0.0, 0.01, 40, 4);
        let e = pooled(&[&c, &d]).unwrap();
        assert!(e.ci95[1] / e.ci95[0] < 1.01, "{e:?}");
        assert!(e.ci95[0] <= 2.0 && 2.0 <= e.ci95[1], "{e:?}");
        // Ratios must be positive; nothing positive, no estimate.
        assert_eq!(pooled(&[&[0.0, -1.0]]), None);
        assert!((pooled_ratio(&[vec![3.0]]).unwrap().median - 3.0).abs() < 1e-12);
    }

    #[test]
    fn drift_within_a_process_widens_its_interval() {
        // One process whose second half ran 10% slower (the host's state changed): the rounds
        // alone look like a tight bimodal sample; the blocks see the shift.
        let mut v = process(1.0, 0.0, 0.002, 20, 5);
        v.extend(process(1.0, 0.10, 0.002, 20, 6));
        let e = pooled(&[&v]).unwrap();
        let [lo, hi] = median_ci_order(&v, 0.05).unwrap();
        assert!(
            e.ci95[1] - e.ci95[0] > 1.5 * (hi - lo),
            "{e:?} vs [{lo}, {hi}]"
        );
        assert_eq!(t975(1), 12.706);
        assert!((t975(1000) - 1.96).abs() < 0.01);
    }

    #[test]
    fn throughput_units() {
        assert_eq!(throughput(1_000, 1_000.0), Some(1e9));
        assert_eq!(throughput(1, 0.0), None);
    }
}
