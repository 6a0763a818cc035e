//! SWAR ("SIMD within a register"): eight bytes per `u64`, in portable safe Rust.
//!
//! This is the fallback of the dispatched [`super::count`] and [`super::find`] on CPUs without
//! the x86-64 vector levels, and the `optimized` variant that shows how far scalar code gets.
//!
//! The core trick: for `x = word ^ splat(needle)`, a byte of `x` is zero exactly where the word
//! matches. `((x & 0x7F..) + 0x7F..) | x` sets a byte's high bit unless the byte is zero, and no
//! carry crosses bytes (`0x7F + 0x7F < 0x100`), so the complement's high bits mark the matches
//! exactly, one bit per byte.

use super::{Search, SearchInput, SearchOutput};
use perflab_core::{Ctx, Kernel, VariantKind};

/// Word-at-a-time search, four `u64` words per step.
pub struct Swar;

const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const HI: u64 = 0x8080_8080_8080_8080;
const ONES: u64 = 0x0101_0101_0101_0101;
/// Words handled per step of the main loops.
const UNROLL: usize = 4;
/// Steps between flushes of the byte-lane counters: each step adds at most `UNROLL` to a lane,
/// and a lane holds 255.
const STEPS_PER_FLUSH: usize = 255 / UNROLL;

/// The high bit of every byte of `word` that equals the needle (`splat = needle * 0x01..01`).
#[inline(always)]
fn matches(word: u64, splat: u64) -> u64 {
    let x = word ^ splat;
    !(((x & LO7) + LO7) | x) & HI
}

/// Sums the eight byte lanes of `lanes` (each at most 255) without overflow.
#[inline(always)]
fn sum_lanes(lanes: u64) -> usize {
    let pairs = (lanes & 0x00FF_00FF_00FF_00FF) + ((lanes >> 8) & 0x00FF_00FF_00FF_00FF);
    (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize
}

#[inline(always)]
fn word(chunk: &[u8; 8]) -> u64 {
    u64::from_le_bytes(*chunk)
}

/// Counts bytes equal to `needle`. Match bits are shifted down to a 1 per byte and summed in the
/// byte lanes of one register; the lanes are flushed before any can overflow.
pub fn count(haystack: &[u8], needle: u8) -> usize {
    let splat = ONES * u64::from(needle);
    let (words, tail) = haystack.as_chunks::<8>();
    let (steps, rest) = words.as_chunks::<UNROLL>();
    let mut total = 0;
    for block in steps.chunks(STEPS_PER_FLUSH) {
        let mut lanes = 0u64;
        for step in block {
            for w in step {
                lanes += matches(word(w), splat) >> 7;
            }
        }
        total += sum_lanes(lanes);
    }
    for w in rest {
        total += matches(word(w), splat).count_ones() as usize;
    }
    total + tail.iter().filter(|&&b| b == needle).count()
}

/// Finds the first byte equal to `needle`. Four words are tested with one OR; only a step that
/// contains a match looks at its words one by one. The lowest set match bit is the first match
/// because the words were read little-endian.
pub fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    let splat = ONES * u64::from(needle);
    let (words, tail) = haystack.as_chunks::<8>();
    let (steps, rest) = words.as_chunks::<UNROLL>();
    for (s, step) in steps.iter().enumerate() {
        let any = step.iter().fold(0, |acc, w| acc | matches(word(w), splat));
        if any != 0 {
            return find_in_words(step, splat).map(|i| s * UNROLL * 8 + i);
        }
    }
    let base = steps.len() * UNROLL * 8;
    if let Some(i) = find_in_words(rest, splat) {
        return Some(base + i);
    }
    let base = words.len() * 8;
    tail.iter().position(|&b| b == needle).map(|i| base + i)
}

#[inline(always)]
fn find_in_words(words: &[[u8; 8]], splat: u64) -> Option<usize> {
    words.iter().enumerate().find_map(|(i, w)| {
        let m = matches(word(w), splat);
        (m != 0).then(|| i * 8 + (m.trailing_zeros() / 8) as usize)
    })
}

impl Kernel<Search> for Swar {
    fn name(&self) -> &'static str {
        "swar"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &SearchInput, _ctx: &Ctx) -> SearchOutput {
        perflab_core::scope!("search/swar");
        let h = input.haystack.as_slice();
        SearchOutput::new(count(h, input.needle), find(h, input.needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_bits_are_exact_for_every_byte_pair() {
        for needle in 0..=255u8 {
            let splat = ONES * u64::from(needle);
            for b in 0..=255u8 {
                let w = u64::from_le_bytes([b, needle, b, b, needle, b, 0, 255]);
                let want = (0..8).filter(|&i| w.to_le_bytes()[i] == needle);
                let got = matches(w, splat);
                assert_eq!(got, want.fold(0, |m, i| m | 0x80 << (8 * i)));
            }
        }
    }

    #[test]
    fn flush_keeps_large_counts_exact() {
        let all = vec![7u8; 100_003];
        assert_eq!(count(&all, 7), all.len());
        assert_eq!(find(&all, 7), Some(0));
        assert_eq!(count(&all, 8), 0);
        assert_eq!(find(&all, 8), None);
    }

    #[test]
    fn every_position_in_every_short_length() {
        for len in 0..80 {
            for pos in 0..len {
                let mut v = vec![0u8; len];
                v[pos] = 1;
                assert_eq!(find(&v, 1), Some(pos), "len {len} pos {pos}");
                assert_eq!(count(&v, 1), 1);
                assert_eq!(count(&v, 0), len - 1);
            }
        }
    }
}
