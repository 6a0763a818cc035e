//! Property tests of the `logs` family: every variant equals naive on generated input, mutated
//! input, arbitrary bytes and edge cases, at every misalignment, and at every SIMD level this
//! CPU supports; plus known answers for a hand-written file.

use perflab_parse::logs::{LevelCounts, Logs, LogsOutput, Simd, family};
use proptest::prelude::*;
use std::collections::BTreeMap;

mod support;

/// Asserts that all family variants and every supported SIMD level (portable included) agree
/// with naive on `data` placed at `misalign`; returns naive's output.
fn check(data: &[u8], misalign: usize) -> LogsOutput {
    let levels = [Simd::portable(), Simd::sse2(), Simd::avx2()];
    support::check(&family(), &levels, data, misalign)
}

const OK: &str =
    "2026-11-28T07:18:40.123Z WARN [net.http] slow response path=/a status=503 ms=1234";

#[test]
fn known_answer_file() {
    let got = check(include_bytes!("data/logs_sample.log"), 0);
    let by_component: BTreeMap<String, u64> = [
        ("cache", 2),
        ("db.pool", 2),
        ("leap", 1),
        ("net.http", 2),
        ("net.tcp", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let want = LogsOutput {
        lines: 15,
        malformed: 6,
        by_level: LevelCounts([1, 1, 4, 2, 1]),
        by_component,
        ms_sum: 31_262,
        ms_max: Some(30_000),
        ms_count: 6,
    };
    assert_eq!(got, want);
    let json = serde_json::to_value(&got).unwrap_or_default();
    assert_eq!(json["by_level"]["INFO"], 4);
    assert_eq!(json["by_level"]["TRACE"], 1);
    assert_eq!(json["by_component"]["net.tcp"], 2);
    for key in ["lines", "malformed", "ms_sum", "ms_max", "ms_count"] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }
}

#[test]
fn edge_cases() {
    let none = check(b"", 0);
    assert_eq!(none, LogsOutput::default());
    assert_eq!(
        serde_json::to_value(&none).unwrap_or_default()["ms_max"],
        serde_json::Value::Null
    );
    for text in [
        OK.to_owned(),
        format!("{OK}\n"),
        format!("{OK}\r\n{OK}\r"),
        format!("\n\n{OK}\n\r\n"),
        "\r".to_owned(),
        " ".to_owned(),
        "= = =\n   \n===".to_owned(),
        format!("{OK} \u{e9}"),
        OK.replace("WARN", "W\u{e9}RN"),
    ] {
        for m in [0, 1, 15, 16, 31, 33, 63] {
            check(text.as_bytes(), m);
        }
    }
    assert_eq!(check(b"\xff\xfe\n", 0).malformed, 1);
    // A line straddling every 64-byte block position.
    for pad in 0..70 {
        let text = format!("{}{OK}\n", "\n".repeat(pad));
        let o = check(text.as_bytes(), 0);
        assert_eq!((o.lines, o.malformed, o.ms_sum), (1, 0, 1234), "pad {pad}");
    }
}

/// Bytes that matter to the grammar, so random inputs hit them often.
const ALPHABET: &[u8] = b"  ==\n\r\t[]aZ0919-:.T_\xc3\xff";

#[test]
fn random_inputs_agree() {
    support::random_inputs_agree::<Logs>(30_000, ALPHABET, check);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Valid heads with random bodies: exercises message/field splitting, not just rejects.
    #[test]
    fn random_bodies_agree(body in prop::collection::vec(prop::sample::select(&b"ab=  _1ms=9"[..]), 0..80)) {
        let mut line = b"2026-11-28T07:18:40.123Z INFO [a]".to_vec();
        line.push(b' ');
        line.extend_from_slice(&body);
        check(&line, 0);
    }
}
