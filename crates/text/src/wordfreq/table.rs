//! The counting machinery shared by `optimized` and `simd`: a walk over 64-byte word bitmasks
//! and an open-addressing table whose keys are the words' folded bytes held inline.
//!
//! Both variants differ only in how a 64-byte block becomes a bitmask ([`BlockMask`]); this
//! module turns the masks into words and counts them, so a speed difference between the two is
//! the tokenizer's alone.
//!
//! - **Words from masks.** Bit `i` of a block's mask says byte `i` belongs to a word. Words are
//!   found with `trailing_zeros`, one loop iteration per word rather than per byte; a word that
//!   reaches the end of a block stays open into the next.
//! - **Folding for free.** Every byte of a word is an ASCII letter or digit, and for those bytes
//!   ASCII lower case is exactly `byte | 0x20` (digits already have that bit). So a word is
//!   loaded 8 bytes at a time straight from the text, `OR`ed with `0x2020…` and masked to its
//!   length: no per-byte loop, no second pass, no buffer.
//! - **Inline keys.** Words of at most 16 bytes (nearly all of them) are two `u64`s, zero-padded;
//!   since a word never contains a zero byte, the pair identifies it and its length exactly.
//!   Slots are `(k0, k1, count)`; `k0 == 0` marks an empty slot. Lookup is one multiply-fold hash
//!   and, almost always, one 24-byte compare. Longer words go to a side map of boxed keys.
//! - Only new distinct words cost anything beyond that; nothing is allocated per occurrence.
#![forbid(unsafe_code)]

use super::{TopK, WordfreqOutput};
use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

/// Lower-cases the ASCII letters of up to 8 word bytes at once (see the module docs).
const FOLD: u64 = 0x2020_2020_2020_2020;

/// Words longer than this live in the side map.
const INLINE_MAX: usize = 16;

/// Turns a 64-byte block into a bitmask: bit `i` set exactly when `block[i]` is an ASCII letter
/// or digit. Implemented by the portable SWAR tokenizer and by each SIMD level.
pub(crate) trait BlockMask {
    /// The word-byte mask of `block`.
    fn mask(&self, block: &[u8; 64]) -> u64;
}

/// Tokenizes and counts `text` with the block classifier `m`, and selects the top words.
///
/// `#[inline(always)]` so that SIMD entry points, which carry `#[target_feature]`, get the whole
/// loop (and their classifier) compiled with their features enabled.
#[inline(always)]
pub(crate) fn count_words<M: BlockMask>(text: &[u8], m: &M) -> WordfreqOutput {
    let mut table = WordTable::new();
    {
        perflab_core::scope!("tokenize_count");
        let mut open = None;
        let (blocks, rest) = text.as_chunks::<64>();
        let mut base = 0;
        for block in blocks {
            walk_block(&mut table, text, base, m.mask(block), &mut open);
            base += 64;
        }
        if !rest.is_empty() {
            let mut last = [0u8; 64];
            last[..rest.len()].copy_from_slice(rest);
            // Zero padding is not a word byte, so an open word closes inside this block.
            walk_block(&mut table, text, base, m.mask(&last), &mut open);
        }
        if let Some(start) = open {
            table.add(text, start, text.len() - start);
        }
    }
    perflab_core::scope!("top_k");
    table.into_output()
}

/// Counts the words whose ends lie in the block at `base` with word-byte mask `bits`. `open`
/// carries the start of a word that runs past the block's end into the next one.
#[inline(always)]
fn walk_block(
    table: &mut WordTable,
    text: &[u8],
    base: usize,
    mut bits: u64,
    open: &mut Option<usize>,
) {
    if let Some(start) = *open {
        let run = (!bits).trailing_zeros() as usize;
        if run == 64 {
            return;
        }
        table.add(text, start, base + run - start);
        *open = None;
        bits &= u64::MAX << run;
    }
    while bits != 0 {
        let s = bits.trailing_zeros() as usize;
        let run = (!(bits >> s)).trailing_zeros() as usize;
        if s + run == 64 {
            *open = Some(base + s);
            return;
        }
        table.add(text, base + s, run);
        // Adding the run's lowest bit carries through the run and clears it.
        bits &= bits.wrapping_add(1 << s);
    }
}

/// Eight bytes of `text` from `at`, little-endian, zero-padded past the end.
#[inline(always)]
fn load8(text: &[u8], at: usize) -> u64 {
    match text.get(at..).and_then(|t| t.first_chunk::<8>()) {
        Some(bytes) => u64::from_le_bytes(*bytes),
        None => {
            let tail = text.get(at..).unwrap_or(&[]);
            let mut buf = [0u8; 8];
            buf[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(buf)
        }
    }
}

/// A 64-bit hash of a two-word key: one 64×64→128 multiply, folded. Cheap and well mixed in
/// both halves, which is all linear probing over a power-of-two table needs.
#[inline(always)]
fn hash(k0: u64, k1: u64) -> u64 {
    let p = u128::from(k0 ^ 0x243F_6A88_85A3_08D3) * u128::from(k1 ^ 0x1319_8A2E_0370_7344);
    (p as u64) ^ ((p >> 64) as u64)
}

#[derive(Clone, Copy, Default)]
struct Slot {
    k0: u64,
    k1: u64,
    count: u64,
}

/// Word counts keyed by folded word bytes. See the module docs for the layout.
pub(crate) struct WordTable {
    /// Power-of-two length, at most half full.
    slots: Vec<Slot>,
    used: usize,
    total: u64,
    long: HashMap<Box<[u8]>, u64, FxBuildHasher>,
    fold: Vec<u8>,
}

impl WordTable {
    pub(crate) fn new() -> Self {
        WordTable {
            slots: vec![Slot::default(); 1024],
            used: 0,
            total: 0,
            long: HashMap::with_hasher(FxBuildHasher),
            fold: Vec::new(),
        }
    }

    /// Counts the word `text[start..start + len]` (`len >= 1`, all bytes letters or digits).
    #[inline(always)]
    pub(crate) fn add(&mut self, text: &[u8], start: usize, len: usize) {
        self.total += 1;
        if len > INLINE_MAX {
            self.add_long(text, start, len);
            return;
        }
        let n0 = len.min(8);
        let n1 = len - n0;
        let k0 = (load8(text, start) | FOLD) & (u64::MAX >> (64 - 8 * n0));
        let k1 = (load8(text, start + 8) | FOLD) & (((1u128 << (8 * n1)) - 1) as u64);
        let mask = self.slots.len() - 1;
        let mut i = hash(k0, k1) as usize & mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.k0 == k0 && slot.k1 == k1 {
                slot.count += 1;
                return;
            }
            if slot.k0 == 0 {
                *slot = Slot { k0, k1, count: 1 };
                self.used += 1;
                if self.used * 2 > self.slots.len() {
                    self.grow();
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    #[cold]
    #[inline(never)]
    fn add_long(&mut self, text: &[u8], start: usize, len: usize) {
        let word = text.get(start..start + len).unwrap_or(&[]);
        self.fold.clear();
        self.fold.extend(word.iter().map(|b| b | 0x20));
        match self.long.get_mut(self.fold.as_slice()) {
            Some(count) => *count += 1,
            None => {
                self.long.insert(self.fold.as_slice().into(), 1);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.k0 != 0) {
            let mut i = hash(s.k0, s.k1) as usize & mask;
            while self.slots[i].k0 != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }

    /// Totals, distinct count and the top words (bounded selection, no sort of the table).
    pub(crate) fn into_output(self) -> WordfreqOutput {
        let mut top = TopK::default();
        for s in self.slots.iter().filter(|s| s.k0 != 0) {
            if top.may_accept(s.count) {
                let key = u128::from(s.k0) | (u128::from(s.k1) << 64);
                let len = (128 - key.leading_zeros() as usize).div_ceil(8);
                top.offer(&key.to_le_bytes()[..len], s.count);
            }
        }
        for (word, &count) in &self.long {
            top.offer(word, count);
        }
        WordfreqOutput {
            total_words: self.total,
            distinct: (self.used + self.long.len()) as u64,
            top: top.into_top(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(text: &[u8]) -> WordTable {
        let mut t = WordTable::new();
        let mut start = None;
        for (i, b) in text.iter().chain([&b' ']).enumerate() {
            match (b.is_ascii_alphanumeric(), start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    t.add(text, s, i - s);
                    start = None;
                }
                _ => {}
            }
        }
        t
    }

    #[test]
    fn grows_and_keeps_every_count() {
        let text: String = (0..20_000)
            .map(|i| format!("W{} w{} ", i % 7_000, i % 7_000))
            .collect();
        let t = count(text.as_bytes());
        assert!(t.slots.len() >= 2 * 7_000);
        let out = t.into_output();
        assert_eq!((out.total_words, out.distinct), (40_000, 7_000));
        assert_eq!(out.top[0], ("w0".to_owned(), 6));
    }

    #[test]
    fn keys_of_every_length_stay_distinct() {
        // Prefixes of one word: lengths 1..=40 straddle the 8-, 16-byte and inline limits.
        let word = "AbcdefghIjklmnopQrstuvwxYz0123456789abcd";
        let text: String = (1..=40)
            .map(|n| format!("{} {} ", &word[..n], &word[..n]))
            .collect();
        let out = count(text.as_bytes()).into_output();
        assert_eq!((out.total_words, out.distinct), (80, 40));
        assert!(
            out.top
                .iter()
                .all(|(w, c)| *c == 2 && word.to_ascii_lowercase().starts_with(w.as_str()))
        );
        assert_eq!(out.top[0].0, "a");
    }
}
