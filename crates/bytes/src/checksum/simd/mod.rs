//! Adler-32 with `std::arch` vectors: the algorithm once, over a small `Vector` trait, and thin
//! per-ISA bindings (SSSE3, AVX2, AVX-512BW, AVX-512 VNNI) chosen by runtime detection.
//!
//! For a run of `n` bytes `d_0 … d_{n−1}` starting from sums `(a, b)`:
//! `a' = a + Σ d_g` and `b' = b + n·a + Σ (n − g)·d_g`. Split the run into `W`-byte vectors
//! `v_k`; a byte at lane `i` of vector `k` (of `N`) has weight `(n − g) = W·(N−1−k) + (W − i)`.
//! So per vector we need (1) its byte sum (`psadbw` against zero), (2) its bytes times the fixed
//! weights `W … 1` (`pmaddubsw` + `pmaddwd`, or one VNNI `vpdpbusd`), and (3) for the
//! `W·(N−1−k)` part, the running byte sum of the vectors before it, accumulated once per vector
//! and scaled by `W` at the end. The sums stay exact in 32-bit lanes for up to [`NMAX`] bytes,
//! so the two divisions happen once per block.
//!
//! Speed comes from the loop shape in `sum_block`: four vectors per step, with the
//! "vectors before me" term split into a per-step part (the sum before the step, scaled `4W`)
//! and an in-step part (`3·t0 + 2·t1 + t2`, scaled `W`), so no accumulator carries a chain of
//! four dependent adds per step; and the two weighted products of a pair of vectors are added as
//! 16-bit values before one widening `pmaddwd` where they cannot overflow (SSSE3, AVX2).
//!
//! The loop is bound by vector-ALU throughput, not latency: per 128 bytes at AVX2 it issues 22
//! vector operations (4 `psadbw`, 4 `pmaddubsw`, 2 `pmaddwd`, 12 adds) where the classic
//! one-vector loop issues 24, which is about the 1.15× we measure over `simd-adler32` on Zen 3.
//! Every byte needs a `psadbw` share and a `pmaddubsw` share, and the prefix term costs two adds
//! per vector however it is arranged, so the remaining headroom on AVX2 is small; VNNI
//! (`vpdpbusd`) is where a real step down in work is.

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
    /// `Σ (W − i)·x_i + Σ (W − i)·y_i`, spread over 32-bit lanes.
    unsafe fn weighted_sum2(x: Self, y: Self) -> Self;
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
    // A multiple of the four-vector step, so that only the last block has a ragged end.
    let block_len = NMAX / (4 * V::BYTES) * (4 * V::BYTES);
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
    // `V::BYTES` bytes at an offset `k·V::BYTES` with `k < 4` inside a `4·V::BYTES`-byte chunk,
    // or at the start of a `V::BYTES`-byte chunk.
    unsafe {
        // Byte sums of all vectors so far.
        let mut s1 = V::zero();
        // Σ over steps of `s1` before the step: weighs every earlier byte by `4W` per step.
        let mut before_step = V::zero();
        // Σ over vectors of the byte sums of earlier vectors in the same step: weight `W`.
        let mut in_step = V::zero();
        // Σ of the in-vector weights `W … 1` times the bytes.
        let mut s2 = V::zero();
        let mut steps = block.chunks_exact(4 * V::BYTES);
        for step in &mut steps {
            let p = step.as_ptr();
            let v0 = V::load(p);
            let v1 = V::load(p.add(V::BYTES));
            let v2 = V::load(p.add(2 * V::BYTES));
            let v3 = V::load(p.add(3 * V::BYTES));
            let t0 = v0.byte_sums();
            let t01 = t0.add(v1.byte_sums());
            let t012 = t01.add(v2.byte_sums());
            before_step = before_step.add(s1);
            in_step = in_step.add(t0.add(t01).add(t012));
            s1 = s1.add(t012.add(v3.byte_sums()));
            s2 = s2.add(V::weighted_sum2(v0, v1).add(V::weighted_sum2(v2, v3)));
        }
        let mut singles = steps.remainder().chunks_exact(V::BYTES);
        for single in &mut singles {
            let v = V::load(single.as_ptr());
            in_step = in_step.add(s1);
            s1 = s1.add(v.byte_sums());
            s2 = s2.add(V::weighted_sum2(v, V::zero()));
        }
        let tail = singles.remainder();
        // No step below overflows: every term is part of the final `b`, which NMAX keeps
        // below 2^32.
        let n = (block.len() - tail.len()) as u32;
        let w = V::BYTES as u32;
        let mut a2 = a + s1.total();
        let mut b2 = b + n * a + 4 * w * before_step.total() + w * in_step.total() + s2.total();
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
