//! AVX2 binding of the generic classifier: 32-byte registers.

use super::generic::{Vector, structural_mask};
use super::{Classify, PlainSet, ScanParser};
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

/// The AVX2 classifier. A value exists only inside [`parse`], whose callers promise the CPU has
/// AVX2; that is a property of the CPU, so it still holds wherever the value is copied.
#[derive(Clone, Copy, Debug)]
struct Avx2 {
    set: PlainSet,
}

/// Runs `P` over the AVX2 classifier: the outermost AVX2 function, so the parser's loop is
/// compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn parse<P: ScanParser>(input: &[u8]) -> P::Output {
    P::parse(Avx2 { set: P::PLAIN }, input)
}

impl Classify for Avx2 {
    #[inline(always)]
    fn structural_mask(&self, block: &[u8; 64]) -> u64 {
        // SAFETY: a `Avx2` exists only when the CPU has AVX2 (see the type's docs).
        unsafe { structural_mask::<__m256i>(&self.set, block) }
    }
}
