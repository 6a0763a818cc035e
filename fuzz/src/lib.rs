//! What the fuzz targets share: reading the fuzzer's bytes as a misaligned input, and the check
//! that every variant of a family agrees with naive on it. Each target adds only its family and
//! whatever extra invariant its output has.

use perflab_core::{ByteInput, Family, Workload};

/// The fuzzer's bytes as an input: the first byte picks a misalignment (so unaligned starts are
/// explored too), the rest are the input's bytes, also returned for checks against them.
pub fn misaligned(data: &[u8]) -> (ByteInput, &[u8]) {
    let (misalign, rest) = match data.split_first() {
        Some((&m, rest)) => (usize::from(m % 64), rest),
        None => (0, data),
    };
    (ByteInput::with_misalignment(rest, misalign), rest)
}

/// Panics, naming the variant and both outputs, if any supported variant of `family` disagrees
/// with naive on `input` (a variant that panics fails the target by itself).
pub fn assert_agrees<W: Workload>(family: &Family<W>, input: &W::Input) {
    if let Some((variant, got, want)) = family.first_mismatch(input) {
        panic!("{}/{variant} gave {got:?}, naive gave {want:?}", W::NAME);
    }
}
