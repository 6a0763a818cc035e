//! Fuzzes the `logs` family: no variant may panic on any bytes, and every supported variant
//! (SIMD levels included, at a misalignment the fuzzer chooses) must agree with naive.
#![no_main]

use libfuzzer_sys::fuzz_target;
use perflab_parse::logs::family;

fuzz_target!(|data: &[u8]| {
    let (input, _) = perflab_fuzz::misaligned(data);
    perflab_fuzz::assert_agrees(&family(), &input);
});
