//! The generic classification bound to [`Emulated`], the portable vector of any width, so
//! `structural_mask` is checked at 16, 32 and 64 bytes on any machine (64 is AVX-512's width,
//! which the scanner does not implement yet).

use super::PlainSet;
use super::generic::{Vector, structural_mask};
use perflab_core::isa::{Emulated, first_mask_mismatch};

impl<const N: usize> Vector for Emulated<N> {
    const LANES: usize = N;

    unsafe fn splat(b: u8) -> Self {
        Emulated::splat(b)
    }

    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: `N` readable bytes at `ptr`.
        Emulated::from_slice(unsafe { std::slice::from_raw_parts(ptr, N) })
    }

    unsafe fn in_range(self, low: Self, span: Self) -> Self {
        let d = self.zip(low, u8::wrapping_sub);
        d.zip(span, |d, s| if d <= s { 0xFF } else { 0 })
    }

    unsafe fn or(self, other: Self) -> Self {
        self.zip(other, |a, b| a | b)
    }

    unsafe fn movemask(self) -> u64 {
        Emulated::movemask(self)
    }
}

#[test]
fn structural_mask_at_every_vector_width() {
    let set = PlainSet::new([(b'a', b'z'), (b'0', b'9'), (0x80, 0xFF), (b'-', b'-')]);
    let widths: [fn(&PlainSet, &[u8; 64]) -> u64; 3] = [
        // SAFETY: `Emulated` has no ISA requirement.
        |s, b| unsafe { structural_mask::<Emulated<16>>(s, b) },
        // SAFETY: as above.
        |s, b| unsafe { structural_mask::<Emulated<32>>(s, b) },
        // SAFETY: as above.
        |s, b| unsafe { structural_mask::<Emulated<64>>(s, b) },
    ];
    for (k, mask) in widths.into_iter().enumerate() {
        let bad = first_mask_mismatch(|b| mask(&set, b), |b| !set.contains(b));
        assert_eq!(bad, None, "width {}", 16 << k);
    }
}
