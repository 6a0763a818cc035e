//! SIMD search: one algorithm for count and one for find, written once over a small `Vector`
//! trait, instantiated for SSE2 (`__m128i`), AVX2 (`__m256i`) and AVX-512BW (`__m512i`).
//!
//! The per-ISA files (`sse2.rs`, `avx2.rs`, `avx512.rs`) only implement the trait and provide
//! the `#[target_feature]` entry points. `#[target_feature]` sits on those outermost functions
//! only: the trait methods and the generic loops are `#[inline(always)]` so that they are
//! compiled inside the entry point with its features (a `#[target_feature]` function cannot be
//! inlined into a caller without the feature, which is why it must not be on the small pieces).
//!
//! The algorithms live in `generic.rs`; `emulated.rs` binds them, in tests, to the portable
//! vector of any width. Which level runs is decided at run time ([`Level::is_supported`], the
//! one detection in [`perflab_core::isa`]), never by `target-cpu`, and the functions for a level
//! are resolved once: when a [`SimdKernel`] is constructed, and on the first call of
//! [`super::count`] / [`super::find`]. On other architectures every vector level is unsupported
//! and the dispatched functions use [`super::swar`].
//!
//! * **count** compares 4 vectors per step and *subtracts* each compare result (0xFF = -1 per
//!   matching byte) from its own accumulator, so every byte lane counts its matches. A lane
//!   holds 255, so after at most 255 steps the lanes are summed with `psadbw` against zero
//!   (which adds 8 bytes into a 64-bit lane) and cleared.
//! * **find** compares 4 vectors per step and tests them with one OR and one movemask; only a
//!   step with a match looks at its vectors one by one.
//! * **Heads and tails**: loads are unaligned; a haystack shorter than one vector goes to SWAR;
//!   the last partial vector is handled by re-loading the *last* full vector of the haystack
//!   (overlapping bytes already seen) and shifting the seen bytes out of its mask. Nothing is
//!   ever read outside the slice.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(test)]
mod emulated;
mod generic;
#[cfg(target_arch = "x86_64")]
mod sse2;

use super::{Search, SearchInput, SearchOutput, swar};
use perflab_core::isa::Level;
use perflab_core::{Ctx, Kernel, VariantKind};
use std::sync::OnceLock;

/// The levels this family implements, narrowest first (`Scalar` is SWAR).
pub const LEVELS: [Level; 4] = [Level::Scalar, Level::Sse2, Level::Avx2, Level::Avx512];

/// One level's count and find, resolved for a CPU that has the level.
///
/// The pointers are `unsafe fn` because the per-ISA ones are `#[target_feature]` functions. A
/// value is only built by [`Fns::resolve`], after [`Level::is_supported`] said yes (or for SWAR,
/// which needs nothing), so calling them through the safe methods below is sound.
#[derive(Clone, Copy)]
struct Fns {
    count: unsafe fn(&[u8], u8) -> usize,
    find: unsafe fn(&[u8], u8) -> Option<usize>,
}

impl Fns {
    /// Portable SWAR: what every CPU runs.
    const SWAR: Fns = Fns {
        count: swar::count,
        find: swar::find,
    };

    /// The functions of `level`, or `None` if this CPU lacks it or the family does not
    /// implement it.
    fn resolve(level: Level) -> Option<Fns> {
        level.resolve(&[
            (Level::Scalar, Fns::SWAR),
            #[cfg(target_arch = "x86_64")]
            (Level::Sse2, Fns::of(sse2::count, sse2::find)),
            #[cfg(target_arch = "x86_64")]
            (Level::Avx2, Fns::of(avx2::count, avx2::find)),
            #[cfg(target_arch = "x86_64")]
            (Level::Avx512, Fns::of(avx512::count, avx512::find)),
        ])
    }

    /// Pairs a level's two functions (only [`Fns::resolve`] may hand the pair out).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    const fn of(
        count: unsafe fn(&[u8], u8) -> usize,
        find: unsafe fn(&[u8], u8) -> Option<usize>,
    ) -> Fns {
        Fns { count, find }
    }

    #[inline]
    fn count(self, haystack: &[u8], needle: u8) -> usize {
        // SAFETY: `self` came from `resolve`, which checked the CPU has the level these
        // functions were compiled for (see the type's docs).
        unsafe { (self.count)(haystack, needle) }
    }

    #[inline]
    fn find(self, haystack: &[u8], needle: u8) -> Option<usize> {
        // SAFETY: as in `count`.
        unsafe { (self.find)(haystack, needle) }
    }

    /// The widest level of [`LEVELS`] this CPU has, resolved on the first call and cached.
    fn best() -> Fns {
        static BEST: OnceLock<Fns> = OnceLock::new();
        *BEST.get_or_init(|| {
            Level::best_of(&LEVELS)
                .and_then(Fns::resolve)
                .unwrap_or(Fns::SWAR)
        })
    }
}

/// Counts bytes equal to `needle` at `level`, or `None` if this CPU lacks the level (or the
/// family has none such). Tests use it to call each level directly.
pub fn count_at(level: Level, haystack: &[u8], needle: u8) -> Option<usize> {
    Fns::resolve(level).map(|f| f.count(haystack, needle))
}

/// Finds the first byte equal to `needle` at `level`; the outer `None` means this CPU lacks the
/// level (or the family has none such).
pub fn find_at(level: Level, haystack: &[u8], needle: u8) -> Option<Option<usize>> {
    Fns::resolve(level).map(|f| f.find(haystack, needle))
}

/// [`super::count`] at the cached best level.
#[inline]
pub(super) fn count_best(haystack: &[u8], needle: u8) -> usize {
    Fns::best().count(haystack, needle)
}

/// [`super::find`] at the cached best level.
#[inline]
pub(super) fn find_best(haystack: &[u8], needle: u8) -> Option<usize> {
    Fns::best().find(haystack, needle)
}

/// The `simd-*` variants: one kernel type, its functions resolved for its level at
/// construction.
pub struct SimdKernel {
    level: Level,
    fns: Option<Fns>,
}

impl SimdKernel {
    /// The variant for `level` (a vector level; SWAR has its own `swar` variant). Detection
    /// happens here, once, not in the timed loop.
    pub fn new(level: Level) -> Self {
        SimdKernel {
            level,
            fns: Fns::resolve(level),
        }
    }
}

impl Kernel<Search> for SimdKernel {
    fn name(&self) -> &'static str {
        self.level.variant_name()
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }

    fn supported(&self) -> bool {
        self.fns.is_some()
    }

    fn run(&self, input: &SearchInput, _ctx: &Ctx) -> SearchOutput {
        perflab_core::scope!("search/simd", self.name());
        let (h, n) = (input.haystack.as_slice(), input.needle);
        // The harness never runs an unsupported kernel; if someone does, fall back rather
        // than execute instructions the CPU lacks.
        let fns = self.fns.unwrap_or(Fns::SWAR);
        SearchOutput::new(fns.count(h, n), fns.find(h, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::naive;

    #[test]
    fn every_supported_level_agrees_with_naive_around_vector_widths() {
        for level in LEVELS.into_iter().filter(|l| l.is_supported()) {
            for len in [
                0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 1000,
            ] {
                let mut v: Vec<u8> = (0..len).map(|i| (i * 7 % 13) as u8).collect();
                for needle in [0u8, 3, 12, 200] {
                    assert_eq!(count_at(level, &v, needle), Some(naive::count(&v, needle)));
                    assert_eq!(find_at(level, &v, needle), Some(naive::find(&v, needle)));
                }
                if let Some(last) = v.last_mut() {
                    *last = 200;
                    assert_eq!(find_at(level, &v, 200), Some(Some(len - 1)), "{level:?}");
                }
            }
        }
    }

    #[test]
    fn unsupported_levels_say_so() {
        for level in Level::ALL {
            let k = SimdKernel::new(level);
            let implemented = LEVELS.contains(&level);
            assert_eq!(k.supported(), implemented && level.is_supported());
            if !k.supported() {
                assert_eq!(count_at(level, b"abc", b'a'), None);
                assert_eq!(find_at(level, b"abc", b'a'), None);
            }
        }
    }
}
