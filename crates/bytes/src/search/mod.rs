//! The `search` family: count the occurrences of one byte in a haystack and find the first.
//!
//! This is the smallest kernel where SIMD and word-at-a-time tricks decide everything: the naive
//! loop touches one byte per step, SWAR eight, SSE2/AVX2/AVX-512 sixteen to sixty-four. Lines in
//! a log, records in a CSV and frames in a stream are all found this way, so the numbers here
//! say how fast the parsers built on top can possibly go.
//!
//! # Input and output
//!
//! * A user's file (`--input FILE`): the needle is `b'\n'` (10), so `count` equals `wc -l`.
//! * Generated input (`size`, `seed`): exactly `size` bytes from [`perflab_core::Rng`], each of
//!   the 256 values equally likely, and the needle is `b'\n'` too. It is *not* planted: it
//!   occurs at its natural rate of 1 in 256 bytes, so `count ≈ size / 256` and the first match
//!   is usually within the first few hundred bytes. (The benches add a needle-absent input, where
//!   `find` must scan everything.)
//! * Output: `{"count": N, "first": I | null}`: the number of bytes equal to the needle and the
//!   index of the first one, or `null` when there is none.
//!
//! Besides the workload, this module is a small library: [`count`] and [`find`] pick the best
//! SIMD level for this CPU once and fall back to SWAR; [`simd::count_at`] runs any one level directly.

pub mod naive;
pub mod reference;
pub mod simd;
pub mod swar;

use perflab_core::{ByteInput, Family, InputError, Placement, Rng, Workload};
use serde::Serialize;

pub use perflab_core::isa::Level;
pub use simd::SimdKernel;

/// The needle for a user's file and for generated input: a newline, so that counts are lines.
pub const NEEDLE: u8 = b'\n';

/// The search workload: count a byte and find its first occurrence.
pub struct Search;

/// A haystack and the byte to look for.
#[derive(Clone, Debug)]
pub struct SearchInput {
    /// The bytes searched, at a chosen alignment (generated inputs start 64-byte aligned).
    pub haystack: ByteInput,
    /// The byte counted and found.
    pub needle: u8,
}

/// What every search variant must agree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SearchOutput {
    /// How many bytes equal the needle.
    pub count: u64,
    /// The index of the first byte equal to the needle, if any.
    pub first: Option<u64>,
}

impl SearchOutput {
    /// Builds the summary from a count and a position, as every kernel computes them.
    pub fn new(count: usize, first: Option<usize>) -> Self {
        SearchOutput {
            count: count as u64,
            first: first.map(|i| i as u64),
        }
    }
}

impl Workload for Search {
    const NAME: &'static str = "search";
    const SUMMARY: &'static str = "count occurrences of a byte and find the first";
    type Input = SearchInput;
    type Output = SearchOutput;

    fn generate(size: usize, seed: u64) -> SearchInput {
        let mut bytes = vec![0u8; size];
        Rng::new(seed).fill_bytes(&mut bytes);
        SearchInput {
            haystack: ByteInput::new(&bytes),
            needle: NEEDLE,
        }
    }

    fn from_file(data: &[u8]) -> Result<SearchInput, InputError> {
        Ok(SearchInput {
            haystack: ByteInput::new(data),
            needle: NEEDLE,
        })
    }

    fn input_bytes(input: &SearchInput) -> usize {
        input.haystack.len()
    }

    fn relocated(input: &SearchInput, place: Placement) -> Option<SearchInput> {
        Some(SearchInput {
            haystack: input.haystack.relocated_to(place),
            needle: input.needle,
        })
    }

    fn describe_input(input: &SearchInput) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("needle".into(), input.needle.into());
        map
    }
}

/// Every search variant, naive first.
pub fn family() -> Family<Search> {
    Family::new(naive::Naive)
        .with(swar::Swar)
        .with(SimdKernel::new(Level::Sse2))
        .with(SimdKernel::new(Level::Avx2))
        .with(SimdKernel::new(Level::Avx512))
        .with(reference::Memchr)
        .with(reference::Bytecount)
}

/// Counts the bytes of `haystack` equal to `needle`, with the best level this CPU supports.
///
/// The level is detected on the first call and cached; without x86-64 SIMD it is SWAR.
pub fn count(haystack: &[u8], needle: u8) -> usize {
    simd::count_best(haystack, needle)
}

/// Finds the index of the first byte of `haystack` equal to `needle`, with the best level this
/// CPU supports (detected once, cached; SWAR without x86-64 SIMD).
pub fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    simd::find_best(haystack, needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::{InputSource, Registry};

    #[test]
    fn output_json_shape() {
        let out = SearchOutput::new(3, Some(7));
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"count":3,"first":7}"#
        );
        let none = SearchOutput::new(0, None);
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            r#"{"count":0,"first":null}"#
        );
    }

    #[test]
    fn file_counts_lines_like_wc() {
        let input = Search::from_file(b"a\nbb\n\nccc").unwrap();
        let fam = family();
        assert_eq!(
            fam.run("naive", &input),
            Some(SearchOutput::new(3, Some(1)))
        );
        assert!(fam.first_mismatch(&input).is_none());
    }

    #[test]
    fn generated_input_is_exact_size_with_natural_needles() {
        let a = Search::generate(1 << 16, 9);
        let b = Search::generate(1 << 16, 9);
        assert!(a.haystack.as_slice() == b.haystack.as_slice());
        assert_eq!(a.haystack.len(), 1 << 16);
        assert_eq!(a.needle, b'\n');
        let n = count(a.haystack.as_slice(), a.needle);
        // 65536 / 256 = 256 expected; a binomial with sd ≈ 16.
        assert!((150..360).contains(&n), "{n}");
        assert!(family().first_mismatch(&a).is_none());
    }

    #[test]
    fn registered_and_described() {
        let mut r = Registry::new();
        r.add(family());
        let w = r.get("search").unwrap();
        let names: Vec<_> = w.variants().iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            [
                "naive",
                "swar",
                "simd-sse2",
                "simd-avx2",
                "simd-avx512",
                "memchr",
                "bytecount"
            ]
        );
        let input = w.prepare(&InputSource::generated(4096)).unwrap();
        assert_eq!(input.describe()["needle"], 10);
        assert_eq!(input.bytes(), 4096);
    }

    #[test]
    fn public_api_on_small_cases() {
        assert_eq!(count(b"", b'x'), 0);
        assert_eq!(find(b"", b'x'), None);
        assert_eq!(count(b"xax", b'x'), 2);
        assert_eq!(find(b"abx", b'x'), Some(2));
    }
}
