//! AVX2 binding of the generic search: 32-byte vectors.
//!
//! The trait methods are `#[inline(always)]` so that they compile inside the `#[target_feature]`
//! entry points at the bottom; each intrinsic call is `unsafe` because the methods themselves
//! are not compiled with AVX2.

use super::generic::{self, Vector};
use std::arch::x86_64::{
    __m256i, _mm_add_epi64, _mm_cvtsi128_si64, _mm_unpackhi_epi64, _mm256_add_epi64,
    _mm256_castsi256_si128, _mm256_cmpeq_epi8, _mm256_extracti128_si256, _mm256_loadu_si256,
    _mm256_movemask_epi8, _mm256_or_si256, _mm256_sad_epu8, _mm256_set1_epi8, _mm256_setzero_si256,
    _mm256_sub_epi8,
};

impl Vector for __m256i {
    const BYTES: usize = 32;

    #[inline(always)]
    unsafe fn splat(byte: u8) -> Self {
        // SAFETY: the caller guarantees AVX2 (the `Vector` contract).
        unsafe { _mm256_set1_epi8(byte as i8) }
    }

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_setzero_si256() }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees AVX2 and 32 readable bytes at `ptr`; no alignment needed.
        unsafe { _mm256_loadu_si256(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn cmpeq(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_cmpeq_epi8(self, other) }
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_or_si256(self, other) }
    }

    #[inline(always)]
    unsafe fn sub_bytes(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_sub_epi8(self, other) }
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u64 {
        // SAFETY: the caller guarantees AVX2.
        u64::from(unsafe { _mm256_movemask_epi8(self) } as u32)
    }

    #[inline(always)]
    unsafe fn sum_bytes_to_u64(self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_sad_epu8(self, _mm256_setzero_si256()) }
    }

    #[inline(always)]
    unsafe fn add_u64(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX2.
        unsafe { _mm256_add_epi64(self, other) }
    }

    #[inline(always)]
    unsafe fn horizontal_sum_u64(self) -> u64 {
        // SAFETY: the caller guarantees AVX2 (which implies the SSE2 used on the halves).
        unsafe {
            let halves = _mm_add_epi64(
                _mm256_castsi256_si128(self),
                _mm256_extracti128_si256::<1>(self),
            );
            let hi = _mm_unpackhi_epi64(halves, halves);
            (_mm_cvtsi128_si64(halves) as u64).wrapping_add(_mm_cvtsi128_si64(hi) as u64)
        }
    }
}

/// Counts `needle` in `haystack` with AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn count(haystack: &[u8], needle: u8) -> usize {
    // SAFETY: this function is compiled with AVX2 and, being `#[target_feature]`, can only be
    // called (with `unsafe`) by code that has checked the CPU has it.
    unsafe { generic::count::<__m256i>(haystack, needle) }
}

/// Finds the first `needle` in `haystack` with AVX2.
#[target_feature(enable = "avx2")]
pub(super) fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    // SAFETY: as in `count`.
    unsafe { generic::find::<__m256i>(haystack, needle) }
}
