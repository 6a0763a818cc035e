//! `tags` with every collection in the per-iteration arena: each line's tags in a `bumpalo`
//! vector and the distinct tags in an open-addressing hash set whose table is an arena slice
//! (grown by doubling into a fresh slice; the old one is reclaimed by the arena's reset), so the
//! global allocator is never called per line or per tag.

use super::{MAX_TAG_LEN, MAX_TAGS, Tags, TagsOutput, is_tag_byte};
use bumpalo::Bump;
use bumpalo::collections::Vec as BumpVec;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Arena collections and an arena hash set.
pub struct Arena;

impl Kernel<Tags> for Arena {
    fn name(&self) -> &'static str {
        "arena"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Arena
    }

    fn run(&self, input: &ByteInput, ctx: &Ctx) -> TagsOutput {
        perflab_core::scope!("tags/arena");
        let bump = ctx.arena();
        let mut out = TagsOutput::default();
        let mut distinct = ArenaSet::new(bump);
        let mut line_tags: BumpVec<&[u8]> = BumpVec::with_capacity_in(MAX_TAGS + 1, bump);
        for raw in input.as_slice().split(|&b| b == b'\n') {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.is_empty() {
                continue;
            }
            out.lines += 1;
            line_tags.clear();
            let ok = line.split(|&b| b == b',').all(|field| {
                let tag = trim_blanks(field);
                let valid = !tag.is_empty()
                    && tag.len() <= MAX_TAG_LEN
                    && tag.iter().all(|&b| is_tag_byte(b))
                    && line_tags.len() < MAX_TAGS;
                line_tags.push(tag);
                valid
            });
            if ok {
                out.tags += line_tags.len() as u64;
                for &tag in &line_tags {
                    distinct.insert(tag);
                }
            } else {
                out.rejected_lines += 1;
            }
        }
        out.distinct_tags = distinct.len as u64;
        out
    }
}

/// `field` without leading and trailing spaces and tabs (`trim_ascii` would also remove other
/// whitespace, which the rules reject).
#[inline(always)]
fn trim_blanks(field: &[u8]) -> &[u8] {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = field.iter().position(|b| !blank(b)).unwrap_or(field.len());
    let end = field
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |i| i + 1);
    &field[start..end]
}

/// A set of borrowed tags with linear probing, its table in the arena.
struct ArenaSet<'b, 'a> {
    bump: &'b Bump,
    /// Length a power of two, at most half full.
    slots: &'b mut [Option<&'a [u8]>],
    len: usize,
}

impl<'b, 'a> ArenaSet<'b, 'a> {
    fn new(bump: &'b Bump) -> Self {
        ArenaSet {
            bump,
            slots: bump.alloc_slice_fill_copy(1024, None),
            len: 0,
        }
    }

    #[inline(always)]
    fn insert(&mut self, tag: &'a [u8]) {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        if Self::place(self.slots, tag) {
            self.len += 1;
        }
    }

    /// Puts `tag` in `slots` unless present; true if it was new.
    #[inline(always)]
    fn place(slots: &mut [Option<&'a [u8]>], tag: &'a [u8]) -> bool {
        let mask = slots.len() - 1;
        let mut h = FxHasher::default();
        h.write(tag);
        let mut i = h.finish() as usize & mask;
        loop {
            match slots[i] {
                None => {
                    slots[i] = Some(tag);
                    return true;
                }
                Some(t) if t == tag => return false,
                Some(_) => i = (i + 1) & mask,
            }
        }
    }

    #[cold]
    fn grow(&mut self) {
        let bigger = self.bump.alloc_slice_fill_copy(self.slots.len() * 2, None);
        for tag in self.slots.iter().flatten() {
            Self::place(bigger, tag);
        }
        self.slots = bigger;
    }
}
