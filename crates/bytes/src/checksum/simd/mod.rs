//! Adler-32 with `std::arch` vectors: the algorithm once (`generic.rs`), over a small `Vector`
//! trait, and thin per-ISA bindings (`ssse3.rs`, `avx2.rs`, `avx512.rs` for AVX-512BW and VNNI)
//! chosen by runtime detection ([`perflab_core::isa`]) once, when a kernel is constructed;
//! `emulated.rs` binds the algorithm to the portable vector of any width for tests.
//!
//! For a run of `n` bytes `d_0 … d_{n−1}` starting from sums `(a, b)`:
//! `a' = a + Σ d_g` and `b' = b + n·a + Σ (n − g)·d_g`. Split the run into `W`-byte vectors
//! `v_k`; a byte at lane `i` of vector `k` (of `N`) has weight `(n − g) = W·(N−1−k) + (W − i)`.
//! The first part needs, per vector, its byte sum (`psadbw` against zero, which leaves one sum
//! per 8-byte group) and the running sum of the vectors before it, scaled by `W` once at the
//! end. The second part splits again, with `i = 8g + j`: `W − i = (W − 8g − 7) + (7 − j)`.
//! `(W − 8g − 7)` depends only on the group, so it is applied once per block to the per-group
//! byte sums `psadbw` already gave us (one `pmuludq`); `(7 − j)` is a tiny weight, so
//! `pmaddubsw` products of eight vectors can be added as 16-bit values (at most 8·13·255 =
//! 26520) before one widening `pmaddwd` (or, with VNNI, `vpdpbusd` does it all). The sums stay
//! exact in 32-bit lanes for up to [`NMAX`] bytes, so the two divisions happen once per block.
//!
//! The loop (`sum_block`) takes eight vectors per step, as two halves whose "vectors before me"
//! term is split into a per-half part (the sum before it, scaled `4W`) and an in-half part
//! (`3·t0 + 2·t1 + t2`, scaled `W`), so no accumulator carries a long chain of dependent adds.
//!
//! The loop is bound by vector-ALU throughput, and mostly by the multiplier-class operations
//! (`psadbw`, `pmaddubsw`, `pmaddwd`): per 256 bytes at AVX2 it issues 8 + 8 + 1 of them where
//! the classic one-vector loop (`simd-adler32`) issues 8 + 8 + 8. Every byte still needs a share
//! of a `psadbw` and of a `pmaddubsw`, and the prefix term costs two adds per vector however it
//! is arranged, so the headroom left on AVX2 is small; VNNI is where the next real step is.

use super::{Adler32Output, Checksum, INITIAL, optimized, output};
use perflab_core::isa::Level;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use std::sync::OnceLock;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(test)]
mod emulated;
mod generic;
#[cfg(target_arch = "x86_64")]
mod ssse3;

/// The levels this family implements, narrowest first (the order the family lists them).
pub const LEVELS: [Level; 4] = [Level::Ssse3, Level::Avx2, Level::Avx512, Level::Avx512Vnni];

/// One level's kernel, resolved for a CPU that has the level: continues a checksum.
///
/// The pointer is an `unsafe fn` because the per-ISA kernels are `#[target_feature]` functions.
/// A value is only built by [`UpdateFn::resolve`], after [`Level::is_supported`] said yes (or for
/// the scalar fallback, which needs nothing), so [`UpdateFn::call`] is safe.
#[derive(Clone, Copy)]
pub struct UpdateFn(unsafe fn(u32, &[u8]) -> u32);

impl UpdateFn {
    /// The scalar `optimized` kernel: what a CPU without the vector levels runs.
    const SCALAR: UpdateFn = UpdateFn(optimized::update);

    /// The kernel of `level`, or `None` when this CPU lacks its features or the family has no
    /// kernel at that level.
    pub fn resolve(level: Level) -> Option<UpdateFn> {
        level.resolve(&[
            #[cfg(target_arch = "x86_64")]
            (Level::Ssse3, UpdateFn(ssse3::update)),
            #[cfg(target_arch = "x86_64")]
            (Level::Avx2, UpdateFn(avx2::update)),
            #[cfg(target_arch = "x86_64")]
            (Level::Avx512, UpdateFn(avx512::update_bw)),
            #[cfg(target_arch = "x86_64")]
            (Level::Avx512Vnni, UpdateFn(avx512::update_vnni)),
        ])
    }

    /// The widest level of [`LEVELS`] this CPU has (else the scalar kernel), resolved on the
    /// first call and cached.
    pub fn best() -> UpdateFn {
        static BEST: OnceLock<UpdateFn> = OnceLock::new();
        *BEST.get_or_init(|| {
            Level::best_of(&LEVELS)
                .and_then(UpdateFn::resolve)
                .unwrap_or(UpdateFn::SCALAR)
        })
    }

    /// Continues `adler` over `data`.
    #[inline]
    pub fn call(self, adler: u32, data: &[u8]) -> u32 {
        // SAFETY: `self` came from `resolve` (or is the scalar kernel), which checked that the
        // CPU has the level the function was compiled for (see the type's docs).
        unsafe { (self.0)(adler, data) }
    }
}

/// Continues `adler` over `data` at `level`, or `None` when this CPU lacks its features (or the
/// family has no kernel at that level). Tests call this to exercise each level directly.
pub fn update_at(level: Level, adler: u32, data: &[u8]) -> Option<u32> {
    UpdateFn::resolve(level).map(|f| f.call(adler, data))
}

/// One SIMD level as a kernel of the family.
pub struct Simd {
    level: Level,
    update: Option<UpdateFn>,
}

impl Simd {
    /// The kernel for `level`; detection happens here, once, not in the timed loop.
    pub fn new(level: Level) -> Self {
        Simd {
            level,
            update: UpdateFn::resolve(level),
        }
    }
}

impl Kernel<Checksum> for Simd {
    fn name(&self) -> &'static str {
        self.level.variant_name()
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Simd
    }
    fn supported(&self) -> bool {
        self.update.is_some()
    }
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> Adler32Output {
        perflab_core::scope!("checksum/simd", self.name());
        // The harness never runs an unsupported kernel; should anyone else, answer correctly.
        let update = self.update.unwrap_or(UpdateFn::SCALAR);
        output(update.call(INITIAL, input.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_supported_level_matches_naive() {
        let data: Vec<u8> = (0..40_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for level in LEVELS {
            for len in [0, 1, 63, 64, 65, 255, 256, 257, 5551, 5552, 5553, 40_000] {
                let want = super::super::naive::update(1, &data[..len]);
                if let Some(got) = update_at(level, 1, &data[..len]) {
                    assert_eq!(got, want, "{} at {len}", level.variant_name());
                }
            }
        }
    }

    #[test]
    fn resolved_exactly_where_supported() {
        for level in Level::ALL {
            let k = Simd::new(level);
            assert_eq!(
                k.supported(),
                LEVELS.contains(&level) && level.is_supported()
            );
        }
    }
}
