//! Property tests of the `tags` family: every variant equals naive on generated input, mutated
//! input, arbitrary bytes and edge cases, at every misalignment, and at every SIMD level this
//! CPU supports; plus known answers for a hand-written file.

use perflab_parse::tags::{MAX_TAG_LEN, MAX_TAGS, Simd, Tags, TagsOutput, family};

mod support;

/// Asserts that all family variants and every supported SIMD level (portable included) agree
/// with naive on `data` placed at `misalign`; returns naive's output.
fn check(data: &[u8], misalign: usize) -> TagsOutput {
    let levels = [Simd::portable(), Simd::sse2(), Simd::avx2()];
    support::check(&family(), &levels, data, misalign)
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
fn rules_by_example() {
    let run = |text: &str| check(text.as_bytes(), 0);
    assert_eq!(run(""), out(0, 0, 0, 0));
    assert_eq!(run("\n\r\n\n"), out(0, 0, 0, 0));
    assert_eq!(run("a,b , c\t\n"), out(1, 3, 3, 0));
    assert_eq!(run("a,a\r\nb"), out(2, 3, 2, 0));
    assert_eq!(run("a,,b\nc,\n,d\n  \n"), out(4, 0, 0, 4));
    assert_eq!(run("Abc\na b\na!\nx\r\r\n"), out(4, 0, 0, 4));
    assert_eq!(run("caf\u{e9}\n\u{ff}"), out(2, 0, 0, 2));
    let long = "x".repeat(MAX_TAG_LEN);
    assert_eq!(run(&format!("{long}\n{long}y\n")), out(2, 1, 1, 1));
    let sixteen = vec!["t"; MAX_TAGS].join(",");
    assert_eq!(run(&format!("{sixteen}\n{sixteen},t\n")), out(2, 16, 1, 1));
    assert_eq!(run(",,,\n\n\n,"), out(2, 0, 0, 2));
    // Enough distinct tags to grow every hash set several times.
    let many: String = (0..5000).map(|i| format!("t{i},u{}\n", i % 7)).collect();
    assert_eq!(run(&many), out(5000, 10_000, 5007, 0));
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

#[test]
fn random_inputs_agree() {
    support::random_inputs_agree::<Tags>(20_000, ALPHABET, check);
}
