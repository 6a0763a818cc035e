//! Fuzzes the `frames` parsers: on any bytes, at any alignment, no variant may panic and every
//! variant must give naive's answer, which must in turn be consistent with the bytes it counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perflab_core::{ByteInput, Family};
use perflab_parse::frames::{Frames, FramesInput, family};
use std::sync::LazyLock;

static FAMILY: LazyLock<Family<Frames>> = LazyLock::new(family);

fuzz_target!(|data: &[u8]| {
    // The first byte picks a misalignment, so unaligned starts are explored too.
    let (misalign, stream) = match data.split_first() {
        Some((&m, rest)) => (usize::from(m % 64), rest),
        None => (0, data),
    };
    let input: FramesInput = ByteInput::with_misalignment(stream, misalign).into();
    if let Some((variant, got, want)) = FAMILY.first_mismatch(&input) {
        panic!("{variant} gave {got:?}, naive gave {want:?}");
    }
    let out = FAMILY.run("naive", &input).expect("naive exists");
    // Counted messages and their headers never exceed the stream, and an error lies inside it.
    let consumed = out.payload_bytes + 8 * out.messages;
    assert!(consumed <= stream.len() as u64);
    match out.error {
        Some(e) => assert_eq!(e.offset, consumed),
        None => assert_eq!(consumed, stream.len() as u64),
    }
    assert!(out.payload_checksum <= 255 * out.payload_bytes);
});
