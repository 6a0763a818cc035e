//! SIMD search: one algorithm for count and one for find, written once over a small `Vector`
//! trait, instantiated for SSE2 (`__m128i`), AVX2 (`__m256i`) and AVX-512BW (`__m512i`).
//!
//! The per-ISA files (`sse2.rs`, `avx2.rs`, `avx512.rs`) only implement the trait and provide
//! the `#[target_feature]` entry points. `#[target_feature]` sits on those outermost functions
//! only: the trait methods and the generic loops are `#[inline(always)]` so that they are
//! compiled inside the entry point with its features (a `#[target_feature]` function cannot be
//! inlined into a caller without the feature, which is why it must not be on the small pieces).
//!
//! Which level runs is decided at run time ([`Level::is_supported`]), never by `target-cpu`;
//! [`Level::best`] is detected once and cached. On other architectures every SIMD level is
//! unsupported and the dispatched functions use [`super::swar`].
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
#[cfg(target_arch = "x86_64")]
mod sse2;

use super::{Search, SearchInput, SearchOutput, swar};
use perflab_core::{Ctx, Kernel, VariantKind};
use std::sync::OnceLock;

/// An instruction-set level the search can run at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Portable word-at-a-time code; always available.
    Swar,
    /// 16-byte vectors (every x86-64 CPU).
    Sse2,
    /// 32-byte vectors.
    Avx2,
    /// 64-byte vectors with byte operations (AVX-512F + AVX-512BW).
    Avx512,
}

impl Level {
    /// Every level, slowest first.
    pub const ALL: [Level; 4] = [Level::Swar, Level::Sse2, Level::Avx2, Level::Avx512];

    /// Whether this CPU can run the level (runtime detection).
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        match self {
            Level::Swar => true,
            Level::Sse2 => is_x86_feature_detected!("sse2"),
            Level::Avx2 => is_x86_feature_detected!("avx2"),
            Level::Avx512 => {
                is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw")
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Level::Swar
        }
    }

    /// The fastest supported level, detected on the first call and then cached.
    pub fn best() -> Level {
        static BEST: OnceLock<Level> = OnceLock::new();
        *BEST.get_or_init(|| {
            Level::ALL
                .into_iter()
                .rev()
                .find(|l| l.is_supported())
                .unwrap_or(Level::Swar)
        })
    }

    /// Counts bytes equal to `needle` at this level, or `None` if this CPU lacks the level.
    pub fn count(self, haystack: &[u8], needle: u8) -> Option<usize> {
        if !self.is_supported() {
            return None;
        }
        // SAFETY: the level is supported: checked just above.
        Some(unsafe { self.count_unchecked(haystack, needle) })
    }

    /// Finds the first byte equal to `needle` at this level; the outer `None` means this CPU
    /// lacks the level.
    pub fn find(self, haystack: &[u8], needle: u8) -> Option<Option<usize>> {
        if !self.is_supported() {
            return None;
        }
        // SAFETY: the level is supported: checked just above.
        Some(unsafe { self.find_unchecked(haystack, needle) })
    }

    /// Counts at this level without checking the CPU.
    ///
    /// # Safety
    ///
    /// [`Level::is_supported`] must be true for `self`.
    #[inline]
    unsafe fn count_unchecked(self, haystack: &[u8], needle: u8) -> usize {
        #[cfg(target_arch = "x86_64")]
        match self {
            // SAFETY: our caller guarantees `is_supported()`: the CPU has SSE2.
            Level::Sse2 => return unsafe { sse2::count(haystack, needle) },
            // SAFETY: our caller guarantees `is_supported()`: the CPU has AVX2.
            Level::Avx2 => return unsafe { avx2::count(haystack, needle) },
            // SAFETY: our caller guarantees `is_supported()`: AVX-512F and AVX-512BW.
            Level::Avx512 => return unsafe { avx512::count(haystack, needle) },
            Level::Swar => {}
        }
        swar::count(haystack, needle)
    }

    /// Finds at this level without checking the CPU.
    ///
    /// # Safety
    ///
    /// [`Level::is_supported`] must be true for `self`.
    #[inline]
    unsafe fn find_unchecked(self, haystack: &[u8], needle: u8) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        match self {
            // SAFETY: our caller guarantees `is_supported()`: the CPU has SSE2.
            Level::Sse2 => return unsafe { sse2::find(haystack, needle) },
            // SAFETY: our caller guarantees `is_supported()`: the CPU has AVX2.
            Level::Avx2 => return unsafe { avx2::find(haystack, needle) },
            // SAFETY: our caller guarantees `is_supported()`: AVX-512F and AVX-512BW.
            Level::Avx512 => return unsafe { avx512::find(haystack, needle) },
            Level::Swar => {}
        }
        swar::find(haystack, needle)
    }
}

/// [`super::count`] at the cached best level.
#[inline]
pub(super) fn count_best(haystack: &[u8], needle: u8) -> usize {
    // SAFETY: `best()` only returns a level whose `is_supported()` was true (or `Swar`).
    unsafe { Level::best().count_unchecked(haystack, needle) }
}

/// [`super::find`] at the cached best level.
#[inline]
pub(super) fn find_best(haystack: &[u8], needle: u8) -> Option<usize> {
    // SAFETY: `best()` only returns a level whose `is_supported()` was true (or `Swar`).
    unsafe { Level::best().find_unchecked(haystack, needle) }
}

/// The `simd-*` variants: one kernel type, parameterised by its level.
pub struct SimdKernel {
    level: Level,
}

impl SimdKernel {
    /// The variant for `level` (use a vector level; `Swar` has its own `swar` variant).
    pub fn new(level: Level) -> Self {
        SimdKernel { level }
    }
}

impl Kernel<Search> for SimdKernel {
    fn name(&self) -> &'static str {
        match self.level {
            Level::Swar => "simd-swar",
            Level::Sse2 => "simd-sse2",
            Level::Avx2 => "simd-avx2",
            Level::Avx512 => "simd-avx512",
        }
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }

    fn supported(&self) -> bool {
        self.level.is_supported()
    }

    fn run(&self, input: &SearchInput, _ctx: &Ctx) -> SearchOutput {
        perflab_core::scope!("search/simd", self.name());
        let h = input.haystack.as_slice();
        let n = input.needle;
        // The harness never runs an unsupported kernel; if someone does, fall back rather
        // than execute instructions the CPU lacks.
        let level = if self.level.is_supported() {
            self.level
        } else {
            Level::Swar
        };
        // SAFETY: `level` is supported: checked just above (`Swar` always is).
        unsafe { SearchOutput::new(level.count_unchecked(h, n), level.find_unchecked(h, n)) }
    }
}

/// The operations the two algorithms need from a vector of bytes.
///
/// Besides the three x86-64 types, the tests implement it for a plain byte array of 16, 32 and
/// 64 bytes, so the algorithms' loop bounds, flushes and tails are checked at every width on any
/// machine, including the 64-byte width of AVX-512 where this CPU cannot run AVX-512 itself.
///
/// # Safety
///
/// Every method may use instructions of the implementing ISA: callers must only call them when
/// the CPU supports it (in practice: from inside that ISA's `#[target_feature]` entry point).
#[cfg(any(target_arch = "x86_64", test))]
trait Vector: Copy {
    /// Bytes per vector.
    const BYTES: usize;
    /// Every byte equal to `byte`.
    unsafe fn splat(byte: u8) -> Self;
    /// All zero.
    unsafe fn zero() -> Self;
    /// Loads `BYTES` bytes from `ptr`, which need not be aligned but must be readable.
    unsafe fn load(ptr: *const u8) -> Self;
    /// 0xFF in each byte where `self` and `other` are equal, 0x00 elsewhere.
    unsafe fn cmpeq(self, other: Self) -> Self;
    /// Bitwise OR.
    unsafe fn or(self, other: Self) -> Self;
    /// Byte-wise wrapping subtraction.
    unsafe fn sub_bytes(self, other: Self) -> Self;
    /// The high bit of each byte, byte `i` at bit `i`.
    unsafe fn movemask(self) -> u64;
    /// Sums each group of 8 bytes into the 64-bit lane they occupy (`psadbw` against zero).
    unsafe fn sum_bytes_to_u64(self) -> Self;
    /// 64-bit lane-wise addition.
    unsafe fn add_u64(self, other: Self) -> Self;
    /// The sum of the 64-bit lanes.
    unsafe fn horizontal_sum_u64(self) -> u64;
}

/// Vectors compared per step of both main loops.
#[cfg(any(target_arch = "x86_64", test))]
const UNROLL: usize = 4;

/// Counts bytes of `haystack` equal to `needle`.
///
/// # Safety
///
/// The CPU must support `V`'s instruction set (see [`Vector`]).
#[cfg(any(target_arch = "x86_64", test))]
#[inline(always)]
unsafe fn count_generic<V: Vector>(haystack: &[u8], needle: u8) -> usize {
    let len = haystack.len();
    if len < V::BYTES {
        return swar::count(haystack, needle);
    }
    let ptr = haystack.as_ptr();
    // SAFETY: the caller guarantees the CPU supports `V`'s ISA, which every vector method
    // needs. Every `load` is at `ptr + i` with `i + V::BYTES <= len` (the loop conditions check
    // it; the final overlapping load is at `len - V::BYTES`, and `len >= V::BYTES` here), so no
    // load leaves the slice, and every `ptr.add` stays within it.
    unsafe {
        let splat = V::splat(needle);
        let step = UNROLL * V::BYTES;
        let mut i = 0;
        let mut total = V::zero();
        while len - i >= step {
            // At most 255 steps before a flush, so no byte lane passes 255.
            let steps = ((len - i) / step).min(255);
            let (mut a, mut b, mut c, mut d) = (V::zero(), V::zero(), V::zero(), V::zero());
            for _ in 0..steps {
                let p = ptr.add(i);
                a = a.sub_bytes(V::load(p).cmpeq(splat));
                b = b.sub_bytes(V::load(p.add(V::BYTES)).cmpeq(splat));
                c = c.sub_bytes(V::load(p.add(2 * V::BYTES)).cmpeq(splat));
                d = d.sub_bytes(V::load(p.add(3 * V::BYTES)).cmpeq(splat));
                i += step;
            }
            // Each accumulator is summed on its own: two lanes of 255 would overflow a byte.
            total = total
                .add_u64(a.sum_bytes_to_u64())
                .add_u64(b.sum_bytes_to_u64())
                .add_u64(c.sum_bytes_to_u64())
                .add_u64(d.sum_bytes_to_u64());
        }
        // Fewer than UNROLL whole vectors remain: at most 3 per lane.
        let mut rest = V::zero();
        while len - i >= V::BYTES {
            rest = rest.sub_bytes(V::load(ptr.add(i)).cmpeq(splat));
            i += V::BYTES;
        }
        let mut count = total.add_u64(rest.sum_bytes_to_u64()).horizontal_sum_u64() as usize;
        if i < len {
            // The last `len - i` bytes: load the final whole vector (len >= V::BYTES) and drop
            // the mask bits of the bytes before `i`, which were already counted.
            let seen = V::BYTES - (len - i);
            let mask = V::load(ptr.add(len - V::BYTES)).cmpeq(splat).movemask() >> seen;
            count += mask.count_ones() as usize;
        }
        count
    }
}

/// Finds the first byte of `haystack` equal to `needle`.
///
/// # Safety
///
/// The CPU must support `V`'s instruction set (see [`Vector`]).
#[cfg(any(target_arch = "x86_64", test))]
#[inline(always)]
unsafe fn find_generic<V: Vector>(haystack: &[u8], needle: u8) -> Option<usize> {
    let len = haystack.len();
    if len < V::BYTES {
        return swar::find(haystack, needle);
    }
    let ptr = haystack.as_ptr();
    // SAFETY: the caller guarantees the CPU supports `V`'s ISA, which every vector method
    // needs. Every `load` is at `ptr + i` with `i + V::BYTES <= len` (the loop conditions check
    // it; the final overlapping load is at `len - V::BYTES`, and `len >= V::BYTES` here), so no
    // load leaves the slice, and every `ptr.add` stays within it.
    unsafe {
        let splat = V::splat(needle);
        let step = UNROLL * V::BYTES;
        let mut i = 0;
        while len - i >= step {
            let p = ptr.add(i);
            let a = V::load(p).cmpeq(splat);
            let b = V::load(p.add(V::BYTES)).cmpeq(splat);
            let c = V::load(p.add(2 * V::BYTES)).cmpeq(splat);
            let d = V::load(p.add(3 * V::BYTES)).cmpeq(splat);
            if a.or(b).or(c.or(d)).movemask() != 0 {
                for (k, v) in [a, b, c, d].into_iter().enumerate() {
                    let mask = v.movemask();
                    if mask != 0 {
                        return Some(i + k * V::BYTES + mask.trailing_zeros() as usize);
                    }
                }
            }
            i += step;
        }
        while len - i >= V::BYTES {
            let mask = V::load(ptr.add(i)).cmpeq(splat).movemask();
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += V::BYTES;
        }
        if i < len {
            // As in count: the final whole vector, minus the bytes already searched.
            let seen = V::BYTES - (len - i);
            let mask = V::load(ptr.add(len - V::BYTES)).cmpeq(splat).movemask() >> seen;
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::naive;

    #[test]
    fn best_is_supported_and_stable() {
        let best = Level::best();
        assert!(best.is_supported());
        assert_eq!(best, Level::best());
        assert!(Level::Swar.is_supported());
    }

    #[test]
    fn every_supported_level_agrees_with_naive_around_vector_widths() {
        for level in Level::ALL.into_iter().filter(|l| l.is_supported()) {
            for len in [
                0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 1000,
            ] {
                let mut v: Vec<u8> = (0..len).map(|i| (i * 7 % 13) as u8).collect();
                for needle in [0u8, 3, 12, 200] {
                    assert_eq!(level.count(&v, needle), Some(naive::count(&v, needle)));
                    assert_eq!(level.find(&v, needle), Some(naive::find(&v, needle)));
                }
                if let Some(last) = v.last_mut() {
                    *last = 200;
                    assert_eq!(level.find(&v, 200), Some(Some(len - 1)), "{level:?}");
                }
            }
        }
    }

    /// A portable stand-in for a vector register of `N` bytes.
    #[derive(Clone, Copy)]
    struct Emulated<const N: usize>([u8; N]);

    impl<const N: usize> Emulated<N> {
        fn lanes_u64(self) -> impl Iterator<Item = u64> {
            (0..N / 8)
                .map(move |l| u64::from_le_bytes(self.0[8 * l..8 * l + 8].try_into().unwrap()))
        }

        fn from_lanes_u64(lanes: impl Iterator<Item = u64>) -> Self {
            let mut out = [0u8; N];
            for (l, v) in lanes.enumerate() {
                out[8 * l..8 * l + 8].copy_from_slice(&v.to_le_bytes());
            }
            Emulated(out)
        }

        fn zip(self, other: Self, f: impl Fn(u8, u8) -> u8) -> Self {
            Emulated(std::array::from_fn(|i| f(self.0[i], other.0[i])))
        }
    }

    impl<const N: usize> Vector for Emulated<N> {
        const BYTES: usize = N;

        unsafe fn splat(byte: u8) -> Self {
            Emulated([byte; N])
        }

        unsafe fn zero() -> Self {
            Emulated([0; N])
        }

        unsafe fn load(ptr: *const u8) -> Self {
            // SAFETY: the `Vector` contract: `N` readable bytes at `ptr`; `read_unaligned` needs
            // no alignment.
            Emulated(unsafe { ptr.cast::<[u8; N]>().read_unaligned() })
        }

        unsafe fn cmpeq(self, other: Self) -> Self {
            self.zip(other, |a, b| if a == b { 0xFF } else { 0 })
        }

        unsafe fn or(self, other: Self) -> Self {
            self.zip(other, |a, b| a | b)
        }

        unsafe fn sub_bytes(self, other: Self) -> Self {
            self.zip(other, u8::wrapping_sub)
        }

        unsafe fn movemask(self) -> u64 {
            (0..N).fold(0, |m, i| m | u64::from(self.0[i] >> 7) << i)
        }

        unsafe fn sum_bytes_to_u64(self) -> Self {
            let sums =
                (0..N / 8).map(|l| self.0[8 * l..8 * l + 8].iter().map(|&b| u64::from(b)).sum());
            Self::from_lanes_u64(sums)
        }

        unsafe fn add_u64(self, other: Self) -> Self {
            Self::from_lanes_u64(self.lanes_u64().zip(other.lanes_u64()).map(|(a, b)| a + b))
        }

        unsafe fn horizontal_sum_u64(self) -> u64 {
            self.lanes_u64().sum()
        }
    }

    fn check_generic_width<const N: usize>() {
        let flush = 255 * UNROLL * N;
        let lens = (0..=2 * UNROLL * N + 3).chain([flush - 1, flush, flush + N + 1, 2 * flush + 7]);
        for len in lens {
            let all = vec![9u8; len];
            let mut mixed: Vec<u8> = (0..len).map(|i| (i % 11) as u8).collect();
            if let Some(last) = mixed.last_mut() {
                *last = 42;
            }
            for (data, needle) in [(&all, 9), (&all, 1), (&mixed, 3), (&mixed, 42)] {
                // SAFETY: `Emulated` uses no special instructions.
                let (count, find) = unsafe {
                    (
                        count_generic::<Emulated<N>>(data, needle),
                        find_generic::<Emulated<N>>(data, needle),
                    )
                };
                assert_eq!(count, naive::count(data, needle), "width {N}, len {len}");
                assert_eq!(find, naive::find(data, needle), "width {N}, len {len}");
            }
        }
    }

    #[test]
    fn generic_algorithms_at_every_vector_width() {
        check_generic_width::<16>();
        check_generic_width::<32>();
        check_generic_width::<64>();
    }

    #[test]
    fn unsupported_levels_say_so() {
        for level in Level::ALL.into_iter().filter(|l| !l.is_supported()) {
            assert_eq!(level.count(b"abc", b'a'), None);
            assert_eq!(level.find(b"abc", b'a'), None);
            assert!(!SimdKernel::new(level).supported());
        }
    }
}
