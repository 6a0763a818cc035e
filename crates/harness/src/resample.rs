//! Bootstrap medians drawn directly, in time independent of the sample count.
//!
//! `compare` (and the report's baseline view) put a bootstrap interval on the ratio of two
//! medians: thousands of times, resample each side with replacement and take the median. Done
//! literally that is `resamples × n` random draws and a sort per resample — about 3 ms a cell at
//! 40 samples, so a 100 000-cell comparison took minutes. But the median of a resample depends
//! only on *which ranks* of the sorted sample land in the middle, and the rank of the `m`-th
//! smallest of `n` draws with replacement has a known distribution:
//! `P(rank ≤ j) = P(Bin(n, (j+1)/n) ≥ m)`. [`MedianSampler`] tabulates that distribution once
//! per sample set (only the ranks where it is not 0 or 1, about `7√n` of them) and then draws a
//! resample's median with one or three uniform numbers. The draws have exactly the distribution
//! of the literal procedure's; only the stream of random numbers differs.

use perflab_core::Rng;

/// Probabilities closer than this to 0 or 1 are treated as 0 or 1 (2000 resamples cannot see
/// them: an outcome this rare turns up once in 500 million comparisons).
const NEGLIGIBLE: f64 = 1e-12;

/// Draws the median of a with-replacement resample of a fixed sample set.
///
/// The resample's median is a discrete random variable: for odd `n` one of the sample values,
/// for even `n` the mean of two. Its distribution is tabulated once (the few hundred values with
/// a non-negligible probability) into a Walker alias table, so each draw costs two random numbers
/// and a comparison.
#[derive(Clone, Debug)]
pub struct MedianSampler {
    median: f64,
    /// The possible resample medians…
    values: Vec<f64>,
    /// …and the alias table over them: entry `i` is kept with probability `keep[i]`, else
    /// replaced by `alias[i]`.
    keep: Vec<f64>,
    alias: Vec<u32>,
}

/// For an even count's median, the case where the `m`-th order statistic has rank `a` and the
/// `(m+1)`-th lies above it (probability `moved`): exactly `m` draws fell at or below rank `a`,
/// and the other `k = n − m` are uniform over the `r` ranks above it, so the `(m+1)`-th is their
/// smallest, `P(gap ≥ t) = ((r − t) / r)^k`. Pushes each possible midpoint with its probability.
fn push_gaps(
    sorted: &[f64],
    a: usize,
    m: usize,
    moved: f64,
    values: &mut Vec<f64>,
    probs: &mut Vec<f64>,
) {
    let n = sorted.len();
    let (r, k) = (n - 1 - a, (n - m) as i32);
    let mut at_least = 1.0;
    for t in 0..r {
        let next = if t + 1 == r {
            0.0
        } else {
            ((r - t - 1) as f64 / r as f64).powi(k)
        };
        let p = moved * (at_least - next);
        if p > 0.0 {
            values.push((sorted[a] + sorted[a + 1 + t]) / 2.0);
            probs.push(p);
        }
        if next <= NEGLIGIBLE {
            // What is left is below anything a draw can see: give it to this gap.
            if let Some(last) = probs.last_mut() {
                *last += moved * next;
            }
            break;
        }
        at_least = next;
    }
}

impl MedianSampler {
    /// A sampler for `xs`; `None` when `xs` is empty.
    pub fn new(xs: &[f64]) -> Option<Self> {
        if xs.is_empty() {
            return None;
        }
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let even = n.is_multiple_of(2);
        let median = if even {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        } else {
            sorted[n / 2]
        };
        // The median is the m-th order statistic (1-based), averaged with the (m+1)-th for even n.
        let m = if even { n / 2 } else { n.div_ceil(2) };
        let binom = Binomial::new(n);
        // P(rank of the m-th order statistic ≤ j) = P(Bin(n, (j+1)/n) ≥ m).
        let cdf_at = |j: usize| {
            if j + 1 >= n {
                1.0
            } else {
                binom.upper_tail((j + 1) as f64 / n as f64, m)
            }
        };
        let mut a = m - 1;
        while a > 0 && cdf_at(a - 1) > NEGLIGIBLE {
            a -= 1;
        }
        let mut below = if a == 0 { 0.0 } else { cdf_at(a - 1) };
        let (mut values, mut probs) = (Vec::new(), Vec::new());
        loop {
            let cdf = cdf_at(a);
            let last = cdf >= 1.0 - NEGLIGIBLE || a + 1 >= n;
            let p_at = (if last { 1.0 } else { cdf }) - below;
            below = cdf;
            if p_at > 0.0 && !even {
                values.push(sorted[a]);
                probs.push(p_at);
            } else if p_at > 0.0 {
                // The (m+1)-th order statistic has rank a too, or else exactly m draws fell at
                // or below rank a and the other k = n - m are uniform over the r ranks above
                // it: the (m+1)-th is their smallest, P(gap ≥ t) = ((r - t) / r)^k.
                let stay = binom.stay(a, m, p_at);
                values.push(sorted[a]);
                probs.push(p_at * stay);
                let moved = p_at * (1.0 - stay);
                push_gaps(&sorted, a, m, moved, &mut values, &mut probs);
            }
            if last {
                break;
            }
            a += 1;
        }
        let (keep, alias) = alias_table(&probs);
        Some(MedianSampler {
            median,
            values,
            keep,
            alias,
        })
    }

    /// The sample set's own median.
    pub fn median(&self) -> f64 {
        self.median
    }

    /// One resample's median.
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        let i = rng.below(self.values.len() as u64) as usize;
        let j = if rng.next_f64() < self.keep[i] {
            i
        } else {
            self.alias[i] as usize
        };
        self.values[j]
    }

    /// How many distinct outcomes the table holds.
    pub fn outcomes(&self) -> usize {
        self.values.len()
    }
}

/// Vose's alias method: from probabilities (summing to about 1), a table that draws entry `i`
/// with probability `probs[i]` from one uniform index and one uniform fraction.
fn alias_table(probs: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let k = probs.len();
    let total: f64 = probs.iter().sum();
    let mut scaled: Vec<f64> = probs.iter().map(|p| p * k as f64 / total).collect();
    let mut alias: Vec<u32> = (0..k as u32).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..k).partition(|&i| scaled[i] < 1.0);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        alias[s] = l as u32;
        scaled[l] -= 1.0 - scaled[s];
        if scaled[l] < 1.0 {
            large.pop();
            small.push(l);
        }
    }
    // Left-overs are 1 up to rounding.
    for i in small.into_iter().chain(large) {
        scaled[i] = 1.0;
    }
    (scaled, alias)
}

/// Binomial probabilities for `n` trials, in log space (n may be tens of thousands).
struct Binomial {
    n: usize,
    /// `ln k!` for k = 0..=n.
    ln_fact: Vec<f64>,
}

impl Binomial {
    fn new(n: usize) -> Self {
        let mut ln_fact = Vec::with_capacity(n + 1);
        let mut acc = 0.0;
        ln_fact.push(0.0);
        for k in 1..=n {
            acc += (k as f64).ln();
            ln_fact.push(acc);
        }
        Binomial { n, ln_fact }
    }

    fn ln_choose(&self, k: usize) -> f64 {
        self.ln_fact[self.n] - self.ln_fact[k] - self.ln_fact[self.n - k]
    }

    /// `P(Bin(n, p) ≥ m)` for 0 < p < 1, summing whichever tail is the smaller from its largest
    /// term outward (each term from the last by the ratio of consecutive binomial terms).
    fn upper_tail(&self, p: f64, m: usize) -> f64 {
        let n = self.n;
        if m == 0 {
            return 1.0;
        }
        let odds = p / (1.0 - p);
        let term = |k: usize| {
            (self.ln_choose(k) + k as f64 * p.ln() + (n - k) as f64 * (-p).ln_1p()).exp()
        };
        if (n as f64) * p < m as f64 {
            // Terms fall from k = m upward.
            let (mut t, mut sum) = (term(m), 0.0);
            for k in m..=n {
                sum += t;
                if t <= sum * 1e-17 || k == n {
                    break;
                }
                t *= (n - k) as f64 / (k + 1) as f64 * odds;
            }
            sum.min(1.0)
        } else {
            // Terms fall from k = m - 1 downward.
            let (mut t, mut sum) = (term(m - 1), 0.0);
            for k in (0..m).rev() {
                sum += t;
                if t <= sum * 1e-17 || k == 0 {
                    break;
                }
                t *= k as f64 / (n - k + 1) as f64 / odds;
            }
            (1.0 - sum).max(0.0)
        }
    }

    /// Even n, median of ranks m and m+1: the probability that the (m+1)-th order statistic has
    /// the same rank `a` as the m-th, given that the m-th has rank `a` (probability `p_at`).
    /// It does not when exactly m draws fall at or below rank a and fewer than m below it:
    /// `C(n, m) (1-q)^(n-m) (q^m - (a/n)^m)` with `q = (a+1)/n`.
    fn stay(&self, a: usize, m: usize, p_at: f64) -> f64 {
        let n = self.n;
        if a + 1 >= n || p_at <= 0.0 {
            return 1.0;
        }
        let q = (a + 1) as f64 / n as f64;
        let shrink = (m as f64 * (a as f64 / (a + 1) as f64).ln()).exp_m1(); // (a/(a+1))^m - 1
        let ln_leave =
            self.ln_choose(m) + (n - m) as f64 * (-q).ln_1p() + m as f64 * q.ln() + (-shrink).ln();
        (1.0 - ln_leave.exp() / p_at).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The literal procedure: resample with replacement, sort, take the median.
    fn literal(xs: &[f64], rng: &mut Rng) -> f64 {
        let mut v: Vec<f64> = (0..xs.len())
            .map(|_| xs[rng.below(xs.len() as u64) as usize])
            .collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    }

    /// The largest gap between two empirical distribution functions, over every value either
    /// drew (Kolmogorov–Smirnov distance).
    fn distance(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let cdf = |v: &[f64], x: f64| v.partition_point(|y| *y <= x) as f64 / v.len() as f64;
        a.iter()
            .chain(&b)
            .map(|&x| (cdf(&a, x) - cdf(&b, x)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn draws_match_the_literal_bootstrap() {
        for n in [1usize, 2, 3, 4, 5, 8, 13, 40, 41, 200] {
            let mut g = Rng::new(n as u64);
            // Distinct values and heavy ties both.
            for xs in [
                (0..n)
                    .map(|_| 100.0 + g.next_f64() * 50.0)
                    .collect::<Vec<_>>(),
                (0..n).map(|i| (i % 3) as f64 + 1.0).collect(),
            ] {
                let s = MedianSampler::new(&xs).unwrap();
                let (mut r1, mut r2) = (Rng::new(1), Rng::new(2));
                let fast: Vec<f64> = (0..20_000).map(|_| s.draw(&mut r1)).collect();
                let slow: Vec<f64> = (0..20_000).map(|_| literal(&xs, &mut r2)).collect();
                // Two samples of 20 000 from one distribution: KS distance above 0.02 has
                // probability below 1e-3.
                let d = distance(fast, slow);
                assert!(d < 0.02, "n = {n}: distance {d} from the literal bootstrap");
            }
        }
    }

    #[test]
    fn tables_stay_small() {
        for n in [1usize, 2, 7, 40, 1000, 15_000] {
            let xs: Vec<f64> = (0..n).map(|i| i as f64 + 1.0).collect();
            let s = MedianSampler::new(&xs).unwrap();
            assert!(
                s.outcomes() <= 400 * (n as f64).sqrt() as usize + 100,
                "{n}: {}",
                s.outcomes()
            );
            assert!(s.keep.iter().all(|p| (0.0..=1.0).contains(p)));
            assert!(s.alias.iter().all(|&a| (a as usize) < s.outcomes()));
            let mut rng = Rng::new(3);
            let d = s.draw(&mut rng);
            assert!((1.0..=n as f64).contains(&d));
        }
        assert!(MedianSampler::new(&[]).is_none());
    }
}
