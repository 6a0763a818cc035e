//! A shared SIMD scanner for line parsers: it finds every *structural* byte (a delimiter, or a
//! byte a parser must look at) 64 bytes at a time, so the `tags` and `logs` SIMD kernels skip
//! runs of ordinary bytes in bulk instead of testing them one by one.
//!
//! The classification is written once over a small `Vector` trait (`generic.rs`); `sse2.rs` and
//! `avx2.rs` only bind it to 16- and 32-byte registers, and [`Portable`] is a table-driven
//! fallback that runs everywhere. A parser is written once over [`Classify`] as a
//! [`ScanParser`]; [`run`] calls it through an entry function carrying the ISA's
//! `#[target_feature]`, so the whole parse loop is compiled for that ISA (target features sit
//! only on the outermost entry because they block inlining across differing features). The best
//! level is detected once and cached ([`Level::best`]).
//!
//! AVX-512 is not implemented: the development machine lacks it, so it could not be tested.
#![allow(unsafe_code)] // the per-ISA classifiers call `std::arch` intrinsics; each block argues its SAFETY.

#[cfg(target_arch = "x86_64")]
mod avx2;
// Only the x86_64 bindings instantiate the generic algorithm so far.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
mod generic;
mod portable;
#[cfg(target_arch = "x86_64")]
mod sse2;

pub use portable::Portable;
use std::sync::OnceLock;

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

/// A parser written once over any [`Classify`]; [`run`] instantiates it per ISA.
pub trait ScanParser {
    /// What the parse returns.
    type Output;
    /// Parses `input`, finding structural bytes with `classifier`. Implementations should be
    /// `#[inline(always)]` so the loop is compiled inside the ISA's entry function.
    fn parse<C: Classify>(self, classifier: C, input: &[u8]) -> Self::Output;
}

/// A kernel of workload `W` that runs its parser over the scanner at one [`Level`]. `tags` and
/// `logs` each implement `Kernel<W>` for their instantiation; the levels and names are shared.
pub struct LevelKernel<W> {
    name: &'static str,
    level: Level,
    workload: std::marker::PhantomData<fn() -> W>,
}

impl<W> LevelKernel<W> {
    const fn at(name: &'static str, level: Level) -> Self {
        LevelKernel {
            name,
            level,
            workload: std::marker::PhantomData,
        }
    }

    /// `simd`: the best level this CPU has (detected once, cached), falling back to portable.
    pub fn best() -> Self {
        Self::at("simd", Level::best())
    }

    /// `simd-sse2`: unsupported off x86_64.
    pub fn sse2() -> Self {
        Self::at("simd-sse2", Level::Sse2)
    }

    /// `simd-avx2`: unsupported where AVX2 is absent.
    pub fn avx2() -> Self {
        Self::at("simd-avx2", Level::Avx2)
    }

    /// `simd-portable`: the scanner's table fallback, for tests (not in the families, since it is
    /// what `simd` becomes on CPUs without vectors).
    pub fn portable() -> Self {
        Self::at("simd-portable", Level::Portable)
    }

    /// The variant's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The scanner level it runs at.
    pub fn level(&self) -> Level {
        self.level
    }
}

/// An instruction-set level for the scanner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Table lookups, one byte at a time; runs everywhere.
    Portable,
    /// 16-byte SSE2 registers (x86_64).
    Sse2,
    /// 32-byte AVX2 registers (x86_64).
    Avx2,
}

impl Level {
    /// Whether this CPU can run the level (runtime detection).
    pub fn supported(self) -> bool {
        match self {
            Level::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Level::Sse2 => std::is_x86_feature_detected!("sse2"),
            #[cfg(target_arch = "x86_64")]
            Level::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(not(target_arch = "x86_64"))]
            Level::Sse2 | Level::Avx2 => false,
        }
    }

    /// The best supported level, detected on first use and cached for the process.
    pub fn best() -> Level {
        static BEST: OnceLock<Level> = OnceLock::new();
        *BEST.get_or_init(|| {
            [Level::Avx2, Level::Sse2]
                .into_iter()
                .find(|l| l.supported())
                .unwrap_or(Level::Portable)
        })
    }
}

/// Runs `parser` over `input` at `level`, or returns `None` if this CPU lacks the level.
#[inline]
pub fn run<P: ScanParser>(
    level: Level,
    plain: PlainSet,
    input: &[u8],
    parser: P,
) -> Option<P::Output> {
    match level {
        Level::Portable => Some(parser.parse(Portable::new(plain), input)),
        #[cfg(target_arch = "x86_64")]
        Level::Sse2 => sse2::Sse2::new(plain).map(|c| c.run(input, parser)),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2 => avx2::Avx2::new(plain).map(|c| c.run(input, parser)),
        #[cfg(not(target_arch = "x86_64"))]
        Level::Sse2 | Level::Avx2 => None,
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

    struct Collect;
    impl ScanParser for Collect {
        type Output = Vec<usize>;
        fn parse<C: Classify>(self, c: C, input: &[u8]) -> Vec<usize> {
            Structurals::new(c, input).collect()
        }
    }

    const SET: PlainSet = PlainSet::new([(b'a', b'z'), (b'0', b'9'), (b'_', b'_'), (b'-', b'-')]);

    #[test]
    fn every_level_finds_exactly_the_structural_bytes() {
        let data: Vec<u8> = (0..700u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 700] {
            let input = &data[..len];
            let want: Vec<usize> = (0..len).filter(|&i| !SET.contains(input[i])).collect();
            for level in [Level::Portable, Level::Sse2, Level::Avx2] {
                if let Some(got) = run(level, SET, input, Collect) {
                    assert_eq!(got, want, "{level:?} len {len}");
                }
            }
        }
    }

    #[test]
    fn best_is_supported_and_cached() {
        assert!(Level::best().supported());
        assert_eq!(Level::best(), Level::best());
    }
}
