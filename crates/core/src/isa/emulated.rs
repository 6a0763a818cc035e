//! A portable model of an `N`-byte vector register, for testing SIMD algorithms at every width.
//!
//! Each SIMD family writes its algorithm once, generic over a small vector trait of its own, and
//! binds that trait to `__m128i`, `__m256i` and `__m512i`. A CPU runs only the widths it has (the
//! machine these were written on has no AVX-512), so each family's tests also bind the trait to
//! this plain byte array and run the generic algorithm at 16, 32 and 64 bytes against naive:
//! loop bounds, flushes and tails are then checked at every width on any machine. The model
//! follows the instructions lane for lane (including signed saturation where they saturate), so
//! a weight or a sum that overflows shows up here too. What it cannot check is that a binding
//! calls the intrinsics modelled; those run in the tests wherever the CPU has them.
//!
//! One type for every family (one idea, one name); the trait impls live in each family's
//! `emulated.rs`, as thin as its per-ISA files. It is slow and safe, and not for timing.

/// `N` bytes, lane 0 first (little-endian like x86 when viewed as wider lanes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Emulated<const N: usize>(pub [u8; N]);

impl<const N: usize> Emulated<N> {
    /// Every byte equal to `byte`.
    pub fn splat(byte: u8) -> Self {
        Emulated([byte; N])
    }

    /// The first `N` bytes of `bytes` (panics if shorter, like reading past a register).
    pub fn from_slice(bytes: &[u8]) -> Self {
        Emulated(bytes[..N].try_into().expect("N bytes"))
    }

    /// Byte-wise `f(self[i], other[i])`.
    pub fn zip(self, other: Self, f: impl Fn(u8, u8) -> u8) -> Self {
        Emulated(std::array::from_fn(|i| f(self.0[i], other.0[i])))
    }

    /// Byte-wise `f(self[i])`.
    pub fn map(self, f: impl Fn(u8) -> u8) -> Self {
        Emulated(self.0.map(f))
    }

    /// 0xFF where `f` holds for the byte, 0x00 elsewhere (what a vector compare returns).
    pub fn mask_where(self, f: impl Fn(u8) -> bool) -> Self {
        self.map(|b| if f(b) { 0xFF } else { 0 })
    }

    /// The high bit of each byte, byte `i` at bit `i` (`pmovmskb`; `N` at most 64).
    pub fn movemask(self) -> u64 {
        (0..N).fold(0, |m, i| m | (u64::from(self.0[i] >> 7) << i))
    }

    /// The 32-bit little-endian lanes.
    pub fn lanes_u32(self) -> impl Iterator<Item = u32> {
        (0..N / 4).map(move |l| u32::from_le_bytes(std::array::from_fn(|i| self.0[4 * l + i])))
    }

    /// The 64-bit little-endian lanes.
    pub fn lanes_u64(self) -> impl Iterator<Item = u64> {
        (0..N / 8).map(move |l| u64::from_le_bytes(std::array::from_fn(|i| self.0[8 * l + i])))
    }

    /// A vector from 32-bit lanes (missing lanes are zero).
    pub fn from_lanes_u32(lanes: impl IntoIterator<Item = u32>) -> Self {
        let mut out = [0u8; N];
        for (chunk, v) in out.chunks_exact_mut(4).zip(lanes) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        Emulated(out)
    }

    /// A vector from 64-bit lanes (missing lanes are zero).
    pub fn from_lanes_u64(lanes: impl IntoIterator<Item = u64>) -> Self {
        let mut out = [0u8; N];
        for (chunk, v) in out.chunks_exact_mut(8).zip(lanes) {
            chunk.copy_from_slice(&v.to_le_bytes());
        }
        Emulated(out)
    }

    /// The sum of each group of 8 bytes in the 64-bit lane they occupy (`psadbw` against zero).
    pub fn sum_bytes_to_u64(self) -> Self {
        Self::from_lanes_u64(
            self.0
                .chunks_exact(8)
                .map(|g| g.iter().map(|&b| u64::from(b)).sum::<u64>()),
        )
    }
}

/// 64-byte blocks that between them hold every byte value at every offset: the input of a
/// classifier's width test (each block is the previous one with every byte plus one).
pub fn every_byte_blocks() -> impl Iterator<Item = [u8; 64]> {
    let first: [u8; 64] = std::array::from_fn(|i| (i * 37 + 11) as u8);
    (0..=255u8).map(move |shift| first.map(|b| b.wrapping_add(shift)))
}

/// The first of [`every_byte_blocks`] where a classifier's 64-bit `mask` (bit `i` for byte `i`)
/// differs from its byte-wise definition `is_set`, or `None` if it never does: the whole width
/// test of a classifier, whatever vector it is instantiated with.
pub fn first_mask_mismatch(
    mask: impl Fn(&[u8; 64]) -> u64,
    is_set: impl Fn(u8) -> bool,
) -> Option<[u8; 64]> {
    every_byte_blocks().find(|block| {
        let want = (0..64).fold(0u64, |m, i| m | (u64::from(is_set(block[i])) << i));
        mask(block) != want
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_round_trip_little_endian() {
        let v = Emulated::<16>(std::array::from_fn(|i| i as u8));
        assert_eq!(Emulated::<16>::from_lanes_u32(v.lanes_u32()), v);
        assert_eq!(Emulated::<16>::from_lanes_u64(v.lanes_u64()), v);
        assert_eq!(v.lanes_u32().next(), Some(0x0302_0100));
    }

    #[test]
    fn blocks_hold_every_byte_at_every_offset() {
        let mut seen = vec![[false; 256]; 64];
        for block in every_byte_blocks() {
            for (i, &b) in block.iter().enumerate() {
                seen[i][usize::from(b)] = true;
            }
        }
        assert!(seen.iter().all(|s| s.iter().all(|&x| x)));
    }

    #[test]
    fn movemask_and_sums() {
        let v = Emulated::<16>::splat(0x80).zip(Emulated([0; 16]), |a, _| a);
        assert_eq!(v.movemask(), 0xFFFF);
        let sums: Vec<u64> = Emulated::<16>::splat(3)
            .sum_bytes_to_u64()
            .lanes_u64()
            .collect();
        assert_eq!(sums, [24, 24]);
    }
}
