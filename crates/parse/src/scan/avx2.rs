//! AVX2 binding of the generic classifier: 32-byte registers.

use super::ScanParser;
use super::generic::{Vector, VectorClassifier};
use std::arch::x86_64::{
    __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8, _mm256_sub_epi8,
};

impl Vector for __m256i {
    const LANES: usize = 32;

    #[inline(always)]
    unsafe fn splat(b: u8) -> Self {
        // SAFETY: the trait's contract: AVX2 is available.
        unsafe { _mm256_set1_epi8(b as i8) }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes at `ptr`; loadu needs no alignment.
        unsafe { _mm256_loadu_si256(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn in_range(self, low: Self, span: Self) -> Self {
        // SAFETY: the trait's contract: AVX2 is available.
        unsafe {
            let d = _mm256_sub_epi8(self, low);
            _mm256_cmpeq_epi8(_mm256_min_epu8(d, span), d)
        }
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: the trait's contract: AVX2 is available.
        unsafe { _mm256_or_si256(self, other) }
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u64 {
        // SAFETY: the trait's contract: AVX2 is available.
        u64::from(unsafe { _mm256_movemask_epi8(self) } as u32)
    }
}

/// Runs `P` over the AVX2 classifier: the outermost AVX2 function, so the parser's loop is
/// compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn parse<P: ScanParser>(input: &[u8]) -> P::Output {
    // SAFETY: the caller promises AVX2 (this function's contract).
    P::parse(unsafe { VectorClassifier::<__m256i>::new(P::PLAIN) }, input)
}
