//! The Adler-32 algorithm, written once over the small [`Vector`] trait that `ssse3.rs`,
//! `avx2.rs` and `avx512.rs` bind to their registers (and `emulated.rs`, in tests, to a plain
//! byte array of any width). The parent module explains the arithmetic.
// Only the x86_64 bindings instantiate it outside tests so far.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use super::super::{MOD, NMAX, join, split};

/// What the algorithm needs from a vector of `BYTES` bytes holding 32-bit lanes.
///
/// # Safety
/// Every method may use the instructions of the implementing type's ISA: callers must have
/// checked that the CPU supports it. `load` also needs `BYTES` readable bytes at `ptr`.
pub(super) trait Vector: Copy {
    /// Bytes per vector (`W` in the module docs).
    const BYTES: usize;
    /// Reads `BYTES` bytes from `ptr` (any alignment).
    unsafe fn load(ptr: *const u8) -> Self;
    /// All zero.
    unsafe fn zero() -> Self;
    /// Lane-wise wrapping add of 32-bit lanes.
    unsafe fn add(self, other: Self) -> Self;
    /// The sum of the bytes in each group of 8, in the low 32 bits of each 64-bit lane (the
    /// high 32 bits zero), so the result adds as 32-bit lanes.
    unsafe fn byte_sums(self) -> Self;
    /// `Σ_v Σ_i (7 − i mod 8)·v_i` over the eight vectors: each byte weighted by its distance
    /// from the end of its 8-byte group, spread over 32-bit lanes.
    unsafe fn group_weighted8(vs: [Self; 8]) -> Self;
    /// Each 64-bit lane `k`'s low 32 bits times `W − 8k − 7` (the weight the group's end has
    /// within the vector), as 64-bit products whose high halves are zero for our inputs.
    unsafe fn lane_weighted(self) -> Self;
    /// The wrapping sum of all 32-bit lanes.
    unsafe fn total(self) -> u32;
}

/// The whole algorithm for one ISA: blocks of at most [`NMAX`] bytes, reduced after each.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(super) unsafe fn update<V: Vector>(adler: u32, data: &[u8]) -> u32 {
    let (mut a, mut b) = split(adler);
    // A multiple of the eight-vector step, so that only the last block has a ragged end.
    let block_len = NMAX / (8 * V::BYTES) * (8 * V::BYTES);
    for block in data.chunks(block_len) {
        // SAFETY: the caller guarantees V's ISA; `block` is at most NMAX bytes and `a`, `b` are
        // reduced, which is all `sum_block` needs to stay exact.
        let (block_a, block_b) = unsafe { sum_block::<V>(a, b, block) };
        a = block_a % MOD;
        b = block_b % MOD;
    }
    join(a, b)
}

/// The unreduced sums after `block` (at most [`NMAX`] bytes), starting from reduced `a`, `b`.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
unsafe fn sum_block<V: Vector>(a: u32, b: u32, block: &[u8]) -> (u32, u32) {
    debug_assert!(block.len() <= NMAX && a < MOD && b < MOD);
    // SAFETY: for every `V::` call below, the caller guarantees V's ISA, and each `load` reads
    // `V::BYTES` bytes at an offset `k·V::BYTES` with `k < 8` inside an `8·V::BYTES`-byte chunk,
    // or at the start of a `V::BYTES`-byte chunk.
    unsafe {
        // Byte sums of all vectors so far, per 8-byte group position.
        let mut s1 = V::zero();
        // Σ over half-steps of `s1` before the half-step: every earlier byte weighted `4W`.
        let mut before = V::zero();
        // Σ over vectors of the byte sums of earlier vectors in the same half-step: weight `W`.
        let mut within = V::zero();
        // Σ of the in-group weights `7 … 0` times the bytes.
        let mut s2 = V::zero();
        let mut steps = block.chunks_exact(8 * V::BYTES);
        for step in &mut steps {
            let p = step.as_ptr();
            let mut vs = [V::zero(); 8];
            for (k, v) in vs.iter_mut().enumerate() {
                *v = V::load(p.add(k * V::BYTES));
            }
            for half in [&vs[..4], &vs[4..]] {
                let t0 = half[0].byte_sums();
                let t01 = t0.add(half[1].byte_sums());
                let t012 = t01.add(half[2].byte_sums());
                before = before.add(s1);
                within = within.add(t0.add(t01).add(t012));
                s1 = s1.add(t012.add(half[3].byte_sums()));
            }
            s2 = s2.add(V::group_weighted8(vs));
        }
        let mut singles = steps.remainder().chunks_exact(V::BYTES);
        for single in &mut singles {
            let v = V::load(single.as_ptr());
            within = within.add(s1);
            s1 = s1.add(v.byte_sums());
            let mut vs = [V::zero(); 8];
            vs[0] = v;
            s2 = s2.add(V::group_weighted8(vs));
        }
        let tail = singles.remainder();
        // No step below overflows: every term is part of the final `b`, which NMAX keeps
        // below 2^32.
        let n = (block.len() - tail.len()) as u32;
        let w = V::BYTES as u32;
        let mut a2 = a + s1.total();
        // A byte at offset `i = 8g + j` of its vector has in-vector weight
        // `W − i = (W − 8g − 7) + (7 − j)`: `s2` holds the second part, the first is applied
        // here once per block to the per-group byte sums in `s1`.
        let in_vector = s2.total() + s1.lane_weighted().total();
        let mut b2 = b + n * a + 4 * w * before.total() + w * within.total() + in_vector;
        for &byte in tail {
            a2 += u32::from(byte);
            b2 += a2;
        }
        (a2, b2)
    }
}
