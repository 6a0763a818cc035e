//! `wordfreq`: the ten most frequent words of a text, the classic tokenize–hash–count kernel.
//!
//! It exists because it is where "idiomatic" and "fast" drift furthest apart in everyday Rust:
//! a `String` per word, a SipHash per word and a table of owned keys cost far more than the
//! reading of the text. The variants show where that time goes.
//!
//! # Semantics (what every variant must compute exactly)
//!
//! - A **word** is a maximal run of ASCII letters and digits (`[A-Za-z0-9]+`), folded to ASCII
//!   lower case. Every other byte — space, punctuation, control bytes and *every* byte `>= 0x80`
//!   (so `café` is the word `caf`) — separates words. Input need not be UTF-8.
//! - `total_words` counts every word occurrence; `distinct` counts different words.
//! - `top` holds the [`TOP_K`] (10) most frequent words with their counts, ordered by count
//!   descending and, among equal counts, by the word's bytes ascending; fewer when the text has
//!   fewer distinct words.
//! - JSON: `{"total_words": N, "distinct": N, "top": [["word", count], …]}`.
//!
//! # Variants
//!
//! | name | kind | idea |
//! |---|---|---|
//! | `naive` | naive | `split` + `to_lowercase` `String` per word + `HashMap<String, u64>` (SipHash) |
//! | `optimized` | optimized | SWAR tokenizer (64-byte word bitmasks), keys folded with one `OR` while loaded, open-addressing table of inline 16-byte keys |
//! | `arena` | arena | byte loop, words interned once in the per-call `bumpalo` arena, FxHash `hashbrown` map of arena slices |
//! | `simd` | simd | as `optimized`, with the bitmasks computed by SSE2 or AVX2 (runtime dispatch) |
#![deny(unsafe_code)]

mod arena;
mod r#gen;
mod naive;
mod optimized;
#[allow(unsafe_code)]
pub mod simd;
mod table;

pub use arena::Arena;
pub use r#gen::generate_text;
pub use naive::Naive;
pub use optimized::Optimized;
pub use simd::Simd;

use perflab_core::{ByteWorkload, Family};
use serde::Serialize;
use std::cmp::Ordering;

/// How many words `top` holds at most.
pub const TOP_K: usize = 10;

/// The output summary: small, exact and comparable, so variants are checked against naive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WordfreqOutput {
    /// Word occurrences in the text.
    pub total_words: u64,
    /// Different words in the text.
    pub distinct: u64,
    /// The [`TOP_K`] most frequent words, by count descending then word bytes ascending.
    pub top: Vec<(String, u64)>,
}

/// The workload: top-10 word frequencies of English-like text (or of a user's file).
pub struct Wordfreq;

impl ByteWorkload for Wordfreq {
    const NAME: &'static str = "wordfreq";
    const SUMMARY: &'static str =
        "top-10 word frequencies (ASCII alphanumeric words, case-folded) of English-like text";
    type Output = WordfreqOutput;

    fn generate_bytes(size: usize, seed: u64) -> Vec<u8> {
        generate_text(size, seed)
    }
}

/// Every `wordfreq` variant, naive first: the list the registry, benches and tests iterate.
pub fn family() -> Family<Wordfreq> {
    Family::new(Naive)
        .with(Optimized)
        .with(Arena)
        .with(Simd::new())
}

/// The output order: higher count first, then smaller word bytes first.
fn rank(a_count: u64, a_word: &[u8], b_count: u64, b_word: &[u8]) -> Ordering {
    b_count.cmp(&a_count).then_with(|| a_word.cmp(b_word))
}

/// A bounded top-k selection: keeps the best [`TOP_K`] of the words offered, sorted.
///
/// Offering all `d` distinct words costs `O(d)` with a cheap count test for nearly all of them,
/// instead of sorting the whole table; a word is copied only when it enters the current top.
#[derive(Default)]
pub(crate) struct TopK {
    /// Best first; at most `TOP_K` entries.
    items: Vec<(Vec<u8>, u64)>,
}

impl TopK {
    /// Whether a word with `count` occurrences could enter the top at all (a fast pre-test that
    /// lets callers skip building the word's bytes).
    #[inline]
    pub(crate) fn may_accept(&self, count: u64) -> bool {
        self.items.len() < TOP_K || self.items.last().is_some_and(|(_, c)| count >= *c)
    }

    /// Offers one distinct word with its count.
    pub(crate) fn offer(&mut self, word: &[u8], count: u64) {
        if !self.may_accept(count) {
            return;
        }
        let pos = self
            .items
            .partition_point(|(w, c)| rank(*c, w, count, word) == Ordering::Less);
        if pos >= TOP_K {
            return;
        }
        self.items.insert(pos, (word.to_vec(), count));
        self.items.truncate(TOP_K);
    }

    /// The output's `top`. Words are ASCII by construction; a lossy conversion keeps this
    /// infallible anyway.
    pub(crate) fn into_top(self) -> Vec<(String, u64)> {
        self.items
            .into_iter()
            .map(|(w, c)| (String::from_utf8_lossy(&w).into_owned(), c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::ByteInput;

    fn run_all(text: &[u8]) -> WordfreqOutput {
        let fam = family();
        let input = ByteInput::new(text);
        if let Some((name, got, want)) = fam.first_mismatch(&input) {
            panic!("{name} differs from naive on {text:?}:\n got {got:?}\nwant {want:?}");
        }
        fam.run("naive", &input).unwrap_or_default()
    }

    fn top(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|(w, c)| ((*w).to_owned(), *c)).collect()
    }

    #[test]
    fn empty_and_separator_only_inputs() {
        assert_eq!(run_all(b""), WordfreqOutput::default());
        assert_eq!(
            run_all(b" ,.;\n\t\xff\xc3\xa9 -- "),
            WordfreqOutput::default()
        );
    }

    #[test]
    fn case_folding_digits_and_ties() {
        let out = run_all(b"The the THE tHe cat Cat 42 42 dog b a a2 A2");
        assert_eq!(out.total_words, 13);
        assert_eq!(out.distinct, 7);
        assert_eq!(
            out.top,
            top(&[
                ("the", 4),
                ("42", 2),
                ("a2", 2),
                ("cat", 2),
                ("a", 1),
                ("b", 1),
                ("dog", 1)
            ])
        );
    }

    #[test]
    fn non_ascii_bytes_separate_words() {
        // "café—naïve" is caf | na | ve; the em dash and the é are separators.
        let out = run_all("café—naïve Caf".as_bytes());
        assert_eq!(out.total_words, 4);
        assert_eq!(out.top, top(&[("caf", 2), ("na", 1), ("ve", 1)]));
    }

    #[test]
    fn ties_beyond_ten_break_by_bytes() {
        let text = b"m l k j i h g f e d c b a zz zz 9 10";
        let out = run_all(text);
        assert_eq!(out.distinct, 16);
        let words: Vec<&str> = out.top.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["zz", "10", "9", "a", "b", "c", "d", "e", "f", "g"]);
    }

    #[test]
    fn long_words_and_words_across_block_edges() {
        let long = "Supercalifragilisticexpialidocious";
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&"x".repeat(i));
            text.push(' ');
            text.push_str(long);
            text.push('\n');
        }
        let out = run_all(text.as_bytes());
        assert_eq!(out.top[0], (long.to_ascii_lowercase(), 40));
        assert_eq!(out.distinct, 40);
        let one_big_word = "aB1".repeat(100);
        let out = run_all(one_big_word.as_bytes());
        assert_eq!(out.top, top(&[(&one_big_word.to_ascii_lowercase(), 1)]));
    }

    #[test]
    fn json_shape() {
        let out = run_all(b"b a b");
        let json = serde_json::to_string(&out).unwrap();
        assert_eq!(
            json,
            r#"{"total_words":3,"distinct":2,"top":[["b",2],["a",1]]}"#
        );
    }

    #[test]
    fn generated_text_agrees_across_variants() {
        for seed in 0..3 {
            let out = run_all(&generate_text(50_000, seed));
            assert!(out.total_words > 5_000 && out.distinct > 500, "{out:?}");
            assert_eq!(out.top.len(), TOP_K);
        }
    }
}
