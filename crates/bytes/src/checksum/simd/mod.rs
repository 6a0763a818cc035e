//! Adler-32 with `std::arch` vectors: the algorithm once, over a small `Vector` trait, and thin
//! per-ISA bindings (SSSE3, AVX2, AVX-512BW, AVX-512 VNNI) chosen by runtime detection.
//!
//! For a run of `n` bytes `d_0 … d_{n−1}` starting from sums `(a, b)`:
//! `a' = a + Σ d_g` and `b' = b + n·a + Σ (n − g)·d_g`. Split the run into `W`-byte vectors
//! `v_k`; a byte at lane `i` of vector `k` (of `N`) has weight `(n − g) = W·(N−1−k) + (W − i)`.
//! The first part needs, per vector, its byte sum (`psadbw` against zero, which leaves one sum
//! per 8-byte group) and the running sum of the vectors before it, scaled by `W` once at the
//! end. The second part splits again, with `i = 8g + j`: `W − i = (W − 8g − 7) + (7 − j)`.
//! `(W − 8g − 7)` depends only on the group, so it is applied once per block to the per-group
//! byte sums `psadbw` already gave us (one `pmuludq`); `(7 − j)` is a tiny weight, so
//! `pmaddubsw` products of eight vectors can be added as 16-bit values (at most 8·13·255 =
//! 26520) before one widening `pmaddwd` (or, with VNNI, `vpdpbusd` does it all). The sums stay
//! exact in 32-bit lanes for up to [`NMAX`] bytes, so the two divisions happen once per block.
//!
//! The loop (`sum_block`) takes eight vectors per step, as two halves whose "vectors before me"
//! term is split into a per-half part (the sum before it, scaled `4W`) and an in-half part
//! (`3·t0 + 2·t1 + t2`, scaled `W`), so no accumulator carries a long chain of dependent adds.
//!
//! The loop is bound by vector-ALU throughput, and mostly by the multiplier-class operations
//! (`psadbw`, `pmaddubsw`, `pmaddwd`): per 256 bytes at AVX2 it issues 8 + 8 + 1 of them where
//! the classic one-vector loop (`simd-adler32`) issues 8 + 8 + 8. Every byte still needs a share
//! of a `psadbw` and of a `pmaddubsw`, and the prefix term costs two adds per vector however it
//! is arranged, so the headroom left on AVX2 is small; VNNI is where the next real step is.

use super::{Adler32Output, Checksum, INITIAL, MOD, NMAX, join, optimized, output, split};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod ssse3;

#[cfg(test)]
mod model;

/// One instruction-set level of the SIMD kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// 16-byte vectors: `psadbw`, `pmaddubsw`, `pmaddwd`.
    Ssse3,
    /// 32-byte vectors, same instructions.
    Avx2,
    /// 64-byte vectors (AVX-512F + BW).
    Avx512,
    /// 64-byte vectors with VNNI `vpdpbusd` doing the weighted sum in one instruction.
    Avx512Vnni,
}

/// The safe face of one level's kernel: continues a checksum.
pub type UpdateFn = fn(u32, &[u8]) -> u32;

impl Level {
    /// Every level, narrowest first (the order the family lists them).
    pub const ALL: [Level; 4] = [Level::Ssse3, Level::Avx2, Level::Avx512, Level::Avx512Vnni];

    /// The variant name, e.g. `simd-avx2`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Ssse3 => "simd-ssse3",
            Level::Avx2 => "simd-avx2",
            Level::Avx512 => "simd-avx512",
            Level::Avx512Vnni => "simd-avx512vnni",
        }
    }

    /// Whether this CPU has every feature the level uses (runtime detection; std caches it).
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            match self {
                Level::Ssse3 => ssse3::is_supported(),
                Level::Avx2 => avx2::is_supported(),
                Level::Avx512 => avx512::bw_is_supported(),
                Level::Avx512Vnni => avx512::vnni_is_supported(),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// The level's kernel as a safe function, or `None` when this CPU lacks its features.
    pub fn update_fn(self) -> Option<UpdateFn> {
        if !self.is_supported() {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        {
            Some(match self {
                Level::Ssse3 => ssse3::update_detected,
                Level::Avx2 => avx2::update_detected,
                Level::Avx512 => avx512::update_bw_detected,
                Level::Avx512Vnni => avx512::update_vnni_detected,
            })
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            None
        }
    }

    /// Continues `adler` over `data` at this level, or `None` when this CPU lacks its features.
    /// Tests call this to exercise each level directly.
    pub fn update(self, adler: u32, data: &[u8]) -> Option<u32> {
        self.update_fn().map(|f| f(adler, data))
    }

    /// The widest supported level, if any.
    pub fn best() -> Option<Level> {
        Level::ALL.into_iter().rev().find(|l| l.is_supported())
    }
}

/// One SIMD level as a kernel of the family.
pub struct Simd {
    level: Level,
    update: Option<UpdateFn>,
}

impl Simd {
    /// The kernel for `level`; detection happens here, once, not in the timed loop.
    pub fn new(level: Level) -> Self {
        Simd {
            level,
            update: level.update_fn(),
        }
    }
}

impl Kernel<Checksum> for Simd {
    fn name(&self) -> &'static str {
        self.level.name()
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }
    fn supported(&self) -> bool {
        self.update.is_some()
    }
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> Adler32Output {
        perflab_core::scope!("checksum/simd", self.name());
        // The harness never runs an unsupported kernel; should anyone else, answer correctly.
        let update = self.update.unwrap_or(optimized::update);
        output(update(INITIAL, input.as_slice()))
    }
}

/// What the algorithm needs from a vector of `BYTES` bytes holding 32-bit lanes.
///
/// # Safety
/// Every method may use the instructions of the implementing type's ISA: callers must have
/// checked that the CPU supports it. `load` also needs `BYTES` readable bytes at `ptr`.
trait Vector: Copy {
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
unsafe fn update_generic<V: Vector>(adler: u32, data: &[u8]) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_level_matches_naive() {
        let data: Vec<u8> = (0..40_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for level in Level::ALL {
            for len in [0, 1, 63, 64, 65, 255, 256, 257, 5551, 5552, 5553, 40_000] {
                let want = super::super::naive::update(1, &data[..len]);
                if let Some(got) = level.update(1, &data[..len]) {
                    assert_eq!(got, want, "{} at {len}", level.name());
                }
            }
        }
    }

    #[test]
    fn best_is_supported() {
        if let Some(level) = Level::best() {
            assert!(level.is_supported());
            assert!(level.update_fn().is_some());
        }
    }
}
