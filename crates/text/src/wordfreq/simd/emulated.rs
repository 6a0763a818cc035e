//! The generic classification bound to [`Emulated`], the portable vector of any width, so
//! `block_bits` is checked at 16, 32 and 64 bytes on any machine (64 is AVX-512's width, which
//! this family does not implement yet).

use super::generic::{Vector, block_bits};
use perflab_core::isa::{Emulated, first_mask_mismatch};

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

#[test]
fn block_bits_at_every_vector_width() {
    let widths: [fn(&[u8; 64]) -> u64; 3] = [
        // SAFETY: `Emulated` has no ISA requirement.
        |b| unsafe { block_bits::<Emulated<16>>(b) },
        // SAFETY: as above.
        |b| unsafe { block_bits::<Emulated<32>>(b) },
        // SAFETY: as above.
        |b| unsafe { block_bits::<Emulated<64>>(b) },
    ];
    for (k, bits) in widths.into_iter().enumerate() {
        let bad = first_mask_mismatch(bits, |b| b.is_ascii_alphanumeric());
        assert_eq!(bad, None, "width {}", 16 << k);
    }
}
