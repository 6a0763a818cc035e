//! Property tests for `wordfreq`: every variant (through `family().first_mismatch`, so new
//! kernels are covered without wiring) and every SIMD level this CPU supports equal naive, on
//! random bytes, separator-heavy ASCII, generated text, lengths around the SIMD widths and
//! unaligned starts.

use perflab_core::{ByteInput, Kernel};
use perflab_text::wordfreq::simd::{LEVELS, count_with};
use perflab_text::wordfreq::{Naive, family, generate_text};
use proptest::prelude::*;

/// Checks every variant and every supported SIMD level against naive on `data` placed at
/// misalignment `misalign`.
fn check(data: &[u8], misalign: usize) -> Result<(), TestCaseError> {
    let input = ByteInput::with_misalignment(data, misalign);
    if let Some((name, got, want)) = family().first_mismatch(&input) {
        return Err(TestCaseError::fail(format!(
            "variant {name} at misalignment {misalign} on {data:?}: got {got:?}, want {want:?}"
        )));
    }
    let want = Naive.run(&input, &perflab_core::Ctx::new());
    for level in LEVELS.into_iter().filter(|l| l.is_supported()) {
        let got = count_with(level, input.as_slice());
        prop_assert_eq!(got.as_ref(), Some(&want), "level {:?} on {:?}", level, data);
    }
    Ok(())
}

/// Bytes biased towards word boundaries: letters of both cases, digits, separators, UTF-8.
fn texty_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        4 => prop::sample::select(b"abcAB".to_vec()),
        2 => prop::sample::select(b"09zZ".to_vec()),
        3 => prop::sample::select(b" .,\n-'@[`{/:".to_vec()),
        1 => prop::sample::select(vec![0u8, 0x80, 0xC3, 0xA9, 0xFF, 0x10, 0x19]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes(data in prop::collection::vec(any::<u8>(), 0..600), m in 0usize..64) {
        check(&data, m)?;
    }

    #[test]
    fn separator_heavy_ascii(data in prop::collection::vec(texty_byte(), 0..700), m in 0usize..64) {
        check(&data, m)?;
    }

    #[test]
    fn long_words_across_blocks(
        parts in prop::collection::vec((1usize..90, 0usize..3, any::<bool>()), 0..20),
        m in 0usize..64,
    ) {
        // Runs of one repeated word-ish pattern, some longer than 16 bytes and than a block.
        let mut data = Vec::new();
        for (len, sep, upper) in parts {
            let word: Vec<u8> = (0..len).map(|i| b"aZ7q"[i % 4]).collect();
            data.extend(if upper { word.to_ascii_uppercase() } else { word });
            data.extend(std::iter::repeat_n(b' ', sep));
        }
        check(&data, m)?;
    }
}

#[test]
fn generated_text_several_seeds_and_slices() {
    for seed in 0..6 {
        let text = generate_text(30_000, seed);
        check(&text, seed as usize * 7).unwrap();
        // Slices starting and ending anywhere, including inside UTF-8 sequences.
        for (start, len) in [(1, 4097), (13, 6000), (100, 64), (7, 129)] {
            check(&text[start..start + len], (start + len) % 64).unwrap();
        }
    }
}

#[test]
fn every_length_around_simd_widths_at_every_misalignment() {
    let text = generate_text(200, 42);
    let letters: Vec<u8> = (0..200).map(|i| b"Ab9"[i % 3]).collect();
    for len in 0..=130 {
        for m in 0..64 {
            check(&text[..len], m).unwrap();
            check(&letters[..len], m).unwrap();
        }
    }
}
