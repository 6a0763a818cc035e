//! SSE2 binding of the generic classifier: 16-byte registers.

use super::generic::{Vector, structural_mask};
use super::{Classify, PlainSet, ScanParser};
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

/// The SSE2 classifier. A value exists only inside [`parse`], whose callers promise the CPU has
/// SSE2; that is a property of the CPU, so it still holds wherever the value is copied.
#[derive(Clone, Copy, Debug)]
struct Sse2 {
    set: PlainSet,
}

/// Runs `P` over the SSE2 classifier: the outermost SSE2 function, so the parser's loop is
/// compiled with SSE2 enabled.
///
/// # Safety
/// The CPU must support SSE2.
#[target_feature(enable = "sse2")]
pub(super) unsafe fn parse<P: ScanParser>(input: &[u8]) -> P::Output {
    P::parse(Sse2 { set: P::PLAIN }, input)
}

impl Classify for Sse2 {
    #[inline(always)]
    fn structural_mask(&self, block: &[u8; 64]) -> u64 {
        // SAFETY: a `Sse2` exists only when the CPU has SSE2 (see the type's docs).
        unsafe { structural_mask::<__m128i>(&self.set, block) }
    }
}
