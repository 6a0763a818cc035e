//! Property tests of the `tags` family: every variant equals naive on generated input, mutated
//! input, arbitrary bytes and edge cases, at every misalignment, and at every SIMD level this
//! CPU supports; plus known answers for a hand-written file.

use perflab_core::{ByteInput, Ctx, Kernel, Workload};
use perflab_parse::tags::{MAX_TAG_LEN, MAX_TAGS, Naive, Simd, Tags, TagsOutput, family};
use proptest::prelude::*;

/// Asserts that all family variants and every supported SIMD level (portable included) agree
/// with naive on `data` placed at `misalign`; returns naive's output.
fn check(data: &[u8], misalign: usize) -> TagsOutput {
    let input = ByteInput::with_misalignment(data, misalign);
    if let Some((name, got, want)) = family().first_mismatch(&input) {
        panic!(
            "{name} gave {got:?}, naive {want:?} on {:?}",
            String::from_utf8_lossy(data)
        );
    }
    let ctx = Ctx::new();
    let want = Naive.run(&input, &ctx);
    for k in [Simd::portable(), Simd::sse2(), Simd::avx2()] {
        if k.supported() {
            assert_eq!(
                k.run(&input, &ctx),
                want,
                "{} on {:?}",
                k.name(),
                String::from_utf8_lossy(data)
            );
        }
    }
    want
}

fn out(lines: u64, tags: u64, distinct_tags: u64, rejected_lines: u64) -> TagsOutput {
    TagsOutput {
        lines,
        tags,
        distinct_tags,
        rejected_lines,
    }
}

#[test]
fn known_answer_file() {
    let data = include_bytes!("data/tags_sample.txt");
    // Accepted: "rust, perf ,simd" (3), "rust,arena" (2), "  db-prod\t,cache_2" (2), 16 one-letter
    // tags, the 32-byte tag, "last-line,rust" (2): 26 tags; distinct: rust perf simd arena
    // db-prod cache_2, a..p, the 32-byte tag, last-line = 24. Rejected: Rust, empty tag,
    // inner spaces, non-ASCII, 17 tags, 33-byte tag, ",", "   " = 8.
    assert_eq!(check(data, 0), out(14, 26, 24, 8));
    let json = serde_json::to_string(&out(1, 2, 3, 4)).unwrap_or_default();
    assert_eq!(
        json,
        r#"{"lines":1,"tags":2,"distinct_tags":3,"rejected_lines":4}"#
    );
}

#[test]
fn edge_cases() {
    let long = "a".repeat(MAX_TAG_LEN);
    let many = vec!["t"; MAX_TAGS].join(",");
    let cases: Vec<(String, TagsOutput)> = vec![
        (String::new(), out(0, 0, 0, 0)),
        ("a".into(), out(1, 1, 1, 0)),
        ("a\n".into(), out(1, 1, 1, 0)),
        ("a,b\r\nc\r".into(), out(2, 3, 3, 0)),
        ("\r".into(), out(0, 0, 0, 0)),
        ("\r\r\n".into(), out(1, 0, 0, 1)),
        (format!("{long}\n"), out(1, 1, 1, 0)),
        (format!("{long}b\n"), out(1, 0, 0, 1)),
        (format!(" \t{long}\t ,x\n"), out(1, 2, 2, 0)),
        (format!("{many}\n"), out(1, 16, 1, 0)),
        (format!("{many},u"), out(1, 0, 0, 1)),
        (",,,,\n,\n".into(), out(2, 0, 0, 2)),
        (" \t, \t\n".into(), out(1, 0, 0, 1)),
        ("ok\n\u{e9}t\u{e9}\nok2\n".into(), out(3, 2, 2, 1)),
    ];
    for (text, want) in cases {
        for m in [0, 1, 15, 31, 33, 63] {
            assert_eq!(check(text.as_bytes(), m), want, "{text:?} at {m}");
        }
    }
    // Invalid UTF-8 and a tag straddling every 64-byte block position.
    assert_eq!(check(b"\xff\xfe,a\n", 0), out(1, 0, 0, 1));
    for pad in 0..70 {
        let text = format!("{}{long},x\n", "\n".repeat(pad));
        assert_eq!(check(text.as_bytes(), 0), out(1, 2, 2, 0), "pad {pad}");
    }
}

/// Bytes that matter to the rules, so random inputs hit them often.
const ALPHABET: &[u8] = b"ab_-09,,,  \t\n\n\r\rAZ!\xc3\xa9\xff\x00";

fn mutate(mut data: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, what, byte) in edits {
        let at = at % (data.len() + 1);
        match what % 3 {
            0 if at < data.len() => data[at] = byte,
            1 => data.insert(at, byte),
            _ if at < data.len() => {
                data.remove(at);
            }
            _ => {}
        }
    }
    data
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn generated_inputs_agree(seed in any::<u64>(), size in 0usize..20_000, misalign in 0usize..64) {
        let data = Tags::generate(size, seed);
        check(data.as_slice(), misalign);
    }

    #[test]
    fn mutated_inputs_agree(
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), prop::sample::select(ALPHABET)), 1..20),
        misalign in 0usize..64,
    ) {
        let data = mutate(Tags::generate(3000, seed).as_slice().to_vec(), &edits);
        check(&data, misalign);
    }

    #[test]
    fn arbitrary_bytes_agree(data in prop::collection::vec(any::<u8>(), 0..600), misalign in 0usize..64) {
        check(&data, misalign);
    }

    #[test]
    fn rule_alphabet_agrees(data in prop::collection::vec(prop::sample::select(ALPHABET), 0..600), misalign in 0usize..64) {
        check(&data, misalign);
    }
}
