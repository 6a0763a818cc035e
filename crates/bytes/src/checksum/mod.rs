//! The `checksum` family: Adler-32 (RFC 1950), the checksum zlib streams end with.
//!
//! Adler-32 is two running sums modulo 65521: `a` is 1 plus the sum of the bytes and `b` is the
//! sum of every intermediate `a`. It is a good SIMD teaching kernel because the naive loop is a
//! serial chain of two adds and two divisions per byte, while the same value can be computed as a
//! plain byte sum plus a position-weighted byte sum, reduced once per few kilobytes. The variants
//! climb that ladder: [`naive`] (modulo per byte), [`optimized`] (deferred modulo, four lanes),
//! [`simd`] (SSSE3/AVX2/AVX-512 with runtime dispatch) and [`mod@reference`] (public crates).
//!
//! The public functions [`adler32`] and [`update`] use the best level this CPU supports, chosen
//! once and cached.

use perflab_core::{ByteInput, ByteWorkload, Ctx, Family, Kernel, VariantKind};
use serde::Serialize;

pub mod naive;
pub mod optimized;
pub mod reference;
pub mod simd;

/// The Adler-32 modulus: the largest prime below 2^16.
pub const MOD: u32 = 65521;

/// The most bytes that can be summed before `b` may overflow a `u32`, starting from `a` and `b`
/// below [`MOD`]: the largest `n` with `255·n(n+1)/2 + (n+1)·(MOD−1) < 2^32` (zlib's `NMAX`).
pub const NMAX: usize = 5552;

/// The checksum of no bytes, and the starting value for [`update`].
pub const INITIAL: u32 = 1;

/// The Adler-32 workload: random bytes (or a user's file) in, one checksum out.
pub struct Checksum;

/// The output summary: the checksum as RFC 1950 defines it, so `{"adler32": N}` can be checked
/// with any zlib.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Adler32Output {
    /// `b << 16 | a`.
    pub adler32: u32,
}

impl ByteWorkload for Checksum {
    const NAME: &'static str = "checksum";
    const SUMMARY: &'static str = "Adler-32 (RFC 1950) of a byte buffer";
    type Output = Adler32Output;

    // Generated input: uniformly random bytes (ByteWorkload's default).
}

/// Every checksum kernel, naive first: what the registry, the benches and the tests iterate.
pub fn family() -> Family<Checksum> {
    let mut family = Family::new(naive::Naive).with(optimized::Optimized);
    for level in simd::LEVELS {
        family = family.with(simd::Simd::new(level));
    }
    family.with(reference::SimdAdler32).with(reference::Adler2)
}

/// Wraps a checksum as the workload's output.
pub(crate) fn output(adler32: u32) -> Adler32Output {
    Adler32Output { adler32 }
}

/// The Adler-32 of `data`, computed by the fastest level this CPU supports.
pub fn adler32(data: &[u8]) -> u32 {
    update(INITIAL, data)
}

/// Continues a checksum: `update(adler32(x), y) == adler32(x ++ y)`, so streams can be
/// checksummed piece by piece.
pub fn update(adler: u32, data: &[u8]) -> u32 {
    simd::UpdateFn::best().call(adler, data)
}

/// Splits a checksum into its sums, reduced below [`MOD`] so that any `u32` is a safe start.
pub(crate) fn split(adler: u32) -> (u32, u32) {
    ((adler & 0xFFFF) % MOD, (adler >> 16) % MOD)
}

/// Joins reduced sums into a checksum.
pub(crate) fn join(a: u32, b: u32) -> u32 {
    (b << 16) | a
}

/// The kernels run on the whole input from the initial value; shared by every variant.
fn bytes(input: &ByteInput) -> &[u8] {
    input.as_slice()
}

impl Kernel<Checksum> for naive::Naive {
    fn name(&self) -> &'static str {
        "naive"
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> Adler32Output {
        perflab_core::scope!("checksum/naive");
        output(naive::update(INITIAL, bytes(input)))
    }
}

impl Kernel<Checksum> for optimized::Optimized {
    fn name(&self) -> &'static str {
        "optimized"
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }
    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> Adler32Output {
        perflab_core::scope!("checksum/optimized");
        output(optimized::update(INITIAL, bytes(input)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(naive::update(INITIAL, b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn output_serialises_as_documented() {
        let mut registry = perflab_core::Registry::new();
        registry.add(family());
        let workload = registry.get("checksum").unwrap();
        let path = std::env::temp_dir().join(format!("perflab-checksum-{}", std::process::id()));
        std::fs::write(&path, b"Wikipedia").unwrap();
        let source = perflab_core::InputSource::from_file(&path);
        std::fs::remove_file(&path).unwrap();
        let input = workload.prepare(&source.unwrap()).unwrap();
        let (json, matches) = input.check(0, &mut Ctx::new());
        assert!(matches);
        assert_eq!(json.to_string(), r#"{"adler32":300286872}"#);
    }

    #[test]
    fn update_continues_and_tolerates_unreduced_starts() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + 3) as u8).collect();
        let whole = adler32(&data);
        let (x, y) = data.split_at(12_345);
        assert_eq!(update(adler32(x), y), whole);
        // A start whose halves are not reduced means the same as its reduced form.
        assert_eq!(update(0xFFFF_FFFF, &data), update(0x000E_000E, &data));
    }

    #[test]
    fn family_lists_every_variant_naive_first() {
        let names: Vec<_> = family().variants().iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            [
                "naive",
                "optimized",
                "simd-ssse3",
                "simd-avx2",
                "simd-avx512",
                "simd-avx512vnni",
                "simd-adler32",
                "adler2"
            ]
        );
    }
}
