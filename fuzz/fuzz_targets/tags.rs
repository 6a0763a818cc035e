//! Fuzzes the `tags` family: no variant may panic on any bytes, and every supported variant
//! (SIMD levels included, at a misalignment the fuzzer chooses) must agree with naive.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perflab_core::ByteInput;
use perflab_parse::tags::family;

fuzz_target!(|data: &[u8]| {
    let (misalign, data) = match data.split_first() {
        Some((&m, rest)) => (usize::from(m), rest),
        None => (0, data),
    };
    let input = ByteInput::with_misalignment(data, misalign);
    if let Some((variant, got, want)) = family().first_mismatch(&input) {
        panic!("tags/{variant} gave {got:?}, naive gave {want:?}");
    }
});
