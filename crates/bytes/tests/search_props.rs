//! Property and edge-case tests for the `search` family: every variant must equal naive.
//!
//! Whole-family checks go through `family().first_mismatch`, so a variant added to the family is
//! covered without touching this file. Each SIMD level this CPU supports is also called directly
//! (through `count_at` and `find_at`), because the family runs them only on the inputs handed to it.

use perflab_bytes::search::simd::{LEVELS, count_at, find_at};
use perflab_bytes::search::{self, SearchInput, family, naive};
use perflab_core::ByteInput;
use proptest::prelude::*;

/// Checks the whole family and every supported level on `data` placed at `misalign`.
fn check(data: &[u8], needle: u8, misalign: usize) {
    let input = SearchInput {
        haystack: ByteInput::with_misalignment(data, misalign),
        needle,
    };
    if let Some((variant, got, want)) = family().first_mismatch(&input) {
        panic!(
            "variant `{variant}` gave {got:?}, naive {want:?} (len {}, needle {needle}, misalign {misalign})",
            data.len()
        );
    }
    let h = input.haystack.as_slice();
    let (count, first) = (naive::count(h, needle), naive::find(h, needle));
    for level in LEVELS.into_iter().filter(|l| l.is_supported()) {
        assert_eq!(
            count_at(level, h, needle),
            Some(count),
            "{level:?} count, len {}",
            h.len()
        );
        assert_eq!(
            find_at(level, h, needle),
            Some(first),
            "{level:?} find, len {}",
            h.len()
        );
    }
    assert_eq!(search::count(h, needle), count);
    assert_eq!(search::find(h, needle), first);
}

/// Bytes drawn from a small alphabet, so the needle occurs often and in runs.
fn dense_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..4, 0..max_len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes(data in prop::collection::vec(any::<u8>(), 0..2048), needle: u8, misalign in 0usize..64) {
        check(&data, needle, misalign);
    }

    #[test]
    fn dense_needles(data in dense_bytes(1200), needle in 0u8..4, misalign in 0usize..64) {
        check(&data, needle, misalign);
    }

    #[test]
    fn one_needle_anywhere(len in 1usize..1100, pos_frac in 0.0f64..1.0, misalign in 0usize..64) {
        let pos = ((len as f64 * pos_frac) as usize).min(len - 1);
        let mut data = vec![b'a'; len];
        data[pos] = b'\n';
        check(&data, b'\n', misalign);
    }
}

#[test]
fn every_length_up_to_257() {
    for len in 0..=257usize {
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        for needle in [0u8, 7, 250, 255] {
            check(&data, needle, len % 64);
        }
    }
}

#[test]
fn every_misalignment() {
    let data: Vec<u8> = (0..300).map(|i| (i % 5) as u8).collect();
    for misalign in 0..64 {
        for len in [0, 1, 15, 16, 17, 32, 63, 64, 65, 129, 300] {
            check(&data[..len], 3, misalign);
            check(&data[..len], 9, misalign);
        }
    }
}

#[test]
fn needle_only_at_first_or_last_byte() {
    for len in 1..=257usize {
        let mut first = vec![b'x'; len];
        first[0] = b'\n';
        check(&first, b'\n', 0);
        let mut last = vec![b'x'; len];
        last[len - 1] = b'\n';
        check(&last, b'\n', 3);
    }
}

#[test]
fn all_needle_and_absent() {
    for len in (0..=257usize).chain([1000, 4095, 4096, 4097]) {
        let all = vec![b'\n'; len];
        check(&all, b'\n', len % 64);
        check(&all, b'y', len % 64);
    }
}

#[test]
fn long_all_needle_inputs_cross_the_byte_lane_flush() {
    // The SIMD count flushes its byte lanes every 255 steps of 4 vectors: 255 * 4 * 64 bytes for
    // AVX-512. Three flushes plus odd tails, at a few alignments.
    let flush = 255 * 4 * 64;
    for len in [flush - 1, flush, flush + 1, 3 * flush + 37, 255 * 64 + 5] {
        let all = vec![0xFFu8; len];
        for misalign in [0, 1, 33] {
            check(&all, 0xFF, misalign);
        }
        let mut last_only = vec![0u8; len];
        last_only[len - 1] = 0xFF;
        check(&last_only, 0xFF, 5);
    }
}
