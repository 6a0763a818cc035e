//! The `arena` variant: every distinct word is interned once in the per-call `bumpalo` arena.
//!
//! It shows what an arena buys a counting kernel: keys are plain `&[u8]` slices into the arena,
//! so the table owns no heap strings and dropping it frees nothing word by word (the harness
//! resets the arena after the call). Lower-casing goes into one reusable arena buffer; the map
//! is `hashbrown` with FxHash, looked up by the borrowed buffer.
#![forbid(unsafe_code)]

use super::{TopK, Wordfreq, WordfreqOutput};
use bumpalo::Bump;
use hashbrown::HashMap;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use rustc_hash::FxBuildHasher;

/// Words interned in `ctx.arena()`; a byte loop tokenizer and an FxHash map of arena slices.
pub struct Arena;

impl Kernel<Wordfreq> for Arena {
    fn name(&self) -> &'static str {
        "arena"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Arena
    }

    fn run(&self, input: &ByteInput, ctx: &Ctx) -> WordfreqOutput {
        perflab_core::scope!("wordfreq/arena");
        let bump = ctx.arena();
        let mut counts = Counts {
            bump,
            map: HashMap::with_hasher(FxBuildHasher),
            total: 0,
        };
        let mut word = bumpalo::collections::Vec::with_capacity_in(64, bump);
        {
            perflab_core::scope!("tokenize_count");
            for &b in input.as_slice() {
                if b.is_ascii_alphanumeric() {
                    word.push(b.to_ascii_lowercase());
                } else if !word.is_empty() {
                    counts.add(&word);
                    word.clear();
                }
            }
            if !word.is_empty() {
                counts.add(&word);
            }
        }
        perflab_core::scope!("top_k");
        let mut top = TopK::default();
        for (w, &c) in &counts.map {
            top.offer(w, c);
        }
        WordfreqOutput {
            total_words: counts.total,
            distinct: counts.map.len() as u64,
            top: top.into_top(),
        }
    }
}

struct Counts<'b> {
    bump: &'b Bump,
    map: HashMap<&'b [u8], u64, FxBuildHasher>,
    total: u64,
}

impl<'b> Counts<'b> {
    #[inline]
    fn add(&mut self, word: &[u8]) {
        self.total += 1;
        match self.map.get_mut(word) {
            Some(count) => *count += 1,
            None => {
                self.map.insert(self.bump.alloc_slice_copy(word), 1);
            }
        }
    }
}
