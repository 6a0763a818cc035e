//! The generic Adler-32 bound to [`Emulated`], the portable vector of any width, so the
//! algorithm's instantiations at 16, 32 and 64 bytes (64-byte vectors, 512-byte steps,
//! 5120-byte blocks) are tested on every machine, including those without AVX-512.
//!
//! The binding follows the x86 instructions lane for lane, including `pmaddubsw`'s signed
//! saturation and `paddw`'s wrapping, so it would catch weights or pair sums that overflow 16
//! bits. What it cannot check is that the intrinsics in the per-ISA files are the ones modelled;
//! those run in the tests wherever the CPU has them.

use super::generic::{self, Vector};
use crate::checksum::naive;
use perflab_core::isa::Emulated;

/// `pmaddubsw` with the in-group weights `7 … 0`: saturating signed 16-bit pair sums.
fn maddubs<const N: usize>(v: Emulated<N>) -> impl Iterator<Item = i16> {
    let weight = |i: usize| 7 - (i % 8) as i32;
    (0..N / 2).map(move |m| {
        let (lo, hi) = (2 * m, 2 * m + 1);
        let sum = i32::from(v.0[lo]) * weight(lo) + i32::from(v.0[hi]) * weight(hi);
        sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
    })
}

impl<const N: usize> Vector for Emulated<N> {
    const BYTES: usize = N;

    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: `N` readable bytes at `ptr`.
        Emulated::from_slice(unsafe { std::slice::from_raw_parts(ptr, N) })
    }

    unsafe fn zero() -> Self {
        Emulated::splat(0)
    }

    unsafe fn add(self, other: Self) -> Self {
        Self::from_lanes_u32(
            self.lanes_u32()
                .zip(other.lanes_u32())
                .map(|(a, b)| a.wrapping_add(b)),
        )
    }

    unsafe fn byte_sums(self) -> Self {
        self.sum_bytes_to_u64()
    }

    unsafe fn group_weighted8(vs: [Self; 8]) -> Self {
        // `paddw` (wrapping, so an overflow would show) over the eight, then `pmaddwd`.
        let mut pairs = vec![0i16; N / 2];
        for v in vs {
            for (p, x) in pairs.iter_mut().zip(maddubs(v)) {
                *p = p.wrapping_add(x);
            }
        }
        Self::from_lanes_u32(
            pairs
                .chunks_exact(2)
                .map(|p| (i32::from(p[0]) + i32::from(p[1])) as u32),
        )
    }

    unsafe fn lane_weighted(self) -> Self {
        // `pmuludq`: the low 32 bits of each 64-bit lane `k` times the group-end weight.
        Self::from_lanes_u64(
            self.lanes_u64()
                .enumerate()
                .map(|(k, lane)| (lane & 0xFFFF_FFFF) * (N as u64 - 8 * k as u64 - 7)),
        )
    }

    unsafe fn total(self) -> u32 {
        self.lanes_u32().fold(0u32, u32::wrapping_add)
    }
}

fn check_width<const N: usize>() {
    let data: Vec<u8> = (0..3 * 5552u32 + 300)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let step = 8 * N;
    let block = 5552 / step * step;
    let lens = [
        0,
        1,
        N - 1,
        N,
        N + 1,
        step - 1,
        step,
        step + 1,
        255,
        256,
        257,
    ]
    .into_iter()
    .chain([block - 1, block, block + 1, 5552, 11_000, data.len()]);
    for len in lens {
        // SAFETY: `Emulated` has no ISA requirement.
        let got = unsafe { generic::update::<Emulated<N>>(1, &data[..len]) };
        assert_eq!(got, naive::update(1, &data[..len]), "width {N}, len {len}");
    }
    let saturated = vec![0xFF; 100_000];
    // SAFETY: `Emulated` has no ISA requirement.
    let got = unsafe { generic::update::<Emulated<N>>(7, &saturated) };
    assert_eq!(got, naive::update(7, &saturated), "width {N}, saturated");
}

#[test]
fn generic_algorithm_at_every_vector_width() {
    check_width::<16>();
    check_width::<32>();
    check_width::<64>();
}
