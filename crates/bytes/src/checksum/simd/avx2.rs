//! The AVX2 binding: 32-byte vectors, the same instructions as SSSE3 at twice the width.

use super::generic::{self, Vector};
use core::arch::x86_64::*;

/// 32 bytes, viewed as 32-bit lanes by the algorithm.
#[derive(Clone, Copy)]
struct V256(__m256i);

impl Vector for V256 {
    const BYTES: usize = 32;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: AVX2 present and 32 readable bytes at `ptr`; `loadu`
        // allows any alignment.
        V256(unsafe { _mm256_loadu_si256(ptr.cast()) })
    }

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the trait's contract: the caller checked AVX2.
        V256(unsafe { _mm256_setzero_si256() })
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX2.
        V256(unsafe { _mm256_add_epi32(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn byte_sums(self) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX2.
        V256(unsafe { _mm256_sad_epu8(self.0, _mm256_setzero_si256()) })
    }

    #[inline(always)]
    unsafe fn group_weighted8(vs: [Self; 8]) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX2.
        unsafe {
            let weights = _mm256_setr_epi8(
                7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4,
                3, 2, 1, 0,
            );
            // Each 16-bit product pair is at most (7 + 6)·255 = 3315, so the eight vectors'
            // pairs add to at most 26520, below i16::MAX, and one `vpmaddwd` widens them all.
            let mut pairs = _mm256_maddubs_epi16(vs[0].0, weights);
            for v in &vs[1..] {
                pairs = _mm256_add_epi16(pairs, _mm256_maddubs_epi16(v.0, weights));
            }
            V256(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)))
        }
    }

    #[inline(always)]
    unsafe fn lane_weighted(self) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX2. Group ends sit at 7, 15, 23
        // and 31: weights 32 − 7, 32 − 15, 32 − 23, 32 − 31.
        V256(unsafe { _mm256_mul_epu32(self.0, _mm256_setr_epi32(25, 0, 17, 0, 9, 0, 1, 0)) })
    }

    #[inline(always)]
    unsafe fn total(self) -> u32 {
        // SAFETY: the trait's contract: the caller checked AVX2.
        unsafe {
            let v = _mm_add_epi32(
                _mm256_castsi256_si128(self.0),
                _mm256_extracti128_si256::<1>(self.0),
            );
            let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b01_00_11_10>(v));
            let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b10_11_00_01>(v));
            _mm_cvtsi128_si32(v) as u32
        }
    }
}

/// The AVX2 kernel.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn update(adler: u32, data: &[u8]) -> u32 {
    // SAFETY: this function's own contract (AVX2 present) is `update_generic`'s.
    unsafe { generic::update::<V256>(adler, data) }
}
