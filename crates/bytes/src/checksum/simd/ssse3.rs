//! The SSSE3 binding: 16-byte vectors. `pmaddubsw` is SSSE3; everything else is SSE2.

use super::generic::{self, Vector};
use core::arch::x86_64::*;

/// 16 bytes, viewed as 32-bit lanes by the algorithm.
#[derive(Clone, Copy)]
struct V128(__m128i);

impl Vector for V128 {
    const BYTES: usize = 16;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: 16 readable bytes at `ptr`; `loadu` allows any alignment.
        V128(unsafe { _mm_loadu_si128(ptr.cast()) })
    }

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: SSE2 is part of x86_64.
        V128(unsafe { _mm_setzero_si128() })
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: SSE2 is part of x86_64.
        V128(unsafe { _mm_add_epi32(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn byte_sums(self) -> Self {
        // SAFETY: SSE2 is part of x86_64.
        V128(unsafe { _mm_sad_epu8(self.0, _mm_setzero_si128()) })
    }

    #[inline(always)]
    unsafe fn group_weighted8(vs: [Self; 8]) -> Self {
        // SAFETY: the trait's contract: the caller checked SSSE3.
        unsafe {
            let weights = _mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1, 0);
            // Each 16-bit product pair is at most (7 + 6)·255 = 3315, so the eight vectors'
            // pairs add to at most 26520, below i16::MAX, and one `pmaddwd` widens them all.
            let mut pairs = _mm_maddubs_epi16(vs[0].0, weights);
            for v in &vs[1..] {
                pairs = _mm_add_epi16(pairs, _mm_maddubs_epi16(v.0, weights));
            }
            V128(_mm_madd_epi16(pairs, _mm_set1_epi16(1)))
        }
    }

    #[inline(always)]
    unsafe fn lane_weighted(self) -> Self {
        // SAFETY: SSE2 is part of x86_64. Group ends sit at 7 and 15: weights 16 − 7, 16 − 15.
        V128(unsafe { _mm_mul_epu32(self.0, _mm_setr_epi32(9, 0, 1, 0)) })
    }

    #[inline(always)]
    unsafe fn total(self) -> u32 {
        // SAFETY: SSE2 is part of x86_64.
        unsafe {
            let v = _mm_add_epi32(self.0, _mm_shuffle_epi32::<0b01_00_11_10>(self.0));
            let v = _mm_add_epi32(v, _mm_shuffle_epi32::<0b10_11_00_01>(v));
            _mm_cvtsi128_si32(v) as u32
        }
    }
}

/// The SSSE3 kernel.
///
/// # Safety
/// The CPU must support SSSE3.
#[target_feature(enable = "ssse3")]
pub(super) unsafe fn update(adler: u32, data: &[u8]) -> u32 {
    // SAFETY: this function's own contract (SSSE3 present) is `update_generic`'s.
    unsafe { generic::update::<V128>(adler, data) }
}
