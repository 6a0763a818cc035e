//! The `tags` workload: lines of comma-separated tags, validated and counted. It exists to show
//! what per-line `String`s and `Vec<String>`s cost against borrowed slices, fixed-capacity
//! vectors, an arena and a SIMD delimiter scan, on a format every service has somewhere.
//!
//! # Rules (every variant implements exactly these)
//!
//! - **Lines.** The input is split at every `\n`. One trailing `\r` is removed from each line
//!   (`\r\n` endings); any other `\r` is an ordinary (invalid) byte. The last line may lack its
//!   `\n`. A line that is empty after removing the `\r` is skipped and not counted. Every other
//!   line counts in `lines` and is either accepted or rejected.
//! - **Tags.** A line is split at every `,` into fields (so `a,,b` has an empty middle field
//!   and `a,` an empty last one). Each field is trimmed of leading and trailing ASCII spaces
//!   and tabs; what remains is the tag.
//! - **Validity.** A tag must be 1 to [`MAX_TAG_LEN`] (32) bytes, each in `[a-z0-9_-]`.
//!   Uppercase is *rejected*, not folded: tags are stored canonical, and folding would hide a
//!   writer's bug. A line is accepted iff every tag is valid and it has at most [`MAX_TAGS`]
//!   (16) tags. So an empty tag, a space inside a tag (`a b`), any other byte (punctuation,
//!   control bytes, any non-ASCII or non-UTF-8 byte) or a 33-byte tag rejects the whole line,
//!   as does a 17th tag. A line of only spaces is one empty tag, so it is rejected.
//! - **Counts.** `tags` counts the tags of accepted lines (duplicates within a line included),
//!   `distinct_tags` the distinct tag strings among them, `rejected_lines` the rejected lines.
//!
//! # Variants
//! `naive` (a `String` per line, `split(',')`, `Vec<String>`, `HashSet<String>`), `optimized`
//! (borrowed slices, `memchr` for line ends, one table-driven pass per line, an `ArrayVec` per
//! line, an Fx hash set of borrowed keys), `arena` (lines' tags in `bumpalo` vectors, distinct
//! tags in a hash table allocated in the arena) and the SIMD levels `simd` (best level, detected
//! once and cached, portable fallback), `simd-sse2` and `simd-avx2` (reported unsupported where
//! absent), which find delimiters and invalid bytes 64 bytes at a time with [`crate::scan`].
//! `Simd::portable()` runs the scanner's table fallback; tests call it directly.

mod arena;
mod generator;
mod naive;
mod optimized;
mod simd;

pub use arena::Arena;
pub use naive::Naive;
pub use optimized::Optimized;
pub use simd::Simd;

use perflab_core::{ByteWorkload, Family};
use serde::Serialize;

/// The longest valid tag, in bytes.
pub const MAX_TAG_LEN: usize = 32;
/// The most tags an accepted line may have.
pub const MAX_TAGS: usize = 16;

/// The `tags` workload: input bytes, [`TagsOutput`] summary.
pub struct Tags;

/// What every variant must agree on; serialised as
/// `{"lines": N, "tags": N, "distinct_tags": N, "rejected_lines": N}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TagsOutput {
    /// Non-empty lines, accepted or rejected.
    pub lines: u64,
    /// Tags on accepted lines.
    pub tags: u64,
    /// Distinct tags on accepted lines.
    pub distinct_tags: u64,
    /// Rejected lines.
    pub rejected_lines: u64,
}

/// Whether `b` may appear in a tag: `[a-z0-9_-]`.
#[inline(always)]
pub fn is_tag_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
}

impl ByteWorkload for Tags {
    const NAME: &'static str = "tags";
    const SUMMARY: &'static str =
        "validate comma-separated tag lines; count lines, tags, distinct tags, rejected lines";
    type Output = TagsOutput;

    /// Realistic tag lines (see the `generator` module), at most `size` bytes, ending at a line boundary.
    fn generate_bytes(size: usize, seed: u64) -> Vec<u8> {
        generator::generate(size, seed)
    }
}

/// Every `tags` variant, naive first: what the registry, benches and tests iterate.
pub fn family() -> Family<Tags> {
    Family::new(Naive)
        .with(Optimized)
        .with(Arena)
        .with(Simd::best())
        .with(Simd::sse2())
        .with(Simd::avx2())
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::Workload;

    #[test]
    fn generator_is_deterministic_and_sized() {
        for size in [0, 10, 1000, 65536] {
            let a = generator::generate(size, 7);
            assert!(a.len() <= size);
            assert!(size < 200 || a.len() + 200 > size, "{} of {size}", a.len());
            assert_eq!(a, generator::generate(size, 7));
        }
        let fam = family();
        let input = Tags::generate(1 << 16, 3);
        assert_eq!(fam.first_mismatch(&input), None);
        let o = fam.run("naive", &input).unwrap_or_default();
        let rejected = o.rejected_lines as f64 / o.lines as f64;
        assert!((0.01..0.08).contains(&rejected), "{o:?}");
        assert!(o.distinct_tags > 100, "{o:?}");
    }
}
