//! The `simd` variant: the word bitmasks of [`super::table`] computed 16 or 32 bytes at a time.
//!
//! Classification is written once, in [`block_bits`], over the small [`Vector`] trait; each ISA
//! file (`sse2.rs`, `avx2.rs`) only implements the trait for its register type and provides an
//! entry point carrying `#[target_feature]`, into which everything below it is inlined. The
//! level is chosen once per process by runtime detection and cached ([`detected`]); the
//! portable level is the SWAR classifier of `optimized`, so the variant runs everywhere.
//!
//! Per vector, a byte is a word byte when `x - '0' < 10` or `(x | 0x20) - 'a' < 26` as unsigned
//! bytes. SSE2/AVX2 have only signed byte compares, so each range test is an add that moves the
//! range to the bottom of the signed range (`-128..`) and one signed compare; bytes `>= 0x80`
//! fall outside both ranges by construction. `movemask` then yields the bits.
//!
//! Lower-casing needs no vector pass: for word bytes it is `| 0x20`, applied to eight bytes at a
//! time as each word's key is loaded (see [`super::table`]); a vector pass would only add work.
//! AVX-512 is not implemented: the CPU this was written on lacks it, so it could not be measured.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod sse2;

use super::optimized::SwarMask;
use super::table::count_words;
use super::{Wordfreq, WordfreqOutput};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use std::sync::OnceLock;

/// An instruction-set level the tokenizer can use, best last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// SWAR on `u64`: runs on every CPU.
    Portable,
    /// 16-byte SSE2 vectors (every x86-64 CPU has them).
    Sse2,
    /// 32-byte AVX2 vectors.
    Avx2,
}

impl Level {
    /// Every level, best last, so tests can call each one this CPU supports.
    pub const ALL: [Level; 3] = [Level::Portable, Level::Sse2, Level::Avx2];

    /// Whether this CPU can run the level (runtime detection).
    pub fn supported(self) -> bool {
        match self {
            Level::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Level::Sse2 => std::arch::is_x86_feature_detected!("sse2"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => std::arch::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }
}

/// The best level this CPU supports, detected on first use and cached for the process.
pub fn detected() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        Level::ALL
            .into_iter()
            .rev()
            .find(|l| l.supported())
            .unwrap_or(Level::Portable)
    })
}

/// Counts `text` with the given level, or `None` when this CPU does not support it.
pub fn count_with(level: Level, text: &[u8]) -> Option<WordfreqOutput> {
    if !level.supported() {
        return None;
    }
    match level {
        Level::Portable => Some(count_words(text, &SwarMask)),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level.supported()` just confirmed the CPU has SSE2.
        Level::Sse2 => Some(unsafe { sse2::count(text) }),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `level.supported()` just confirmed the CPU has AVX2.
        Level::Avx2 => Some(unsafe { avx2::count(text) }),
        #[cfg(not(target_arch = "x86_64"))]
        _ => None,
    }
}

/// The SIMD tokenizer at the best level this CPU has, feeding the same table as `optimized`.
pub struct Simd;

impl Kernel<Wordfreq> for Simd {
    fn name(&self) -> &'static str {
        "simd"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> WordfreqOutput {
        perflab_core::scope!("wordfreq/simd");
        let text = input.as_slice();
        count_with(detected(), text).unwrap_or_else(|| count_words(text, &SwarMask))
    }
}

/// The little a classifier needs from a vector register type. Its methods are `unsafe`
/// because they may only run on CPUs with the type's instruction set.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) trait Vector: Copy {
    /// Bytes per register.
    const BYTES: usize;

    /// Loads `BYTES` bytes from `ptr` (no alignment needed).
    ///
    /// # Safety
    /// `ptr..ptr + BYTES` must be readable, and the CPU must support the type.
    unsafe fn load(ptr: *const u8) -> Self;

    /// Bit `i` set when byte `i` is an ASCII letter or digit.
    ///
    /// # Safety
    /// The CPU must support the type.
    unsafe fn word_bits(self) -> u64;
}

/// The word-byte mask of a 64-byte block, `V::BYTES` bytes at a time.
///
/// # Safety
/// The CPU must support `V`'s instruction set.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
#[inline(always)]
pub(crate) unsafe fn block_bits<V: Vector>(block: &[u8; 64]) -> u64 {
    let mut bits = 0;
    let mut i = 0;
    while i < 64 {
        // SAFETY: `i + V::BYTES <= 64` because `V::BYTES` divides 64 (16 or 32), so the load
        // stays inside `block`; the caller guarantees the CPU supports `V`.
        let v = unsafe { V::load(block.as_ptr().add(i)) };
        // SAFETY: the caller guarantees the CPU supports `V`.
        bits |= unsafe { v.word_bits() } << i;
        i += V::BYTES;
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_classifies_every_byte_value() {
        // Each byte value alone between separators, at every offset in a 64-byte block.
        for level in Level::ALL.into_iter().filter(|l| l.supported()) {
            for b in 0..=255u8 {
                for pad in 0..64 {
                    let mut text = vec![b' '; pad];
                    text.extend([b, b'.', b, b'.']);
                    let out = count_with(level, &text).unwrap_or_default();
                    let want = if b.is_ascii_alphanumeric() { 2 } else { 0 };
                    assert_eq!(out.total_words, want, "{level:?} byte {b:#x} at {pad}");
                }
            }
        }
        assert!(Level::Portable.supported());
        assert!(detected().supported());
    }
}
