//! The `naive` variant: the code most of us would write first, and the oracle the others match.
//!
//! `split` on non-alphanumeric bytes, a fresh lower-cased `String` per word, a std `HashMap`
//! with std's SipHash (fixed keys: [`FixedSipHasher`]), then a top-k by `select_nth_unstable` on the whole table. Its top-k
//! is written independently of the other variants' bounded [`super::TopK`], so the two
//! selections check each other.
#![forbid(unsafe_code)]

use super::{TOP_K, Wordfreq, WordfreqOutput, rank};
use perflab_core::{ByteInput, Ctx, FixedSipHasher, Kernel, VariantKind};
use std::collections::HashMap;

/// Idiomatic and allocation-heavy: one `String` per word occurrence.
pub struct Naive;

impl Kernel<Wordfreq> for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> WordfreqOutput {
        perflab_core::scope!("wordfreq/naive");
        let mut counts: HashMap<String, u64, FixedSipHasher> = HashMap::default();
        let mut total_words = 0;
        {
            perflab_core::scope!("tokenize_count");
            for word in input
                .as_slice()
                .split(|b| !b.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                // The word is ASCII, so the lossy conversion borrows and never replaces anything.
                let word = String::from_utf8_lossy(word).to_lowercase();
                *counts.entry(word).or_insert(0) += 1;
                total_words += 1;
            }
        }
        let distinct = counts.len() as u64;
        perflab_core::scope!("top_k");
        let mut all: Vec<(String, u64)> = counts.into_iter().collect();
        let order =
            |a: &(String, u64), b: &(String, u64)| rank(a.1, a.0.as_bytes(), b.1, b.0.as_bytes());
        if all.len() > TOP_K {
            all.select_nth_unstable_by(TOP_K - 1, order);
            all.truncate(TOP_K);
        }
        all.sort_unstable_by(order);
        WordfreqOutput {
            total_words,
            distinct,
            top: all,
        }
    }
}
