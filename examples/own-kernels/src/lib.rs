//! UTF-8 validation three ways: how much of a buffer is valid UTF-8?
use perflab::{ByteWorkload, Family, Registry, Rng, VariantKind::*, bytes_kernel};

/// Output: the length of the valid UTF-8 prefix, as `std::str::Utf8Error::valid_up_to`.
pub struct Utf8;
impl ByteWorkload for Utf8 {
    const NAME: &'static str = "utf8";
    const SUMMARY: &'static str = "length of the valid UTF-8 prefix";
    type Output = usize;
    /// Mostly ASCII, like source code or English prose: one character in 64 is `é`.
    fn generate_bytes(size: usize, seed: u64) -> Vec<u8> {
        let mut rng = Rng::new(seed);
        let pick = |_| if rng.below(64) > 0 { 'e' } else { 'é' };
        (0..size).map(pick).collect::<String>().into()
    }
}

/// How far through `b` the steps get; `step` is the length of the valid piece a slice starts
/// with, or `None` when it starts with an invalid (or cut-off) character.
fn prefix(b: &[u8], step: impl Fn(&[u8]) -> Option<usize>) -> usize {
    let mut i = 0;
    while let Some(n) = step(&b[i..]) {
        i += n;
    }
    i
}

/// Naive: decode one character, then check it is a scalar value written in its shortest form.
fn char_len(b: &[u8]) -> Option<usize> {
    let len = match b.first()?.leading_ones() as usize {
        0 => return Some(1),
        n @ 2..=4 => n,
        _ => return None,
    };
    let first = u32::from(b[0] & (0x7F >> len));
    let code = b.get(1..len)?.iter().try_fold(first, |c, &t| {
        (t & 0xC0 == 0x80).then_some(c << 6 | u32::from(t & 0x3F))
    })?;
    char::from_u32(code)
        .map(char::len_utf8)
        .filter(|&n| n == len)
}

/// SWAR: 16 bytes are ASCII when one AND of all their high bits is zero.
fn ascii16(b: &[u8]) -> Option<usize> {
    let word = u128::from_ne_bytes(b.get(..16)?.try_into().ok()?);
    (word & u128::from_ne_bytes([0x80; 16]) == 0).then_some(16)
}

/// Adds the family: naive first (the oracle the others are checked against).
pub fn register(registry: &mut Registry) {
    let reference = |b: &[u8]| std::str::from_utf8(b).map_or_else(|e| e.valid_up_to(), str::len);
    registry.add(
        Family::<Utf8>::new(bytes_kernel("naive", Naive, |b| prefix(b, char_len)))
            .with(bytes_kernel("swar", Optimized, |b| {
                prefix(b, |r| ascii16(r).or_else(|| char_len(r)))
            }))
            .with(bytes_kernel("std", Reference, reference)),
    );
}
