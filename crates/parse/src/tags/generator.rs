//! The `tags` input generator: realistic tag lines, fully determined by `(size, seed)`.
//!
//! A vocabulary of a few hundred tags (`area`, `area-qualifier`, `area_N`), drawn with a
//! Zipf-like (log-uniform rank) popularity; 1 to 12 tags per line; random blanks around commas;
//! about 5% of lines end in `\r\n`, about 1% of lines are empty, and about 3% are rejected, spread
//! over every reject kind: empty tag, uppercase, punctuation, non-ASCII, blank inside a tag,
//! 33-byte tag and 17 tags.

use super::{MAX_TAG_LEN, MAX_TAGS};
use perflab_core::Rng;

const AREAS: [&str; 24] = [
    "net", "db", "cache", "api", "auth", "user", "billing", "search", "queue", "storage", "gpu",
    "infra", "web", "mobile", "ios", "android", "payments", "metrics", "logs", "deploy", "build",
    "test", "security", "frontend",
];
const QUALIFIERS: [&str; 12] = [
    "prod", "staging", "v2", "legacy", "eu-west", "us-east", "hot", "slow", "p1", "p2", "beta",
    "ok",
];

/// The vocabulary, most popular first.
fn vocabulary() -> Vec<String> {
    let mut v: Vec<String> = AREAS.iter().map(|a| (*a).to_owned()).collect();
    for q in QUALIFIERS {
        for a in AREAS {
            v.push(format!("{a}-{q}"));
        }
    }
    for n in 0..40 {
        v.push(format!("{}_{n}", AREAS[n % AREAS.len()]));
    }
    v
}

/// Bytes of tag lines, at most `size` long, ending at a line boundary.
pub(super) fn generate(size: usize, seed: u64) -> Vec<u8> {
    let vocab = vocabulary();
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(size);
    let mut line = Vec::new();
    loop {
        line.clear();
        if !rng.chance(0.01) {
            make_line(&mut rng, &vocab, &mut line);
        }
        if rng.chance(0.05) {
            line.push(b'\r');
        }
        line.push(b'\n');
        if out.len() + line.len() > size {
            return out;
        }
        out.extend_from_slice(&line);
    }
}

fn make_line(rng: &mut Rng, vocab: &[String], line: &mut Vec<u8>) {
    let n = 1 + rng.below(12) as usize;
    let reject = rng.chance(0.03).then(|| rng.below(7));
    let n = if reject == Some(6) { MAX_TAGS + 1 } else { n };
    let bad_at = rng.below(n as u64) as usize;
    for i in 0..n {
        if i > 0 {
            blanks(rng, line);
            line.push(b',');
        }
        blanks(rng, line);
        // Log-uniform rank: a Zipf-like popularity with exponent about 1.
        let rank = ((vocab.len() as f64).powf(rng.next_f64()) as usize).saturating_sub(1);
        let tag = vocab[rank.min(vocab.len() - 1)].as_bytes();
        match reject {
            Some(r) if i == bad_at => match r {
                0 => {}
                1 => line.extend(tag.iter().map(u8::to_ascii_uppercase)),
                2 => line.extend_from_slice(b"a!b"),
                3 => line.extend_from_slice("caf\u{e9}".as_bytes()),
                4 => line.extend_from_slice(b"two words"),
                _ => line.extend(std::iter::repeat_n(b'x', MAX_TAG_LEN + 1)),
            },
            _ => line.extend_from_slice(tag),
        }
    }
    blanks(rng, line);
}

fn blanks(rng: &mut Rng, line: &mut Vec<u8>) {
    match rng.below(10) {
        0 => line.push(b' '),
        1 => line.extend_from_slice(b"  "),
        2 => line.push(b'\t'),
        _ => {}
    }
}
