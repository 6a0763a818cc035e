//! The `optimized` variant: scalar, safe Rust that avoids every per-word cost of `naive`.
//!
//! The tokenizer is SWAR ("SIMD within a register"): eight bytes at a time in a `u64`, each
//! byte classified as letter/digit with carry-free range tests, and the eight verdicts packed
//! into a byte of the block's bitmask with one multiply. The masks feed the shared word walk and
//! inline-key table of [`super::table`]: no allocation, no per-byte branch, no second pass.
#![forbid(unsafe_code)]

use super::table::{BlockMask, count_words};
use super::{Wordfreq, WordfreqOutput};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};

/// Portable and allocation-free per word: SWAR tokenizer and an inline-key hash table.
pub struct Optimized;

impl Kernel<Wordfreq> for Optimized {
    fn name(&self) -> &'static str {
        "optimized"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> WordfreqOutput {
        perflab_core::scope!("wordfreq/optimized");
        count_words(input.as_slice(), &SwarMask)
    }
}

/// The portable block classifier; also the SIMD variant's fallback.
pub(crate) struct SwarMask;

impl BlockMask for SwarMask {
    #[inline(always)]
    fn mask(&self, block: &[u8; 64]) -> u64 {
        let mut bits = 0;
        for (i, chunk) in block.as_chunks::<8>().0.iter().enumerate() {
            bits |= word_bits8(u64::from_le_bytes(*chunk)) << (8 * i);
        }
        bits
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Bit `i` of the result is set when byte `i` of `x` is `[0-9A-Za-z]`.
///
/// With the high bit cleared, `b + (0x80 - lo)` cannot carry out of its byte and has its high
/// bit set exactly when `b >= lo`, so each range test is two additions. Letters are tested
/// after `| 0x20`, which maps `A-Z` onto `a-z` and no other byte into `a-z`. Bytes `>= 0x80` are
/// removed at the end. The multiply gathers the eight high bits into the top byte.
#[inline(always)]
fn word_bits8(x: u64) -> u64 {
    let a = x & !HIGH;
    let ge = |v: u64, lo: u64| v.wrapping_add((0x80 - lo) * ONES);
    let digit = ge(a, b'0' as u64) & !ge(a, b'9' as u64 + 1);
    let y = a | (0x20 * ONES);
    let letter = ge(y, b'a' as u64) & !ge(y, b'z' as u64 + 1);
    let word = (digit | letter) & !x & HIGH;
    ((word >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swar_classifies_every_byte_value() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut bytes = [b'.'; 8];
                bytes[pos] = b;
                let want = u64::from(b.is_ascii_alphanumeric()) << pos;
                assert_eq!(
                    word_bits8(u64::from_le_bytes(bytes)),
                    want,
                    "byte {b:#x} at {pos}"
                );
            }
        }
        let block: [u8; 64] = std::array::from_fn(|i| if i % 3 == 0 { b'a' } else { 0xC3 });
        let want = (0..64).filter(|i| i % 3 == 0).fold(0u64, |m, i| m | 1 << i);
        assert_eq!(SwarMask.mask(&block), want);
    }
}
