//! AVX-512BW binding of the generic search: 64-byte vectors.
//!
//! AVX-512 compares produce a 64-bit mask rather than a vector; `cmpeq` turns it back into a
//! vector of 0xFF/0x00 bytes (`vpmovm2b`) so that the generic algorithms stay the same, and
//! `movemask` is `vpmovb2m`. Dispatched only where AVX-512F and AVX-512BW are detected.

use super::generic::{self, Vector};
use std::arch::x86_64::{
    __m512i, _mm512_add_epi64, _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_movepi8_mask,
    _mm512_movm_epi8, _mm512_or_si512, _mm512_reduce_add_epi64, _mm512_sad_epu8, _mm512_set1_epi8,
    _mm512_setzero_si512, _mm512_sub_epi8,
};

impl Vector for __m512i {
    const BYTES: usize = 64;

    #[inline(always)]
    unsafe fn splat(byte: u8) -> Self {
        // SAFETY: the caller guarantees AVX-512F (the `Vector` contract).
        unsafe { _mm512_set1_epi8(byte as i8) }
    }

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the caller guarantees AVX-512F.
        unsafe { _mm512_setzero_si512() }
    }

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the caller guarantees AVX-512F and 64 readable bytes at `ptr`; no alignment
        // is needed by `loadu`.
        unsafe { _mm512_loadu_si512(ptr.cast()) }
    }

    #[inline(always)]
    unsafe fn cmpeq(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX-512BW.
        unsafe { _mm512_movm_epi8(_mm512_cmpeq_epi8_mask(self, other)) }
    }

    #[inline(always)]
    unsafe fn or(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX-512F.
        unsafe { _mm512_or_si512(self, other) }
    }

    #[inline(always)]
    unsafe fn sub_bytes(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX-512BW.
        unsafe { _mm512_sub_epi8(self, other) }
    }

    #[inline(always)]
    unsafe fn movemask(self) -> u64 {
        // SAFETY: the caller guarantees AVX-512BW.
        unsafe { _mm512_movepi8_mask(self) }
    }

    #[inline(always)]
    unsafe fn sum_bytes_to_u64(self) -> Self {
        // SAFETY: the caller guarantees AVX-512BW.
        unsafe { _mm512_sad_epu8(self, _mm512_setzero_si512()) }
    }

    #[inline(always)]
    unsafe fn add_u64(self, other: Self) -> Self {
        // SAFETY: the caller guarantees AVX-512F.
        unsafe { _mm512_add_epi64(self, other) }
    }

    #[inline(always)]
    unsafe fn horizontal_sum_u64(self) -> u64 {
        // SAFETY: the caller guarantees AVX-512F.
        unsafe { _mm512_reduce_add_epi64(self) as u64 }
    }
}

/// Counts `needle` in `haystack` with AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) fn count(haystack: &[u8], needle: u8) -> usize {
    // SAFETY: this function is compiled with AVX-512F/BW and, being `#[target_feature]`, can
    // only be called (with `unsafe`) by code that has checked the CPU has them.
    unsafe { generic::count::<__m512i>(haystack, needle) }
}

/// Finds the first `needle` in `haystack` with AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    // SAFETY: as in `count`.
    unsafe { generic::find::<__m512i>(haystack, needle) }
}
