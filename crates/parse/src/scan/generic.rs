//! The classification algorithm, written once over [`Vector`]; the per-ISA files only bind it.

use super::{Classify, PlainSet};
use std::marker::PhantomData;

/// The few vector operations classification needs. Implemented for `__m128i` and `__m256i`.
///
/// # Safety
/// Every method may only be called when the CPU supports the implementing type's ISA.
pub(super) trait Vector: Copy {
    /// Bytes per register.
    const LANES: usize;
    /// Every lane set to `b`.
    unsafe fn splat(b: u8) -> Self;
    /// An unaligned load of `LANES` bytes from `ptr`, which must be valid for that many reads.
    unsafe fn load(ptr: *const u8) -> Self;
    /// Lanes set to 0xFF where `self - low <= span` (wrapping subtraction, unsigned compare):
    /// `self` in `low ..= low + span`.
    unsafe fn in_range(self, low: Self, span: Self) -> Self;
    /// Lane-wise OR.
    unsafe fn or(self, other: Self) -> Self;
    /// The top bit of each lane, lane 0 in bit 0.
    unsafe fn movemask(self) -> u64;
}

/// Bit `i` set iff `block[i]` is not in `set`.
///
/// # Safety
/// The CPU must support `V`'s ISA.
#[inline(always)]
pub(super) unsafe fn structural_mask<V: Vector>(set: &PlainSet, block: &[u8; 64]) -> u64 {
    // SAFETY: the caller guarantees V's ISA (this function's contract); loads stay inside
    // `block` because k * LANES + LANES <= 64 for LANES in {16, 32, 64}.
    unsafe {
        let bounds = set
            .ranges
            .map(|(lo, hi)| (V::splat(lo), V::splat(hi.wrapping_sub(lo))));
        let mut plain = 0u64;
        let mut k = 0;
        while k < 64 / V::LANES {
            let x = V::load(block.as_ptr().add(k * V::LANES));
            let mut hit = x.in_range(bounds[0].0, bounds[0].1);
            for &(lo, span) in &bounds[1..] {
                hit = hit.or(x.in_range(lo, span));
            }
            plain |= hit.movemask() << (k * V::LANES);
            k += 1;
        }
        !plain
    }
}

/// The classifier over vector type `V`, which a per-ISA entry function hands its parser. A value
/// exists only through [`VectorClassifier::new`], whose callers promise the CPU has `V`'s ISA;
/// that is a property of the CPU, so it still holds wherever the value is copied.
#[derive(Clone, Copy)]
pub(super) struct VectorClassifier<V> {
    set: PlainSet,
    isa: PhantomData<V>,
}

impl<V: Vector> VectorClassifier<V> {
    /// A classifier for `set` over `V`.
    ///
    /// # Safety
    /// The CPU must support `V`'s ISA.
    #[inline(always)]
    pub(super) unsafe fn new(set: PlainSet) -> Self {
        VectorClassifier {
            set,
            isa: PhantomData,
        }
    }
}

impl<V: Vector> Classify for VectorClassifier<V> {
    #[inline(always)]
    fn structural_mask(&self, block: &[u8; 64]) -> u64 {
        // SAFETY: a `VectorClassifier<V>` exists only when the CPU has `V`'s ISA (see `new`).
        unsafe { structural_mask::<V>(&self.set, block) }
    }
}
