//! UTF-8 validation three ways, and distinct values counted three ways (one in an arena).
use perflab::{ByteWorkload, Ctx, Family, Registry, Rng, VariantKind::*, Workload};
use perflab::{bytes_kernel, kernel};

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
    /// Tried by `perflab::check!` too: a character cut at the end, an overlong `/`, a surrogate.
    const EDGE_CASES: &'static [&'static [u8]] =
        &[b"0123456789abcde\xC3", b"\xC0\xAF", b"\xED\xA0\x80"];
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

/// Output: how many distinct values a list of numbers holds; the input is not bytes.
pub struct Distinct;
impl Workload for Distinct {
    const NAME: &'static str = "distinct";
    const SUMMARY: &'static str = "number of distinct values among size/8 numbers";
    type Input = Vec<u64>;
    type Output = usize;
    /// `size / 8` numbers below `size / 16`: most values repeat.
    fn generate(size: usize, seed: u64) -> Vec<u64> {
        let mut rng = Rng::new(seed);
        (0..size / 8)
            .map(|_| rng.below(size as u64 / 16 + 1))
            .collect()
    }
    fn input_bytes(input: &Vec<u64>) -> usize {
        input.len() * 8
    }
}

/// Sorts `v` in place and counts its runs of equal values.
fn sorted_runs(v: &mut [u64]) -> usize {
    v.sort_unstable();
    v.chunk_by(|a, b| a == b).count()
}

/// Adds the families: naive first (the oracle the others are checked against).
pub fn register(registry: &mut Registry) {
    let reference = |b: &[u8]| std::str::from_utf8(b).map_or_else(|e| e.valid_up_to(), str::len);
    registry.add(
        Family::<Utf8>::new(bytes_kernel("naive", Naive, |b| prefix(b, char_len)))
            .with(bytes_kernel("swar", Optimized, |b| {
                prefix(b, |r| ascii16(r).or_else(|| char_len(r)))
            }))
            .with(bytes_kernel("std", Reference, reference)),
    );
    registry.add(
        Family::<Distinct>::new(kernel("naive", Naive, |v: &Vec<u64>, _: &Ctx| {
            v.iter().collect::<std::collections::BTreeSet<_>>().len()
        }))
        .with(kernel("sort", Optimized, |v: &Vec<u64>, _: &Ctx| {
            sorted_runs(&mut v.clone())
        }))
        .with(kernel("arena", Arena, |v: &Vec<u64>, ctx: &Ctx| {
            sorted_runs(ctx.arena().alloc_slice_copy(v))
        })),
    );
}

// `cargo test`: every variant against naive on many generated inputs and the edge cases above.
perflab::check!(register);
