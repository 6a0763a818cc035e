//! Property tests of the `handoff` family: every variant equals naive and a small model written
//! from the spec, on generated input of many sizes, arbitrary bytes, file-like and degenerate
//! inputs, at every misalignment; and keeps doing so over many calls in a row and from several
//! threads at once (persistent consumer threads, one independent pair per calling thread).

use perflab_core::{ByteInput, Ctx, Kernel, Workload};
use perflab_parse::handoff::{Arena, Handoff, HandoffOutput, Naive, Optimized, family};
use proptest::prelude::*;

/// The spec, written as plainly as possible: split on `\n`, drop the empty text after the last
/// `\n`, FNV-1a-64 each record, sum with wrap-around.
fn model(data: &[u8]) -> HandoffOutput {
    let mut records: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if records.last().is_some_and(|r| r.is_empty()) {
        records.pop();
    }
    let mut out = HandoffOutput::default();
    for r in records {
        // The record hash, word by word, as the module docs define it.
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut h = (r.len() as u64).wrapping_mul(K);
        for word in r.chunks(8) {
            let mut w = [0u8; 8];
            w[..word.len()].copy_from_slice(word);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        out.records += 1;
        out.bytes += r.len() as u64;
        out.checksum = out.checksum.wrapping_add(h);
    }
    out
}

/// Every variant, by value, so tests can call them directly as well as through the family.
fn run_all(input: &ByteInput) -> [(&'static str, HandoffOutput); 3] {
    let ctx = Ctx::new();
    [
        ("naive", Naive.run(input, &ctx)),
        ("optimized", Optimized.run(input, &ctx)),
        ("arena", Arena.run(input, &ctx)),
    ]
}

/// Asserts that every variant agrees with naive (through the family) and with the model on
/// `data` placed at `misalign`; returns the model's output.
fn check(data: &[u8], misalign: usize) -> HandoffOutput {
    let input = ByteInput::with_misalignment(data, misalign);
    assert_eq!(input.as_slice(), data);
    let want = model(data);
    if let Some((name, got, naive)) = family().first_mismatch(&input) {
        panic!(
            "{name} gave {got:?}, naive {naive:?} on {} bytes",
            data.len()
        );
    }
    for (name, got) in run_all(&input) {
        assert_eq!(got, want, "{name} on {} bytes at +{misalign}", data.len());
    }
    want
}

#[test]
fn the_family_lists_naive_first() {
    let names: Vec<_> = family().variants().iter().map(|v| v.name).collect();
    assert_eq!(names, ["naive", "optimized", "arena"]);
    assert_eq!(family().check(), Ok(()));
}

#[test]
fn known_answers() {
    // Computed with the Python in the module docs.
    let file = b"first line\n\n\nsecond\r\n\nlast, without a newline";
    let want = HandoffOutput {
        records: 6,
        bytes: 40,
        checksum: 0x179a_41c7_76a1_f8dd,
    };
    for m in [0, 1, 7, 63] {
        assert_eq!(check(file, m), want);
    }
    assert_eq!(check(b"", 0), HandoffOutput::default());
    let empty_line = HandoffOutput {
        records: 1,
        bytes: 0,
        checksum: 0,
    };
    assert_eq!(check(b"\n", 0), empty_line);
    let a = HandoffOutput {
        records: 1,
        bytes: 1,
        checksum: 0x8e5a_628a_5337_1e27,
    };
    assert_eq!(check(b"a", 0), a);
    assert_eq!(check(b"a\n", 0), a);
    assert_eq!(
        serde_json::to_value(want).unwrap(),
        serde_json::json!({"records": 6, "bytes": 40, "checksum": 0x179a_41c7_76a1_f8dd_u64})
    );
}

#[test]
fn generated_inputs_of_awkward_sizes() {
    for size in [0, 1, 15, 16, 17, 255, 256, 257, 4096, 65536 + 13] {
        for seed in [1, 42, 0xDEAD_BEEF] {
            let input = Handoff::generate(size, seed);
            let out = check(input.as_slice(), 0);
            assert_eq!(
                out.bytes + out.records,
                input.len() as u64,
                "every line ends in \\n"
            );
            if size > 16 {
                assert!(out.records > 0, "size {size}");
            }
        }
    }
}

#[test]
fn one_record() {
    for data in [
        &b"x"[..],
        b"just one record, no newline",
        b"just one record\n",
        &[b'z'; 100_000],
        &[b'\r'; 9000],
    ] {
        assert_eq!(check(data, 3).records, 1);
    }
    // One record far longer than a batch.
    let big = vec![b'q'; 1 << 20];
    assert_eq!(check(&big, 0).bytes, 1 << 20);
}

#[test]
fn many_tiny_records() {
    let mut data = Vec::new();
    for i in 0..100_000u32 {
        data.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, (i % 4) as usize));
        data.push(b'\n');
    }
    assert_eq!(check(&data, 0).records, 100_000);
    // And only empty records.
    assert_eq!(check(&vec![b'\n'; 70_000], 5).records, 70_000);
}

#[test]
fn unaligned_starts() {
    let data = Handoff::generate(20_000, 9);
    let want = check(data.as_slice(), 0);
    for m in 1..64 {
        assert_eq!(check(data.as_slice(), m), want, "misalignment {m}");
    }
}

#[test]
fn many_calls_in_a_row() {
    let inputs: Vec<(ByteInput, HandoffOutput)> = [0, 1, 300, 9_000, 70_000, 5]
        .into_iter()
        .enumerate()
        .map(|(seed, size)| {
            let input = Handoff::generate(size, seed as u64);
            let want = model(input.as_slice());
            (input, want)
        })
        .collect();
    for call in 0..200 {
        let (input, want) = &inputs[call % inputs.len()];
        for (name, got) in run_all(input) {
            assert_eq!(got, *want, "{name}, call {call}");
        }
    }
}

#[test]
fn several_threads_at_once() {
    std::thread::scope(|s| {
        for t in 0..4u64 {
            s.spawn(move || {
                let input = Handoff::generate(30_000 + 777 * t as usize, 100 + t);
                let want = model(input.as_slice());
                for call in 0..50 {
                    for (name, got) in run_all(&input) {
                        assert_eq!(got, want, "thread {t}, {name}, call {call}");
                    }
                }
            });
        }
    });
}

/// Bytes that matter to the splitter, so random inputs hit them often.
const ALPHABET: &[u8] = b"\n\n\r ab\xff";

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn generated_inputs_agree(seed in any::<u64>(), size in 0usize..40_000, misalign in 0usize..64) {
        let input = Handoff::generate(size, seed);
        check(input.as_slice(), misalign);
    }

    #[test]
    fn arbitrary_bytes_agree(data in prop::collection::vec(any::<u8>(), 0..2_000), misalign in 0usize..64) {
        check(&data, misalign);
    }

    #[test]
    fn newline_heavy_bytes_agree(data in prop::collection::vec(prop::sample::select(ALPHABET), 0..3_000), misalign in 0usize..64) {
        check(&data, misalign);
    }

    #[test]
    fn long_and_short_records_agree(lens in prop::collection::vec(0usize..20_000, 0..12), trailing in any::<bool>()) {
        let mut data = Vec::new();
        for (i, len) in lens.iter().enumerate() {
            data.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, *len));
            data.push(b'\n');
        }
        if !trailing {
            data.pop();
        }
        check(&data, 0);
    }
}
