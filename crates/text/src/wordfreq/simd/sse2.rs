//! SSE2 binding of the SIMD tokenizer: 16-byte vectors and its `#[target_feature]` entry point.

use super::super::WordfreqOutput;
use super::super::table::count_words;
use super::generic::{Vector, VectorMask};
use std::arch::x86_64::{
    __m128i, _mm_add_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi8,
};

impl Vector for __m128i {
    const BYTES: usize = 16;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at `ptr` and SSE2; `loadu` needs no
        // alignment.
        unsafe { _mm_loadu_si128(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn word_bits(self) -> u64 {
        // SAFETY: the caller guarantees SSE2. See the parent module for the range tricks:
        // `x + 0x50` maps '0'..='9' to -128..=-119; `(x | 0x20) + 0x1F` maps 'a'..='z' to
        // -128..=-103 (as i8), and no other byte lands in those ranges.
        unsafe {
            let digit =
                _mm_cmplt_epi8(_mm_add_epi8(self, _mm_set1_epi8(0x50)), _mm_set1_epi8(-118));
            let folded = _mm_or_si128(self, _mm_set1_epi8(0x20));
            let letter = _mm_cmplt_epi8(
                _mm_add_epi8(folded, _mm_set1_epi8(0x1F)),
                _mm_set1_epi8(-102),
            );
            u64::from(_mm_movemask_epi8(_mm_or_si128(digit, letter)) as u16)
        }
    }
}

/// Counts `text` with SSE2 classification.
///
/// # Safety
/// The CPU must support SSE2.
#[target_feature(enable = "sse2")]
pub(super) unsafe fn count(text: &[u8]) -> WordfreqOutput {
    // SAFETY: the caller promises SSE2 (this function's contract).
    count_words(text, &unsafe { VectorMask::<__m128i>::new() })
}
