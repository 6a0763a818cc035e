//! What the property tests of the line families (`tags`, `logs`) share: the agreement check of
//! every variant and every SIMD level against naive, and the random inputs it is run on. A
//! family's test file supplies its workload, its SIMD levels and the bytes its rules care about.

use perflab_core::{ByteInput, Ctx, Family, Kernel, Workload};
use proptest::prelude::*;

/// Asserts that every variant of `family`, and every kernel of `levels` this CPU supports, agree
/// with naive on `data` placed at `misalign`; returns naive's output.
pub fn check<W, K>(family: &Family<W>, levels: &[K], data: &[u8], misalign: usize) -> W::Output
where
    W: Workload<Input = ByteInput>,
    K: Kernel<W>,
{
    let input = ByteInput::with_misalignment(data, misalign);
    let text = String::from_utf8_lossy(data);
    if let Some((name, got, want)) = family.first_mismatch(&input) {
        panic!("{name} gave {got:?}, naive {want:?} on {text:?}");
    }
    let ctx = Ctx::new();
    let want = family.run("naive", &input).expect("every family has naive");
    for k in levels.iter().filter(|k| k.supported()) {
        assert_eq!(k.run(&input, &ctx), want, "{} on {text:?}", k.name());
    }
    want
}

/// Applies `edits` to `data`: `(at, what, byte)` overwrites, inserts or removes the byte at
/// `at` (modulo the length) as `what % 3` says.
fn mutate(mut data: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, what, byte) in edits {
        let at = at % (data.len() + 1);
        match what % 3 {
            0 if at < data.len() => data[at] = byte,
            1 => data.insert(at, byte),
            _ if at < data.len() => {
                data.remove(at);
            }
            _ => {}
        }
    }
    data
}

/// Runs `check(data, misalign)` on 200 random inputs of each kind: generated inputs of up to
/// `max_size` bytes, generated inputs mutated with bytes of `alphabet` (the bytes the family's
/// rules care about, so that random edits hit them often), arbitrary bytes, and strings of
/// `alphabet` alone; each at a random misalignment.
pub fn random_inputs_agree<W: Workload<Input = ByteInput>>(
    max_size: usize,
    alphabet: &'static [u8],
    check: fn(&[u8], usize) -> W::Output,
) {
    let config = ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    };
    proptest!(config.clone(), |(seed in any::<u64>(), size in 0..max_size, misalign in 0usize..64)| {
        check(W::generate(size, seed).as_slice(), misalign);
    });
    proptest!(config.clone(), |(
        seed in any::<u64>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), prop::sample::select(alphabet)), 1..20),
        misalign in 0usize..64,
    )| {
        check(&mutate(W::generate(3000, seed).as_slice().to_vec(), &edits), misalign);
    });
    proptest!(config.clone(), |(data in prop::collection::vec(any::<u8>(), 0..600), misalign in 0usize..64)| {
        check(&data, misalign);
    });
    proptest!(config, |(data in prop::collection::vec(prop::sample::select(alphabet), 0..600), misalign in 0usize..64)| {
        check(&data, misalign);
    });
}
