//! AVX2 binding of the SIMD tokenizer: 32-byte vectors and its `#[target_feature]` entry point.

use super::super::WordfreqOutput;
use super::super::table::count_words;
use super::generic::{Vector, VectorMask};
use std::arch::x86_64::{
    __m256i, _mm256_add_epi8, _mm256_cmpgt_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8,
};

impl Vector for __m256i {
    const BYTES: usize = 32;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 32 readable bytes at `ptr` and AVX2; `loadu` needs no
        // alignment.
        unsafe { _mm256_loadu_si256(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn word_bits(self) -> u64 {
        // SAFETY: the caller guarantees AVX2. Same range tests as SSE2 (see the parent module);
        // AVX2 has only `cmpgt`, so `a < b` is written `b > a`.
        unsafe {
            let digit = _mm256_cmpgt_epi8(
                _mm256_set1_epi8(-118),
                _mm256_add_epi8(self, _mm256_set1_epi8(0x50)),
            );
            let folded = _mm256_or_si256(self, _mm256_set1_epi8(0x20));
            let letter = _mm256_cmpgt_epi8(
                _mm256_set1_epi8(-102),
                _mm256_add_epi8(folded, _mm256_set1_epi8(0x1F)),
            );
            u64::from(_mm256_movemask_epi8(_mm256_or_si256(digit, letter)) as u32)
        }
    }
}

/// Counts `text` with AVX2 classification.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn count(text: &[u8]) -> WordfreqOutput {
    // SAFETY: the caller promises AVX2 (this function's contract).
    count_words(text, &unsafe { VectorMask::<__m256i>::new() })
}
