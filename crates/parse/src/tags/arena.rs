//! `tags` with every collection in the per-iteration arena: each line's tags in a `bumpalo`
//! vector, accepted tags appended to one arena vector, and the distinct count by sorting that
//! vector in place, so the global allocator is never called.

use super::{MAX_TAG_LEN, MAX_TAGS, Tags, TagsOutput, is_tag_byte};
use bumpalo::collections::Vec as BumpVec;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};

/// Arena collections, no hashing.
pub struct Arena;

impl Kernel<Tags> for Arena {
    fn name(&self) -> &'static str {
        "arena"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Arena
    }

    fn run(&self, input: &ByteInput, ctx: &Ctx) -> TagsOutput {
        let bump = ctx.arena();
        let mut out = TagsOutput::default();
        let mut all: BumpVec<&[u8]> = BumpVec::with_capacity_in(input.len() / 8, bump);
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
                all.extend_from_slice(&line_tags);
            } else {
                out.rejected_lines += 1;
            }
        }
        all.sort_unstable();
        all.dedup();
        out.distinct_tags = all.len() as u64;
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
