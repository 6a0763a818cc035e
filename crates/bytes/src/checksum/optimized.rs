//! Scalar Adler-32 made fast: deferred modulo and four independent lanes.
//!
//! Two ideas, no `unsafe`. First, the sums cannot overflow a `u32` within [`NMAX`] bytes, so the
//! two divisions per byte become two per 5552 bytes. Second, the naive loop is one long
//! dependency chain (`a` feeds `b` feeds nothing else but waits for `a`); splitting the bytes
//! into four interleaved lanes, each with its own `a` and `b`, gives the CPU four chains to run
//! side by side. The lanes are recombined exactly: for a run of `n` bytes in groups of four, a
//! byte at offset `g = 4i + j` must be weighted `n − g`, and lane `j`'s `b` weights it `n/4 − i`,
//! so `b += 4·Σ b_j − Σ j·a_j`.

use super::{MOD, NMAX, join, split};

/// The optimized scalar kernel.
pub struct Optimized;

/// Bytes per unrolled step: four groups of four lanes.
const STEP: usize = 16;
/// Bytes per reduction: the largest multiple of [`STEP`] not above [`NMAX`] (5552 itself).
const BLOCK: usize = NMAX / STEP * STEP;

/// Continues `adler` over `data`.
pub fn update(adler: u32, data: &[u8]) -> u32 {
    let (mut a, mut b) = split(adler);
    for block in data.chunks(BLOCK) {
        let steps = block.chunks_exact(STEP);
        let tail = steps.remainder();
        let mut lane_a = [0u32; 4];
        let mut lane_b = [0u32; 4];
        for step in steps {
            for group in step.chunks_exact(4) {
                for j in 0..4 {
                    lane_a[j] += u32::from(group[j]);
                    lane_b[j] += lane_a[j];
                }
            }
        }
        // Recombine in u64: `4·Σ b_j` alone may exceed u32 before `Σ j·a_j` is taken off.
        let n = (block.len() - tail.len()) as u64;
        let sum_a: u64 = lane_a.iter().map(|&x| u64::from(x)).sum();
        let sum_b: u64 = lane_b.iter().map(|&x| u64::from(x)).sum();
        let skew: u64 = (0..4u64).map(|j| j * u64::from(lane_a[j as usize])).sum();
        let mut wide_a = u64::from(a) + sum_a;
        let mut wide_b = u64::from(b) + n * u64::from(a) + 4 * sum_b - skew;
        for &byte in tail {
            wide_a += u64::from(byte);
            wide_b += wide_a;
        }
        a = (wide_a % u64::from(MOD)) as u32;
        b = (wide_b % u64::from(MOD)) as u32;
    }
    join(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_naive_across_block_edges() {
        let data: Vec<u8> = (0..3 * BLOCK as u32 + 37)
            .map(|i| (i * 31 + 7) as u8)
            .collect();
        for len in [
            0,
            1,
            3,
            4,
            15,
            16,
            17,
            100,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            data.len(),
        ] {
            let slice = &data[..len];
            assert_eq!(
                update(1, slice),
                super::super::naive::update(1, slice),
                "{len}"
            );
        }
        let ones = vec![0xFF; 1 << 20];
        assert_eq!(update(1, &ones), super::super::naive::update(1, &ones));
    }
}
