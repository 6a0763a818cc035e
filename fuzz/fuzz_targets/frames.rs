//! Fuzzes the `frames` parsers: on any bytes, at any alignment, no variant may panic and every
//! variant must give naive's answer, which must in turn be consistent with the bytes it counted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perflab_core::Family;
use perflab_parse::frames::{Frames, FramesInput, family};
use std::sync::LazyLock;

static FAMILY: LazyLock<Family<Frames>> = LazyLock::new(family);

fuzz_target!(|data: &[u8]| {
    let (input, stream) = perflab_fuzz::misaligned(data);
    let input: FramesInput = input.into();
    perflab_fuzz::assert_agrees(&FAMILY, &input);
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
