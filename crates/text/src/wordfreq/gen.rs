//! The generator: English-like text, so the kernel is measured on the data it is meant for.
//!
//! Word frequencies in natural text follow Zipf's law, which decides how a counting table
//! behaves (a few hot keys, a long tail of misses), and text length, case and punctuation decide
//! how a tokenizer behaves. So the text has: a vocabulary of the commonest real English words
//! followed by a few thousand pseudo-words built from syllables, drawn with Zipf weights
//! `1/rank`; sentences of 3–18 words with commas, capitalised first words, some ALL-CAPS words,
//! numbers (`42`, `1,024`, `3.5`, years), apostrophes and quotes; lines wrapped near
//! 72 columns and blank lines between paragraphs; and a sprinkle of non-ASCII UTF-8 (`café`,
//! `naïve`, `—`). Everything follows from `(size, seed)` through [`perflab_core::Rng`].
#![forbid(unsafe_code)]

use perflab_core::Rng;
use rustc_hash::FxHashSet;

/// The commonest English words, roughly in frequency order; they take the top Zipf ranks.
const COMMON: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "it",
    "you",
    "that",
    "he",
    "was",
    "for",
    "on",
    "are",
    "with",
    "as",
    "I",
    "his",
    "they",
    "be",
    "at",
    "one",
    "have",
    "this",
    "from",
    "or",
    "had",
    "by",
    "not",
    "word",
    "but",
    "what",
    "some",
    "we",
    "can",
    "out",
    "other",
    "were",
    "all",
    "there",
    "when",
    "up",
    "use",
    "your",
    "how",
    "said",
    "an",
    "each",
    "she",
    "which",
    "do",
    "their",
    "time",
    "if",
    "will",
    "way",
    "about",
    "many",
    "then",
    "them",
    "write",
    "would",
    "like",
    "so",
    "these",
    "her",
    "long",
    "make",
    "thing",
    "see",
    "him",
    "two",
    "has",
    "look",
    "more",
    "day",
    "could",
    "go",
    "come",
    "did",
    "number",
    "sound",
    "no",
    "most",
    "people",
    "my",
    "over",
    "know",
    "water",
    "than",
    "call",
    "first",
    "who",
    "may",
    "down",
    "side",
    "been",
    "now",
    "find",
    "don't",
    "it's",
    "world",
    "information",
    "government",
];

const ONSETS: &[&str] = &[
    "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st",
    "tr", "br", "ch", "sh", "th", "pl", "gr", "cl", "sp",
];
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ea", "ou", "ai", "io", "y"];
const CODAS: &[&str] = &[
    "", "", "n", "r", "s", "t", "l", "nd", "st", "ng", "ck", "m", "x",
];
const NON_ASCII: &[&str] = &["café", "naïve", "résumé", "Zürich", "façade", "jalapeño"];

/// How many pseudo-words follow the common ones in the vocabulary.
const PSEUDO_WORDS: usize = 4000;

/// English-like text of exactly `size` bytes (the last word may be cut), determined by
/// `(size, seed)`. See the module docs for what it contains.
pub fn generate_text(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let vocab = vocabulary(&mut rng);
    let mut cumulative = Vec::with_capacity(vocab.len());
    let mut sum = 0.0;
    for rank in 0..vocab.len() {
        sum += 1.0 / (rank as f64 + 1.0);
        cumulative.push(sum);
    }
    let mut out = String::with_capacity(size + 256);
    let mut line_start = 0;
    while out.len() < size {
        for _ in 0..3 + rng.below(5) {
            sentence(&mut out, &mut rng, &vocab, &cumulative, &mut line_start);
            if out.len() >= size {
                break;
            }
        }
        out.push_str("\n\n");
        line_start = out.len();
    }
    let mut bytes = out.into_bytes();
    bytes.truncate(size);
    bytes
}

fn vocabulary(rng: &mut Rng) -> Vec<String> {
    let mut vocab: Vec<String> = COMMON.iter().map(|w| (*w).to_owned()).collect();
    // A fixed hasher: the generator must not leave the heap in a randomly different state
    // each run (instruction counts of the kernels measured after it would vary).
    let mut seen: FxHashSet<String> = vocab.iter().cloned().collect();
    while vocab.len() < COMMON.len() + PSEUDO_WORDS {
        let syllables = match rng.below(100) {
            0..30 => 1,
            30..70 => 2,
            70..92 => 3,
            _ => 4,
        };
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(rng.pick::<&str>(ONSETS));
            w.push_str(rng.pick::<&str>(VOWELS));
            w.push_str(rng.pick::<&str>(CODAS));
        }
        if seen.insert(w.clone()) {
            vocab.push(w);
        }
    }
    vocab
}

fn sentence(
    out: &mut String,
    rng: &mut Rng,
    vocab: &[String],
    cum: &[f64],
    line_start: &mut usize,
) {
    let quoted = rng.chance(0.04);
    if quoted {
        out.push('"');
    }
    let words = 3 + rng.below(16);
    for i in 0..words {
        if i > 0 {
            if out.len() - *line_start > 72 {
                out.push('\n');
                *line_start = out.len();
            } else {
                out.push(' ');
            }
        }
        let r = rng.next_f64();
        if r < 0.03 {
            number(out, rng);
        } else if r < 0.035 {
            out.push_str(rng.pick::<&str>(NON_ASCII));
        } else {
            let total = cum.last().copied().unwrap_or(1.0);
            let x = rng.next_f64() * total;
            let idx = cum.partition_point(|&c| c <= x).min(vocab.len() - 1);
            let w = &vocab[idx];
            if rng.chance(0.015) {
                out.push_str(&w.to_ascii_uppercase());
            } else if i == 0 {
                let mut chars = w.chars();
                if let Some(c) = chars.next() {
                    out.push(c.to_ascii_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push_str(w);
            }
        }
        if i + 1 < words {
            match rng.below(100) {
                0..8 => out.push(','),
                8 => out.push_str(" —"),
                9 => out.push(';'),
                _ => {}
            }
        }
    }
    out.push(match rng.below(100) {
        0..85 => '.',
        85..93 => '?',
        _ => '!',
    });
    if quoted {
        out.push('"');
    }
    out.push(' ');
}

fn number(out: &mut String, rng: &mut Rng) {
    use std::fmt::Write;
    let _ = match rng.below(4) {
        0 => write!(out, "{}", rng.below(100)),
        1 => write!(out, "{},{:03}", 1 + rng.below(99), rng.below(1000)),
        2 => write!(out, "{}.{}", rng.below(10), rng.below(10)),
        _ => write!(out, "{}", 1900 + rng.below(126)),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_size_deterministic_and_varied() {
        for size in [0, 1, 100, 10_000] {
            assert_eq!(generate_text(size, 1).len(), size);
        }
        assert_eq!(generate_text(5000, 7), generate_text(5000, 7));
        assert_ne!(generate_text(5000, 7), generate_text(5000, 8));
        let text = generate_text(200_000, 3);
        assert!(text.iter().any(|&b| b >= 0x80));
        assert!(text.windows(2).any(|w| w == b"\n\n"));
        assert!(text.iter().any(|b| b.is_ascii_uppercase()));
        assert!(text.iter().any(|b| b.is_ascii_digit()));
    }
}
