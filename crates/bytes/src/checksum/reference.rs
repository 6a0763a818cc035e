//! The public crates, as yardsticks: `simd-adler32` (SSSE3/AVX2/AVX-512 with runtime detection,
//! the target to beat) and `adler2` (the portable scalar crate `miniz_oxide` uses).

use super::{Adler32Output, Checksum, output};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};

/// The `simd-adler32` crate.
pub struct SimdAdler32;

/// The `adler2` crate.
pub struct Adler2;

impl Kernel<Checksum> for SimdAdler32 {
    fn name(&self) -> &'static str {
        "simd-adler32"
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Reference
    }
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> Adler32Output {
        perflab_core::scope!("checksum/simd-adler32");
        // `adler32` builds a hasher (one cached feature check) and writes the slice once: the
        // crate's own recommended one-shot use.
        output(simd_adler32::adler32(&input.as_slice()))
    }
}

impl Kernel<Checksum> for Adler2 {
    fn name(&self) -> &'static str {
        "adler2"
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Reference
    }
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> Adler32Output {
        perflab_core::scope!("checksum/adler2");
        output(adler2::adler32_slice(input.as_slice()))
    }
}
