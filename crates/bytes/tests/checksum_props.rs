//! Property and edge-case tests for the `checksum` family: every variant (through
//! `family().first_mismatch`, so new kernels are covered without edits) equals naive, every SIMD
//! level this CPU supports is also called directly, and the `adler2` crate serves as an
//! independent oracle for known answers.

use perflab_bytes::checksum::simd::{LEVELS, update_at};
use perflab_bytes::checksum::{self, NMAX};
use perflab_core::{ByteInput, Rng};
use proptest::prelude::*;

fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut v = vec![0; len];
    Rng::new(seed).fill_bytes(&mut v);
    v
}

/// Panics with the variant's name when any supported variant disagrees with naive on `data`
/// placed at `misalign`.
fn assert_family_agrees(data: &[u8], misalign: usize) {
    let input = ByteInput::with_misalignment(data, misalign);
    if let Some((name, got, want)) = checksum::family().first_mismatch(&input) {
        panic!(
            "{name} gave {got:?}, naive {want:?} (len {}, misalign {misalign})",
            data.len()
        );
    }
}

/// Every supported SIMD level, called directly, equals the `adler2` oracle.
fn assert_levels_agree(data: &[u8]) {
    let want = adler2::adler32_slice(data);
    for level in LEVELS {
        if let Some(got) = update_at(level, 1, data) {
            assert_eq!(got, want, "{} at len {}", level.variant_name(), data.len());
        }
    }
}

#[test]
fn known_answers() {
    assert_eq!(checksum::adler32(b""), 1);
    assert_eq!(checksum::adler32(b"Wikipedia"), 0x11E6_0398);
    assert_eq!(checksum::adler32(b"abc"), 0x024D_0127);
    let ff = vec![0xFF; 1 << 20];
    let texts: [&[u8]; 5] = [
        b"a",
        b"message digest",
        b"abcdefghijklmnopqrstuvwxyz",
        &[0; 100_000],
        &ff,
    ];
    for text in texts {
        assert_eq!(checksum::adler32(text), adler2::adler32_slice(text));
    }
}

#[test]
fn every_length_up_to_257_at_every_misalignment() {
    let data = random_bytes(257, 1);
    for len in 0..=257 {
        for misalign in [0, 1, 7, 31, 63] {
            assert_family_agrees(&data[..len], misalign);
        }
        assert_levels_agree(&data[..len]);
    }
    for misalign in 0..64 {
        assert_family_agrees(&data, misalign);
    }
}

#[test]
fn lengths_around_nmax_multiples() {
    let data = random_bytes(4 * NMAX + 300, 2);
    // NMAX multiples, and the SIMD levels' block lengths: 5504 (SSSE3), 5376 (AVX2), 5120 (AVX-512).
    let blocks = [5504, 5376, 5120, 2 * 5504, 2 * 5376, 2 * 5120];
    let edges = [NMAX, 2 * NMAX, 3 * NMAX, 4 * NMAX]
        .into_iter()
        .chain(blocks);
    for edge in edges {
        for len in [edge - 1, edge, edge + 1, edge + 63, edge + 255] {
            assert_family_agrees(&data[..len], len % 64);
            assert_levels_agree(&data[..len]);
        }
    }
}

#[test]
fn saturated_bytes_would_overflow_without_reduction() {
    // 1 MiB of 0xFF: `b` reaches ~1.4e14 without modulo, far beyond u32.
    for byte in [0xFF, 0x00, 0x80] {
        let data = vec![byte; (1 << 20) + 13];
        assert_family_agrees(&data, 0);
        assert_family_agrees(&data, 17);
        assert_levels_agree(&data);
    }
}

#[test]
fn continuing_a_checksum_equals_checksumming_the_whole() {
    let data = random_bytes(30_000, 3);
    let whole = adler2::adler32_slice(&data);
    for cut in [0, 1, 100, NMAX - 1, NMAX, 12_345, 30_000] {
        let (x, y) = data.split_at(cut);
        assert_eq!(
            checksum::update(checksum::adler32(x), y),
            whole,
            "cut {cut}"
        );
        for level in LEVELS {
            if let Some(first) = update_at(level, 1, x) {
                assert_eq!(
                    update_at(level, first, y),
                    Some(whole),
                    "{} cut {cut}",
                    level.variant_name()
                );
            }
        }
    }
}

proptest! {
    #[test]
    fn random_inputs_agree(data in proptest::collection::vec(any::<u8>(), 0..3000), misalign in 0usize..64) {
        assert_family_agrees(&data, misalign);
        prop_assert_eq!(checksum::adler32(&data), adler2::adler32_slice(&data));
    }

    #[test]
    fn long_random_inputs_agree(seed in any::<u64>(), len in 5000usize..30_000, misalign in 0usize..64) {
        let data = random_bytes(len, seed);
        assert_family_agrees(&data, misalign);
        assert_levels_agree(&data);
    }

    #[test]
    fn any_start_value_continues_like_naive(start in any::<u32>(), data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let want = checksum::naive::update(start, &data);
        prop_assert_eq!(checksum::optimized::update(start, &data), want);
        prop_assert_eq!(checksum::update(start, &data), want);
        for level in LEVELS {
            if let Some(got) = update_at(level, start, &data) {
                prop_assert_eq!(got, want, "{}", level.variant_name());
            }
        }
    }
}
