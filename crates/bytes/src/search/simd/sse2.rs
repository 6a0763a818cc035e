//! SSE2 binding of the generic search: 16-byte vectors, available on every x86-64 CPU.
//!
//! SSE2 is part of the x86-64 baseline, but the intrinsics are still `#[target_feature]`
//! functions, so the (always-inlined) trait methods call them in `unsafe` blocks like the other
//! levels do.

use super::generic::{self, Vector};
use std::arch::x86_64::{
    __m128i, _mm_add_epi64, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_movemask_epi8,
    _mm_or_si128, _mm_sad_epu8, _mm_set1_epi8, _mm_setzero_si128, _mm_sub_epi8, _mm_unpackhi_epi64,
};

impl Vector for __m128i {
    const BYTES: usize = 16;

    #[inline(always)]
    unsafe fn splat(byte: u8) -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_set1_epi8(byte as i8) }
    }

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_setzero_si128() }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees 16 readable bytes at `ptr`; `loadu` needs no alignment.
        unsafe { _mm_loadu_si128(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn cmpeq(self, other: Self) -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_cmpeq_epi8(self, other) }
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_or_si128(self, other) }
    }

    #[inline(always)]
    unsafe fn sub_bytes(self, other: Self) -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_sub_epi8(self, other) }
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u64 {
        // SAFETY: the caller guarantees SSE2.
        u64::from(unsafe { _mm_movemask_epi8(self) } as u16)
    }

    #[inline(always)]
    unsafe fn sum_bytes_to_u64(self) -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_sad_epu8(self, _mm_setzero_si128()) }
    }

    #[inline(always)]
    unsafe fn add_u64(self, other: Self) -> Self {
        // SAFETY: the caller guarantees SSE2 (the `Vector` contract; always true on x86-64).
        unsafe { _mm_add_epi64(self, other) }
    }

    #[inline(always)]
    unsafe fn horizontal_sum_u64(self) -> u64 {
        // SAFETY: the caller guarantees SSE2.
        let (lo, hi) = unsafe {
            let hi = _mm_unpackhi_epi64(self, self);
            (_mm_cvtsi128_si64(self) as u64, _mm_cvtsi128_si64(hi) as u64)
        };
        lo.wrapping_add(hi)
    }
}

/// Counts `needle` in `haystack` with SSE2.
#[target_feature(enable = "sse2")]
pub(super) fn count(haystack: &[u8], needle: u8) -> usize {
    // SAFETY: this function is compiled with SSE2 and, being `#[target_feature]`, can only be
    // called (with `unsafe`) by code that has checked the CPU has it.
    unsafe { generic::count::<__m128i>(haystack, needle) }
}

/// Finds the first `needle` in `haystack` with SSE2.
#[target_feature(enable = "sse2")]
pub(super) fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    // SAFETY: as in `count`.
    unsafe { generic::find::<__m128i>(haystack, needle) }
}
