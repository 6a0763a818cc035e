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

/// The SSE2 classifier. A value exists only if SSE2 was detected.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sse2 {
    set: PlainSet,
}

impl Sse2 {
    /// `Some` iff this CPU supports SSE2.
    pub(super) fn new(set: PlainSet) -> Option<Self> {
        std::is_x86_feature_detected!("sse2").then_some(Sse2 { set })
    }

    /// Runs `parser` inside an SSE2-enabled entry function.
    pub(super) fn run<P: ScanParser>(self, input: &[u8], parser: P) -> P::Output {
        // SAFETY: `self` exists only when SSE2 was detected (see `new`).
        unsafe { entry(self, input, parser) }
    }
}

/// The outermost SSE2 function, so the parser's loop is compiled with SSE2 enabled.
///
/// # Safety
/// The CPU must support SSE2.
#[target_feature(enable = "sse2")]
unsafe fn entry<P: ScanParser>(c: Sse2, input: &[u8], parser: P) -> P::Output {
    parser.parse(c, input)
}

impl Classify for Sse2 {
    #[inline(always)]
    fn structural_mask(&self, block: &[u8; 64]) -> u64 {
        // SAFETY: `self` exists only when SSE2 was detected (see `Sse2::new`).
        unsafe { structural_mask::<__m128i>(&self.set, block) }
    }
}
