//! Tests of the `frames` family from the outside: known answers for every rule of the format, and
//! property tests that every variant (present and future, via `family().first_mismatch`) agrees
//! with naive — and naive with a small model of the spec — on valid, corrupted, arbitrary and
//! misaligned streams.

use perflab_core::ByteInput;
use perflab_parse::frames::{
    FrameError, FrameErrorKind, FramesInput, FramesOutput, MAX_PAYLOAD, family, generate,
    push_header, push_message,
};
use proptest::prelude::*;

/// The spec, written as directly as possible and independently of every variant.
fn model(data: &[u8]) -> FramesOutput {
    let mut out = FramesOutput::default();
    let mut at = 0usize;
    while at < data.len() {
        let left = data.len() - at;
        let kind = if left < 8 {
            Some(FrameErrorKind::TruncatedHeader)
        } else {
            let version = u16::from(data[at]) | u16::from(data[at + 1]) << 8;
            let length = (0..4).fold(0u64, |acc, i| acc | u64::from(data[at + 4 + i]) << (8 * i));
            if version != 1 {
                Some(FrameErrorKind::BadVersion)
            } else if length > 1_048_576 {
                Some(FrameErrorKind::TooLarge)
            } else if (left as u64 - 8) < length {
                Some(FrameErrorKind::TruncatedPayload)
            } else {
                let payload = &data[at + 8..at + 8 + length as usize];
                out.messages += 1;
                out.payload_bytes += length;
                out.payload_checksum += payload.iter().map(|&b| u64::from(b)).sum::<u64>();
                at += 8 + length as usize;
                None
            }
        };
        if let Some(kind) = kind {
            out.error = Some(FrameError {
                offset: at as u64,
                kind,
            });
            break;
        }
    }
    out
}

/// Runs every variant by name and checks each against `expected`.
fn assert_all(data: &[u8], expected: FramesOutput) {
    let fam = family();
    let input: FramesInput = data.into();
    for v in fam.variants() {
        assert_eq!(
            fam.run(v.name, &input),
            Some(expected),
            "variant {}",
            v.name
        );
    }
    assert_eq!(model(data), expected, "model");
}

fn out(messages: u64, bytes: u64, sum: u64, error: Option<(u64, FrameErrorKind)>) -> FramesOutput {
    FramesOutput {
        messages,
        payload_bytes: bytes,
        payload_checksum: sum,
        error: error.map(|(offset, kind)| FrameError { offset, kind }),
    }
}

use FrameErrorKind::*;

#[test]
fn empty_stream() {
    assert_all(&[], out(0, 0, 0, None));
}

#[test]
fn zero_length_payloads() {
    let mut s = Vec::new();
    push_message(&mut s, 0xFFFF, &[]);
    assert_all(&s, out(1, 0, 0, None));
    push_message(&mut s, 0, &[1, 2, 3]);
    push_message(&mut s, 7, &[]);
    assert_all(&s, out(3, 3, 6, None));
}

#[test]
fn truncated_header() {
    let mut s = Vec::new();
    push_message(&mut s, 0, &[10, 20]);
    for extra in 1..8 {
        let mut t = s.clone();
        push_header(&mut t, 1, 0, 0);
        t.truncate(10 + extra);
        assert_all(&t, out(1, 2, 30, Some((10, TruncatedHeader))));
    }
    assert_all(&[1], out(0, 0, 0, Some((0, TruncatedHeader))));
}

#[test]
fn bad_version() {
    let mut s = Vec::new();
    push_message(&mut s, 0, &[1, 2, 3]);
    for version in [0, 2, 0x0100, u16::MAX] {
        let mut t = s.clone();
        push_header(&mut t, version, 0, 0);
        assert_all(&t, out(1, 3, 6, Some((11, BadVersion))));
        // Checked before the length: a bad version with a huge, truncated length is bad_version.
        let mut t = s.clone();
        push_header(&mut t, version, 0, u32::MAX);
        assert_all(&t, out(1, 3, 6, Some((11, BadVersion))));
    }
}

#[test]
fn too_large() {
    let mut s = Vec::new();
    push_message(&mut s, 0, &[255]);
    push_message(&mut s, 0, &[1]);
    for length in [MAX_PAYLOAD + 1, u32::MAX] {
        // Checked before the payload: reported even though the payload is missing.
        let mut t = s.clone();
        push_header(&mut t, 1, 0, length);
        assert_all(&t, out(2, 2, 256, Some((18, TooLarge))));
    }
}

#[test]
fn truncated_payload() {
    let mut s = Vec::new();
    push_message(&mut s, 3, &[]);
    push_header(&mut s, 1, 0, 10);
    s.extend_from_slice(&[9; 9]);
    assert_all(&s, out(1, 0, 0, Some((8, TruncatedPayload))));
    // Eight more bytes complete the payload (nine 9s and the next header's first byte, 1), and
    // leave seven: a truncated header.
    push_header(&mut s, 1, 0, 10);
    assert_all(&s, out(2, 10, 82, Some((26, TruncatedHeader))));
    let mut t = Vec::new();
    push_header(&mut t, 1, 0, 1);
    assert_all(&t, out(0, 0, 0, Some((0, TruncatedPayload))));
}

#[test]
fn one_mebibyte_limit() {
    let big = vec![0xFFu8; MAX_PAYLOAD as usize];
    let mut s = Vec::new();
    push_message(&mut s, 0, &big);
    let n = u64::from(MAX_PAYLOAD);
    assert_all(&s, out(1, n, 255 * n, None));
    let mut t = Vec::new();
    push_message(&mut t, 0, &[0xFF; MAX_PAYLOAD as usize + 1]);
    assert_all(&t, out(0, 0, 0, Some((0, TooLarge))));
    s.extend_from_slice(&t);
    assert_all(&s, out(1, n, 255 * n, Some((n + 8, TooLarge))));
}

#[test]
fn generated_inputs_are_valid_at_every_default_size() {
    for size in [4096, 65536] {
        let data = generate(size, 42);
        let want = model(&data);
        assert_eq!(want.error, None);
        assert_eq!(want.payload_bytes + 8 * want.messages, size as u64);
        assert_all(&data, want);
    }
}

/// Every variant agrees with naive, and naive with the model.
fn check(data: &[u8], misalign: usize) -> Result<(), TestCaseError> {
    let input: FramesInput = ByteInput::with_misalignment(data, misalign).into();
    let fam = family();
    if let Some((name, got, want)) = fam.first_mismatch(&input) {
        return Err(TestCaseError::fail(format!(
            "{name} gave {got:?}, naive {want:?}"
        )));
    }
    prop_assert_eq!(fam.run("naive", &input), Some(model(data)));
    Ok(())
}

/// Messages with payloads mostly small, sometimes across the byte sum's 4 KiB block.
fn messages() -> impl Strategy<Value = Vec<(u16, Vec<u8>)>> {
    let payload = prop_oneof![
        8 => prop::collection::vec(any::<u8>(), 0..64),
        1 => prop::collection::vec(any::<u8>(), 4000..4200),
    ];
    prop::collection::vec((any::<u16>(), payload), 0..12)
}

fn build(msgs: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut s = Vec::new();
    for (flags, payload) in msgs {
        push_message(&mut s, *flags, payload);
    }
    s
}

/// One way to spoil a valid stream, at a position given as a fraction of its length.
#[derive(Debug, Clone)]
enum Corruption {
    Truncate(f64),
    SetByte(f64, u8),
    Version(f64, u16),
    Length(f64, u32),
}

fn corruption() -> impl Strategy<Value = Corruption> {
    let at = 0.0..1.0f64;
    prop_oneof![
        at.clone().prop_map(Corruption::Truncate),
        (at.clone(), any::<u8>()).prop_map(|(a, b)| Corruption::SetByte(a, b)),
        (at.clone(), any::<u16>()).prop_map(|(a, v)| Corruption::Version(a, v)),
        (
            at,
            prop_oneof![Just(MAX_PAYLOAD + 1), any::<u32>(), 0..5000u32]
        )
            .prop_map(|(a, l)| Corruption::Length(a, l)),
    ]
}

/// Header offsets of a valid stream's messages.
fn headers(msgs: &[(u16, Vec<u8>)]) -> Vec<usize> {
    msgs.iter()
        .scan(0, |at, (_, p)| {
            let here = *at;
            *at += 8 + p.len();
            Some(here)
        })
        .collect()
}

fn corrupt(msgs: &[(u16, Vec<u8>)], c: &Corruption) -> Vec<u8> {
    let mut s = build(msgs);
    let pick = |f: f64, n: usize| ((f * n as f64) as usize).min(n.saturating_sub(1));
    let heads = headers(msgs);
    match *c {
        Corruption::Truncate(f) => s.truncate(pick(f, s.len() + 1)),
        Corruption::SetByte(f, b) if !s.is_empty() => {
            let i = pick(f, s.len());
            s[i] = b;
        }
        Corruption::Version(f, v) if !heads.is_empty() => {
            let h = heads[pick(f, heads.len())];
            s[h..h + 2].copy_from_slice(&v.to_le_bytes());
        }
        Corruption::Length(f, l) if !heads.is_empty() => {
            let h = heads[pick(f, heads.len())];
            s[h + 4..h + 8].copy_from_slice(&l.to_le_bytes());
        }
        _ => s.push(0), // nothing to corrupt: a lone byte is a truncated header
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_streams(msgs in messages(), misalign in 0..64usize) {
        let data = build(&msgs);
        check(&data, misalign)?;
        let want = model(&data);
        prop_assert_eq!(want.messages, msgs.len() as u64);
        prop_assert_eq!(want.error, None);
    }

    #[test]
    fn corrupted_streams(msgs in messages(), c in corruption(), misalign in 0..64usize) {
        check(&corrupt(&msgs, &c), misalign)?;
    }

    #[test]
    fn arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..256), misalign in 0..64usize) {
        check(&data, misalign)?;
    }

    /// Arbitrary bytes rarely look like headers; this splices real headers with random lengths
    /// into random bytes, so every error kind is reached deep into a stream.
    #[test]
    fn headerish_bytes(
        parts in prop::collection::vec(
            prop_oneof![
                (any::<u16>(), 0..40u32).prop_map(|(f, l)| {
                    let mut v = Vec::new();
                    push_header(&mut v, 1, f, l);
                    v
                }),
                prop::collection::vec(any::<u8>(), 0..24),
            ],
            0..10,
        ),
        misalign in 0..64usize,
    ) {
        check(&parts.concat(), misalign)?;
    }

    #[test]
    fn generated_streams(size in 0..20_000usize, seed in any::<u64>()) {
        let data = generate(size, seed);
        prop_assert_eq!(model(&data).error, None);
        check(&data, (seed % 64) as usize)?;
    }
}
