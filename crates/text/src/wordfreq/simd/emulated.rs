//! The generic classification bound to [`Emulated`], the portable vector of any width, so
//! `block_bits` is checked at 16, 32 and 64 bytes on any machine (64 is AVX-512's width, which
//! this family does not implement yet).

use super::generic::{Vector, block_bits};
use perflab_core::isa::Emulated;

impl<const N: usize> Vector for Emulated<N> {
    const BYTES: usize = N;

    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the trait's contract: `N` readable bytes at `ptr`.
        Emulated::from_slice(unsafe { std::slice::from_raw_parts(ptr, N) })
    }

    unsafe fn word_bits(self) -> u64 {
        self.mask_where(|b| b.is_ascii_alphanumeric()).movemask()
    }
}

fn check_width<const N: usize>() {
    let block: [u8; 64] = std::array::from_fn(|i| (i * 37 + 11) as u8);
    for shift in 0..=255u8 {
        let block = block.map(|b| b.wrapping_add(shift));
        let want = (0..64).fold(0u64, |m, i| {
            m | (u64::from(block[i].is_ascii_alphanumeric()) << i)
        });
        // SAFETY: `Emulated` has no ISA requirement.
        let got = unsafe { block_bits::<Emulated<N>>(&block) };
        assert_eq!(got, want, "width {N}");
    }
}

#[test]
fn block_bits_at_every_vector_width() {
    check_width::<16>();
    check_width::<32>();
    check_width::<64>();
}
