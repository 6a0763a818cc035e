//! The generic classification bound to [`Emulated`], the portable vector of any width, so
//! `structural_mask` is checked at 16, 32 and 64 bytes on any machine (64 is AVX-512's width,
//! which the scanner does not implement yet).

use super::PlainSet;
use super::generic::{Vector, structural_mask};
use perflab_core::isa::Emulated;

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

fn check_width<const N: usize>() {
    let set = PlainSet::new([(b'a', b'z'), (b'0', b'9'), (0x80, 0xFF), (b'-', b'-')]);
    let block: [u8; 64] = std::array::from_fn(|i| (i * 37 + 11) as u8);
    for shift in 0..=255u8 {
        let block = block.map(|b| b.wrapping_add(shift));
        let want = (0..64).fold(0u64, |m, i| m | (u64::from(!set.contains(block[i])) << i));
        // SAFETY: `Emulated` has no ISA requirement.
        let got = unsafe { structural_mask::<Emulated<N>>(&set, &block) };
        assert_eq!(got, want, "width {N}");
    }
}

#[test]
fn structural_mask_at_every_vector_width() {
    check_width::<16>();
    check_width::<32>();
    check_width::<64>();
}
