//! SSE2 binding of the generic classifier: 16-byte registers.

use super::ScanParser;
use super::generic::{Vector, VectorClassifier};
use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi8, _mm_sub_epi8,
};

impl Vector for __m128i {
    const LANES: usize = 16;

    #[inline(always)]
    unsafe fn splat(b: u8) -> Self {
        // SAFETY: the trait's contract: SSE2 is available.
        unsafe { _mm_set1_epi8(b as i8) }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at `ptr`; loadu needs no alignment.
        unsafe { _mm_loadu_si128(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn in_range(self, low: Self, span: Self) -> Self {
        // SAFETY: the trait's contract: SSE2 is available.
        unsafe {
            let d = _mm_sub_epi8(self, low);
            _mm_cmpeq_epi8(_mm_min_epu8(d, span), d)
        }
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: the trait's contract: SSE2 is available.
        unsafe { _mm_or_si128(self, other) }
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u64 {
        // SAFETY: the trait's contract: SSE2 is available.
        u64::from(unsafe { _mm_movemask_epi8(self) } as u16)
    }
}

/// Runs `P` over the SSE2 classifier: the outermost SSE2 function, so the parser's loop is
/// compiled with SSE2 enabled.
///
/// # Safety
/// The CPU must support SSE2.
#[target_feature(enable = "sse2")]
pub(super) unsafe fn parse<P: ScanParser>(input: &[u8]) -> P::Output {
    // SAFETY: the caller promises SSE2 (this function's contract).
    P::parse(unsafe { VectorClassifier::<__m128i>::new(P::PLAIN) }, input)
}
