//! The AVX-512 bindings: 64-byte vectors, with and without VNNI.
//!
//! With AVX-512BW the in-group products go through `vpmaddubsw` and one widening `vpmaddwd` per
//! eight vectors, as at narrower widths. VNNI's `vpdpbusd` multiplies, sums groups of four and
//! accumulates into 32-bit lanes in one instruction, so it needs neither the 16-bit adds nor the
//! widening.
//! Neither was run on the machine this was written on (it has no AVX-512): they are compiled,
//! dispatched only where detected, and covered by the tests wherever the CPU has them.

use super::generic::{self, Vector};
use core::arch::x86_64::*;

/// The in-group weights `7 … 0`, repeated for each 8-byte group.
static GROUP_WEIGHTS: [i8; 64] = {
    let mut w = [0i8; 64];
    let mut i = 0;
    while i < 64 {
        w[i] = 7 - (i % 8) as i8;
        i += 1;
    }
    w
};

/// 64 bytes, viewed as 32-bit lanes; `VNNI` selects the weighted-sum instruction at compile time.
#[derive(Clone, Copy)]
struct V512<const VNNI: bool>(__m512i);

impl<const VNNI: bool> Vector for V512<VNNI> {
    const BYTES: usize = 64;

    #[inline(always)]
    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: AVX-512F present and 64 readable bytes at `ptr`;
        // `loadu` allows any alignment.
        V512(unsafe { _mm512_loadu_si512(ptr.cast()) })
    }

    #[inline(always)]
    unsafe fn zero() -> Self {
        // SAFETY: the trait's contract: the caller checked AVX-512F.
        V512(unsafe { _mm512_setzero_si512() })
    }

    #[inline(always)]
    unsafe fn add(self, other: Self) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX-512F.
        V512(unsafe { _mm512_add_epi32(self.0, other.0) })
    }

    #[inline(always)]
    unsafe fn byte_sums(self) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX-512BW.
        V512(unsafe { _mm512_sad_epu8(self.0, _mm512_setzero_si512()) })
    }

    #[inline(always)]
    unsafe fn group_weighted8(vs: [Self; 8]) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX-512BW, and AVX-512 VNNI when
        // `VNNI` is true; `GROUP_WEIGHTS` is 64 readable bytes.
        unsafe {
            let weights = _mm512_loadu_si512(GROUP_WEIGHTS.as_ptr().cast());
            if VNNI {
                // Two independent chains of four, so the adds overlap `vpdpbusd`'s latency.
                let mut lo = _mm512_setzero_si512();
                let mut hi = _mm512_setzero_si512();
                for k in 0..4 {
                    lo = _mm512_dpbusd_epi32(lo, vs[k].0, weights);
                    hi = _mm512_dpbusd_epi32(hi, vs[k + 4].0, weights);
                }
                V512(_mm512_add_epi32(lo, hi))
            } else {
                // Each 16-bit product pair is at most (7 + 6)·255 = 3315, so the eight vectors'
                // pairs add to at most 26520, below i16::MAX, and one `vpmaddwd` widens them.
                let mut pairs = _mm512_maddubs_epi16(vs[0].0, weights);
                for v in &vs[1..] {
                    pairs = _mm512_add_epi16(pairs, _mm512_maddubs_epi16(v.0, weights));
                }
                V512(_mm512_madd_epi16(pairs, _mm512_set1_epi16(1)))
            }
        }
    }

    #[inline(always)]
    unsafe fn lane_weighted(self) -> Self {
        // SAFETY: the trait's contract: the caller checked AVX-512F. Group `k` ends at byte
        // `8k + 7`, weight `64 − 8k − 7`.
        V512(unsafe { _mm512_mul_epu32(self.0, _mm512_set_epi64(1, 9, 17, 25, 33, 41, 49, 57)) })
    }

    #[inline(always)]
    unsafe fn total(self) -> u32 {
        // SAFETY: the trait's contract: the caller checked AVX-512F.
        unsafe { _mm512_reduce_add_epi32(self.0) as u32 }
    }
}

/// The AVX-512BW kernel.
///
/// # Safety
/// The CPU must support AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn update_bw(adler: u32, data: &[u8]) -> u32 {
    // SAFETY: this function's own contract (AVX-512F/BW present) is what `V512<false>` needs.
    unsafe { generic::update::<V512<false>>(adler, data) }
}

/// The AVX-512 VNNI kernel.
///
/// # Safety
/// The CPU must support AVX-512F, AVX-512BW and AVX-512 VNNI.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn update_vnni(adler: u32, data: &[u8]) -> u32 {
    // SAFETY: this function's own contract (AVX-512F/BW/VNNI present) is what `V512<true>` needs.
    unsafe { generic::update::<V512<true>>(adler, data) }
}
