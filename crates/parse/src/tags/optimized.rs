//! Scalar `tags` without allocation per line: `memchr` finds line ends and commas, tags stay
//! borrowed `&[u8]` slices in a fixed-capacity `ArrayVec`, validity is one table lookup per byte,
//! and distinct tags go in an Fx hash set keyed by the borrowed slices.

use super::{MAX_TAG_LEN, MAX_TAGS, Tags, TagsOutput};
use arrayvec::ArrayVec;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use rustc_hash::FxHashSet;

/// Borrowed slices and a table per byte.
pub struct Optimized;

/// `TAG_BYTE[b]` iff `b` is in `[a-z0-9_-]`.
static TAG_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-';
        b += 1;
    }
    t
};

impl Kernel<Tags> for Optimized {
    fn name(&self) -> &'static str {
        "optimized"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> TagsOutput {
        let data = input.as_slice();
        let mut out = TagsOutput::default();
        // Sized for a realistic vocabulary; it grows if the input has more.
        let mut distinct: FxHashSet<&[u8]> =
            FxHashSet::with_capacity_and_hasher(1024, Default::default());
        let mut tags: ArrayVec<&[u8], MAX_TAGS> = ArrayVec::new();
        let mut start = 0;
        while start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            let mut line = &data[start..end];
            start = end + 1;
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            if line.is_empty() {
                continue;
            }
            out.lines += 1;
            tags.clear();
            if parse_line(line, &mut tags) {
                out.tags += tags.len() as u64;
                distinct.extend(tags.iter().copied());
            } else {
                out.rejected_lines += 1;
            }
        }
        out.distinct_tags = distinct.len() as u64;
        out
    }
}

/// Fills `tags` with the line's tags; false if the line is rejected.
#[inline(always)]
fn parse_line<'a>(line: &'a [u8], tags: &mut ArrayVec<&'a [u8], MAX_TAGS>) -> bool {
    let mut rest = line;
    loop {
        let comma = memchr::memchr(b',', rest);
        let field = comma.map_or(rest, |i| &rest[..i]);
        let tag = trim(field);
        if tag.is_empty()
            || tag.len() > MAX_TAG_LEN
            || !tag.iter().all(|&b| TAG_BYTE[usize::from(b)])
        {
            return false;
        }
        if tags.try_push(tag).is_err() {
            return false;
        }
        match comma {
            Some(i) => rest = &rest[i + 1..],
            None => return true,
        }
    }
}

/// `field` without leading and trailing spaces and tabs.
#[inline(always)]
fn trim(mut field: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = field {
        field = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = field {
        field = rest;
    }
    field
}
