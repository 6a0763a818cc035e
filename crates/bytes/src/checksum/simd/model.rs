//! A scalar model of a 64-byte vector, so the generic algorithm's AVX-512 instantiation (64-byte
//! vectors, 512-byte steps, 5120-byte blocks) is tested on every machine, including those, like
//! the one this was written on, without AVX-512.
//!
//! The model follows the AVX-512BW instructions lane for lane, including `vpmaddubsw`'s signed
//! saturation, so it would catch weights or pair sums that overflow 16 bits. What it cannot
//! check is that the intrinsics in `avx512.rs` are the ones modelled; those run in the tests
//! wherever the CPU has AVX-512.

use super::{Vector, update_generic};

/// 64 bytes as sixteen 32-bit lanes, little-endian like x86.
#[derive(Clone, Copy)]
struct Model64([u32; 16]);

impl Model64 {
    fn bytes(self) -> [u8; 64] {
        let mut out = [0u8; 64];
        for (chunk, lane) in out.chunks_exact_mut(4).zip(self.0) {
            chunk.copy_from_slice(&lane.to_le_bytes());
        }
        out
    }

    /// `vpmaddubsw` with the in-group weights `7 … 0`: saturating signed 16-bit pair sums.
    fn maddubs(self) -> [i16; 32] {
        let b = self.bytes();
        let mut out = [0i16; 32];
        for (m, pair) in out.iter_mut().enumerate() {
            let weight = |i: usize| 7 - (i % 8) as i32;
            let sum =
                i32::from(b[2 * m]) * weight(2 * m) + i32::from(b[2 * m + 1]) * weight(2 * m + 1);
            *pair = sum.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16;
        }
        out
    }
}

impl Vector for Model64 {
    const BYTES: usize = 64;

    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: 64 readable bytes at `ptr`.
        let bytes = unsafe { std::slice::from_raw_parts(ptr, 64) };
        let mut lanes = [0u32; 16];
        for (lane, chunk) in lanes.iter_mut().zip(bytes.chunks_exact(4)) {
            *lane = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Model64(lanes)
    }

    unsafe fn zero() -> Self {
        Model64([0; 16])
    }

    unsafe fn add(self, other: Self) -> Self {
        let mut out = self.0;
        for (o, x) in out.iter_mut().zip(other.0) {
            *o = o.wrapping_add(x);
        }
        Model64(out)
    }

    unsafe fn byte_sums(self) -> Self {
        let b = self.bytes();
        let mut out = [0u32; 16];
        for (k, group) in b.chunks_exact(8).enumerate() {
            out[2 * k] = group.iter().map(|&x| u32::from(x)).sum();
        }
        Model64(out)
    }

    unsafe fn group_weighted8(vs: [Self; 8]) -> Self {
        // `vpaddw` (wrapping, so an overflow would show) over the eight, then `vpmaddwd`.
        let mut pairs = [0i16; 32];
        for v in vs {
            for (p, x) in pairs.iter_mut().zip(v.maddubs()) {
                *p = p.wrapping_add(x);
            }
        }
        let mut out = [0u32; 16];
        for (i, lane) in out.iter_mut().enumerate() {
            *lane = (i32::from(pairs[2 * i]) + i32::from(pairs[2 * i + 1])) as u32;
        }
        Model64(out)
    }

    unsafe fn lane_weighted(self) -> Self {
        // `vpmuludq`: low 32 bits of each 64-bit lane times the group-end weight.
        let mut out = [0u32; 16];
        for k in 0..8 {
            let product = u64::from(self.0[2 * k]) * (64 - 8 * k as u64 - 7);
            out[2 * k] = product as u32;
            out[2 * k + 1] = (product >> 32) as u32;
        }
        Model64(out)
    }

    unsafe fn total(self) -> u32 {
        self.0.iter().fold(0u32, |acc, &x| acc.wrapping_add(x))
    }
}

#[test]
fn width_64_instantiation_matches_naive() {
    let data: Vec<u8> = (0..3 * 5552u32 + 300)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let lens = [
        0,
        1,
        63,
        64,
        255,
        256,
        257,
        5375,
        5376,
        5377,
        5552,
        11_000,
        data.len(),
    ];
    for len in lens {
        // SAFETY: the model has no ISA requirement.
        let got = unsafe { update_generic::<Model64>(1, &data[..len]) };
        assert_eq!(
            got,
            super::super::naive::update(1, &data[..len]),
            "len {len}"
        );
    }
    let saturated = vec![0xFF; 100_000];
    // SAFETY: the model has no ISA requirement.
    let got = unsafe { update_generic::<Model64>(7, &saturated) };
    assert_eq!(got, super::super::naive::update(7, &saturated));
}
