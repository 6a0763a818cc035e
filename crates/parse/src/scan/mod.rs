//! A shared SIMD scanner for line parsers: it finds every *structural* byte (a delimiter, or a
//! byte a parser must look at) 64 bytes at a time, so the `tags` and `logs` SIMD kernels skip
//! runs of ordinary bytes in bulk instead of testing them one by one.
//!
//! The classification is written once over a small `Vector` trait (`generic.rs`); `sse2.rs` and
//! `avx2.rs` only bind it to 16- and 32-byte registers, and [`Portable`] is a table-driven
//! fallback that runs everywhere. A parser is written once over [`Classify`] as a
//! [`ScanParser`]; a [`LevelKernel`] calls it through an entry function carrying the ISA's
//! `#[target_feature]`, so the whole parse loop is compiled for that ISA (target features sit
//! only on the outermost entry because they block inlining across differing features). The
//! levels are [`perflab_core::isa`]'s, detected once per process, and a [`LevelKernel`] resolves
//! its entry function once, when it is constructed; `emulated.rs` binds the classification in
//! tests to the portable vector of any width.
//!
//! AVX-512 is not implemented: the development machine lacks it, so it could not be tested.
#![allow(unsafe_code)] // the per-ISA classifiers call `std::arch` intrinsics; each block argues its SAFETY.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(test)]
mod emulated;
// Only the x86_64 bindings instantiate the generic algorithm outside tests so far.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
mod generic;
mod portable;
#[cfg(target_arch = "x86_64")]
mod sse2;

use perflab_core::isa::Level;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind, Workload};
pub use portable::Portable;

/// The bytes a parser can skip without looking: up to four inclusive ranges. Every other byte is
/// structural and reported by [`Structurals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainSet {
    ranges: [(u8, u8); 4],
}

impl PlainSet {
    /// Builds a set from inclusive `(low, high)` ranges; repeat a range to use fewer than four.
    ///
    /// # Panics
    /// If a range has `low > high` (at compile time when used in a `const`).
    pub const fn new(ranges: [(u8, u8); 4]) -> Self {
        let mut i = 0;
        while i < 4 {
            assert!(ranges[i].0 <= ranges[i].1, "empty range in PlainSet");
            i += 1;
        }
        PlainSet { ranges }
    }

    /// Whether `b` is plain: the scalar definition every classifier must agree with.
    pub fn contains(&self, b: u8) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= b && b <= hi)
    }
}

/// Classifies 64 bytes at a time. Values exist only for ISAs this CPU supports (checked
/// constructors), which is what makes the safe method sound.
pub trait Classify: Copy {
    /// Bit `i` is set iff `block[i]` is not in the classifier's [`PlainSet`].
    fn structural_mask(&self, block: &[u8; 64]) -> u64;
}

/// A parser written once over any [`Classify`]; a [`LevelKernel`] instantiates it per ISA.
pub trait ScanParser: 'static {
    /// What the parse returns.
    type Output;
    /// The bytes the parser can skip; every other byte is reported to it.
    const PLAIN: PlainSet;
    /// Parses `input`, finding structural bytes with `classifier`. Implementations should be
    /// `#[inline(always)]` so the loop is compiled inside the ISA's entry function.
    fn parse<C: Classify>(classifier: C, input: &[u8]) -> Self::Output;
}

/// A [`ScanParser`] that is a workload's SIMD kernel: [`LevelKernel`] implements [`Kernel`] for
/// it at every level, so the workload supplies only the parser and its profiling scope.
pub trait ScanKernel: ScanParser<Output: Default> {
    /// The workload the parser computes the output of.
    type Workload: Workload<Input = ByteInput, Output = Self::Output>;

    /// Runs `kernel` on `input` inside the workload's profiling scope (scope names are string
    /// literals, so each workload opens its own): `scope!("W/simd", kernel.name())`, then
    /// [`LevelKernel::parse`], an empty output if the CPU lacks the level. `#[inline]`, so that
    /// it compiles into the kernel's `run`; it takes the input whole, so that nothing of it is
    /// read before the scope opens (as the kernels did before they shared this impl).
    fn run(kernel: &LevelKernel<Self>, input: &ByteInput) -> Self::Output
    where
        Self: Sized;
}

/// The levels the scanner implements, narrowest first (`Scalar` is the table of [`Portable`]).
pub const LEVELS: [Level; 3] = [Level::Scalar, Level::Sse2, Level::Avx2];

/// A parser's entry function at one level. `unsafe` because the per-ISA entries carry
/// `#[target_feature]`: only [`resolve`] hands one out, after detection.
type ParseFn<P> = unsafe fn(&[u8]) -> <P as ScanParser>::Output;

/// `P`'s entry function at `level`, or `None` if this CPU lacks the level (or the scanner has
/// none at it).
fn resolve<P: ScanParser>(level: Level) -> Option<ParseFn<P>> {
    level.resolve::<ParseFn<P>>(&[
        (Level::Scalar, portable::parse::<P>),
        #[cfg(target_arch = "x86_64")]
        (Level::Sse2, sse2::parse::<P>),
        #[cfg(target_arch = "x86_64")]
        (Level::Avx2, avx2::parse::<P>),
    ])
}

/// A kernel that runs parser `P` over the scanner at one [`Level`], its entry function resolved
/// once, at construction. It is the `simd` variants' [`Kernel`] of every workload whose parser
/// is a [`ScanKernel`] (`tags`, `logs`).
pub struct LevelKernel<P: ScanParser> {
    name: &'static str,
    level: Level,
    /// Set only by [`resolve`], i.e. only when this CPU has `level`.
    parse: Option<ParseFn<P>>,
}

impl<P: ScanParser> LevelKernel<P> {
    fn at(name: &'static str, level: Level) -> Self {
        LevelKernel {
            name,
            level,
            parse: resolve::<P>(level),
        }
    }

    /// `simd`: the best level this CPU has, falling back to portable.
    pub fn best() -> Self {
        Self::at("simd", Level::best_of(&LEVELS).unwrap_or(Level::Scalar))
    }

    /// `simd-sse2`: unsupported off x86_64.
    pub fn sse2() -> Self {
        Self::at(Level::Sse2.variant_name(), Level::Sse2)
    }

    /// `simd-avx2`: unsupported where AVX2 is absent.
    pub fn avx2() -> Self {
        Self::at(Level::Avx2.variant_name(), Level::Avx2)
    }

    /// `simd-portable`: the scanner's table fallback, for tests (not in the families, since it is
    /// what `simd` becomes on CPUs without vectors).
    pub fn portable() -> Self {
        Self::at(Level::Scalar.variant_name(), Level::Scalar)
    }

    /// The variant's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The scanner level it runs at.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Whether this CPU has the kernel's level (decided at construction).
    pub fn supported(&self) -> bool {
        self.parse.is_some()
    }

    /// Parses `input` at the kernel's level, or `None` if this CPU lacks the level.
    #[inline]
    pub fn parse(&self, input: &[u8]) -> Option<P::Output> {
        // SAFETY: `self.parse` is only set by `resolve`, after `is_supported` confirmed the CPU
        // has the level the entry function was compiled for.
        self.parse.map(|f| unsafe { f(input) })
    }
}

impl<P: ScanKernel> Kernel<P::Workload> for LevelKernel<P> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }

    fn supported(&self) -> bool {
        self.parse.is_some()
    }

    /// Returns an empty output if called on a CPU without the level (callers check
    /// [`Kernel::supported`] first).
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> P::Output {
        P::run(self, input)
    }
}

/// The positions of structural bytes of `input`, in increasing order.
pub struct Structurals<'a, C> {
    input: &'a [u8],
    classifier: C,
    /// Start of the block `mask` describes.
    base: usize,
    /// Start of the next block to classify.
    next: usize,
    /// Structural bits of the current block not yet returned.
    mask: u64,
}

impl<'a, C: Classify> Structurals<'a, C> {
    /// Starts scanning at the beginning of `input`.
    #[inline(always)]
    pub fn new(classifier: C, input: &'a [u8]) -> Self {
        Structurals {
            input,
            classifier,
            base: 0,
            next: 0,
            mask: 0,
        }
    }

    #[inline(always)]
    fn refill(&mut self) -> bool {
        while self.mask == 0 {
            let start = self.next;
            let Some(rest) = self.input.get(start..).filter(|r| !r.is_empty()) else {
                return false;
            };
            self.base = start;
            self.next = start + 64;
            self.mask = match rest.first_chunk::<64>() {
                Some(block) => self.classifier.structural_mask(block),
                None => {
                    // The tail: pad with zeros and ignore the padding's bits.
                    let mut block = [0u8; 64];
                    block[..rest.len()].copy_from_slice(rest);
                    self.classifier.structural_mask(&block) & ((1u64 << rest.len()) - 1)
                }
            };
        }
        true
    }
}

impl<C: Classify> Iterator for Structurals<'_, C> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if !self.refill() {
            return None;
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(self.base + bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: PlainSet = PlainSet::new([(b'a', b'z'), (b'0', b'9'), (b'_', b'_'), (b'-', b'-')]);

    struct Collect;
    impl ScanParser for Collect {
        type Output = Vec<usize>;
        const PLAIN: PlainSet = SET;
        fn parse<C: Classify>(c: C, input: &[u8]) -> Vec<usize> {
            Structurals::new(c, input).collect()
        }
    }

    #[test]
    fn every_level_finds_exactly_the_structural_bytes() {
        let data: Vec<u8> = (0..700u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 700] {
            let input = &data[..len];
            let want: Vec<usize> = (0..len).filter(|&i| !SET.contains(input[i])).collect();
            for k in [
                LevelKernel::<Collect>::portable(),
                LevelKernel::sse2(),
                LevelKernel::avx2(),
            ] {
                assert_eq!(k.supported(), k.level().is_supported());
                if let Some(got) = k.parse(input) {
                    assert_eq!(got, want, "{} len {len}", k.name());
                }
            }
        }
    }

    #[test]
    fn best_is_supported() {
        assert!(LevelKernel::<Collect>::best().supported());
    }
}
