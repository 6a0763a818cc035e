//! The `simd` variant: the word bitmasks of [`super::table`] computed 16 or 32 bytes at a time.
//!
//! Classification is written once, in `generic.rs`, over a small `Vector` trait; each ISA file
//! (`sse2.rs`, `avx2.rs`) only implements the trait for its register type and provides an entry
//! point carrying `#[target_feature]`, into which everything below it is inlined, and
//! `emulated.rs` binds it in tests to the portable vector of any width. The level is detected by
//! [`perflab_core::isa`] and the kernel's function resolved once, when [`Simd`] is constructed;
//! the portable level is the SWAR classifier of `optimized`, so the variant runs everywhere.
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
#[cfg(test)]
mod emulated;
mod generic;
#[cfg(target_arch = "x86_64")]
mod sse2;

use super::optimized::SwarMask;
use super::table::count_words;
use super::{Wordfreq, WordfreqOutput};
use perflab_core::isa::Level;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};

/// The levels this family implements, narrowest first (`Scalar` is the SWAR classifier).
pub const LEVELS: [Level; 3] = [Level::Scalar, Level::Sse2, Level::Avx2];

/// The tokenizer at one level, resolved for a CPU that has it.
///
/// The pointer is an `unsafe fn` because the per-ISA entry points are `#[target_feature]`
/// functions. A value is only built by [`CountFn::resolve`], after [`Level::is_supported`] said
/// yes (or for the portable level, which needs nothing), so [`CountFn::call`] is safe.
#[derive(Clone, Copy)]
struct CountFn(unsafe fn(&[u8]) -> WordfreqOutput);

impl CountFn {
    /// The SWAR classifier: runs on every CPU.
    const PORTABLE: CountFn = CountFn(portable);

    /// The tokenizer at `level`, or `None` when this CPU lacks it (or the family has none).
    fn resolve(level: Level) -> Option<CountFn> {
        level.resolve(&[
            (Level::Scalar, CountFn::PORTABLE),
            #[cfg(target_arch = "x86_64")]
            (Level::Sse2, CountFn(sse2::count)),
            #[cfg(target_arch = "x86_64")]
            (Level::Avx2, CountFn(avx2::count)),
        ])
    }

    #[inline]
    fn call(self, text: &[u8]) -> WordfreqOutput {
        // SAFETY: `self` came from `resolve`, which checked that the CPU has the level the
        // function was compiled for (see the type's docs).
        unsafe { (self.0)(text) }
    }
}

/// The portable level: the SWAR word bitmasks of `optimized`.
fn portable(text: &[u8]) -> WordfreqOutput {
    count_words(text, &SwarMask)
}

/// Counts `text` with the given level, or `None` when this CPU does not support it (or the
/// family has no tokenizer at that level). Tests call each level through it.
pub fn count_with(level: Level, text: &[u8]) -> Option<WordfreqOutput> {
    CountFn::resolve(level).map(|f| f.call(text))
}

/// The SIMD tokenizer at the best level this CPU has, feeding the same table as `optimized`.
pub struct Simd {
    count: CountFn,
}

impl Simd {
    /// The kernel at the widest level of [`LEVELS`] this CPU has: detected and resolved here,
    /// once, not in the timed loop.
    pub fn new() -> Self {
        let level = Level::best_of(&LEVELS);
        Simd {
            count: level
                .and_then(CountFn::resolve)
                .unwrap_or(CountFn::PORTABLE),
        }
    }
}

impl Default for Simd {
    fn default() -> Self {
        Simd::new()
    }
}

impl Kernel<Wordfreq> for Simd {
    fn name(&self) -> &'static str {
        "simd"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> WordfreqOutput {
        perflab_core::scope!("wordfreq/simd");
        self.count.call(input.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_classifies_every_byte_value() {
        // Each byte value alone between separators, at every offset in a 64-byte block.
        for level in LEVELS.into_iter().filter(|l| l.is_supported()) {
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
        assert!(count_with(Level::Scalar, b"").is_some());
    }
}
