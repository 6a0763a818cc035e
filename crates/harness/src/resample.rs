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

/// Probabilities closer than this to 0 or 1 are treated as 0 or 1 (they are below what 2000
/// resamples can see by many orders of magnitude).
const NEGLIGIBLE: f64 = 1e-15;

/// Draws the median of a with-replacement resample of a fixed sample set.
#[derive(Clone, Debug)]
pub struct MedianSampler {
    sorted: Vec<f64>,
    /// The lowest rank with a non-negligible probability of being the `m`-th order statistic.
    lo: usize,
    /// `cdf[i] = P(rank of the m-th order statistic ≤ lo + i)`; the last entry is 1.
    cdf: Vec<f64>,
    /// Even sizes: `stay[i] = P(the (m+1)-th order statistic has the same rank | the m-th has
    /// rank lo + i)`.
    stay: Vec<f64>,
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
        // The median is the m-th order statistic (1-based), averaged with the (m+1)-th for even n.
        let m = if n % 2 == 1 { n.div_ceil(2) } else { n / 2 };
        let binom = Binomial::new(n);
        let cdf_at = |j: usize| {
            if j + 1 >= n {
                1.0
            } else {
                binom.upper_tail((j + 1) as f64 / n as f64, m)
            }
        };
        let mid = m - 1;
        let mut lo = mid;
        while lo > 0 && cdf_at(lo - 1) > NEGLIGIBLE {
            lo -= 1;
        }
        let mut cdf = Vec::new();
        let mut j = lo;
        loop {
            let c = cdf_at(j);
            if c >= 1.0 - NEGLIGIBLE || j + 1 >= n {
                cdf.push(1.0);
                break;
            }
            cdf.push(c);
            j += 1;
        }
        let stay = if n.is_multiple_of(2) {
            (0..cdf.len())
                .map(|i| {
                    let a = lo + i;
                    let below = match (i, a) {
                        (0, 0) => 0.0,
                        (0, _) => cdf_at(a - 1),
                        _ => cdf[i - 1],
                    };
                    let p_at = cdf[i] - below;
                    binom.stay(a, m, p_at)
                })
                .collect()
        } else {
            Vec::new()
        };
        Some(MedianSampler {
            sorted,
            lo,
            cdf,
            stay,
        })
    }

    /// The sample set's own median.
    pub fn median(&self) -> f64 {
        let n = self.sorted.len();
        if n % 2 == 1 {
            self.sorted[n / 2]
        } else {
            (self.sorted[n / 2 - 1] + self.sorted[n / 2]) / 2.0
        }
    }

    /// One resample's median.
    pub fn draw(&self, rng: &mut Rng) -> f64 {
        let n = self.sorted.len();
        let u = rng.next_f64();
        let i = self
            .cdf
            .partition_point(|&c| c <= u)
            .min(self.cdf.len() - 1);
        let a = self.lo + i;
        if n % 2 == 1 {
            return self.sorted[a];
        }
        let next = if rng.next_f64() < self.stay[i] || a + 1 >= n {
            a
        } else {
            // Exactly m draws are at or below rank a; the other n - m are uniform over the ranks
            // above it, and the (m+1)-th order statistic is the smallest of them.
            let (r, k) = ((n - 1 - a) as f64, (n - n / 2) as f64);
            let v = 1.0 - rng.next_f64(); // in (0, 1]
            let t = (r * (1.0 - v.powf(1.0 / k))).floor() as usize;
            a + 1 + t.min(n - 2 - a)
        };
        (self.sorted[a] + self.sorted[next]) / 2.0
    }
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

    /// `P(Bin(n, p) = k)`.
    fn pmf(&self, p: f64, k: usize) -> f64 {
        let n = self.n;
        if p <= 0.0 {
            return f64::from(u8::from(k == 0));
        }
        if p >= 1.0 {
            return f64::from(u8::from(k == n));
        }
        (self.ln_choose(k) + k as f64 * p.ln() + (n - k) as f64 * (-p).ln_1p()).exp()
    }

    /// `P(Bin(n, p) ≥ m)`, summing whichever tail is the smaller from its largest term outward.
    fn upper_tail(&self, p: f64, m: usize) -> f64 {
        let n = self.n;
        if m == 0 {
            return 1.0;
        }
        let sum_from = |ks: &mut dyn Iterator<Item = usize>| {
            let mut sum = 0.0;
            for k in ks {
                let t = self.pmf(p, k);
                sum += t;
                if t <= sum * 1e-17 {
                    break;
                }
            }
            sum
        };
        if (n as f64) * p < m as f64 {
            // Terms fall from k = m upward.
            sum_from(&mut (m..=n)).min(1.0)
        } else {
            // Terms fall from k = m - 1 downward.
            (1.0 - sum_from(&mut (0..m).rev())).max(0.0)
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
    fn tables_stay_small_and_sum_to_one() {
        for n in [1usize, 2, 7, 1000, 15_000] {
            let xs: Vec<f64> = (0..n).map(|i| i as f64 + 1.0).collect();
            let s = MedianSampler::new(&xs).unwrap();
            assert_eq!(s.cdf.last(), Some(&1.0));
            assert!(s.cdf.windows(2).all(|w| w[0] <= w[1]), "{n}");
            assert!(
                s.cdf.len() <= 20 + 8 * (n as f64).sqrt() as usize,
                "{n}: {}",
                s.cdf.len()
            );
            assert!(s.stay.iter().all(|p| (0.0..=1.0).contains(p)));
        }
        assert!(MedianSampler::new(&[]).is_none());
    }
}
