//! Scalar `tags` without allocation per line: `memchr` finds line ends, then one pass over the
//! line with one table lookup per byte splits, trims and validates its fields at once; tags stay
//! borrowed `&[u8]` slices in a fixed-capacity `ArrayVec`, and distinct tags go in an Fx hash set
//! keyed by the borrowed slices.

use super::{MAX_TAG_LEN, MAX_TAGS, Tags, TagsOutput};
use arrayvec::ArrayVec;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use rustc_hash::FxHashSet;

/// Borrowed slices and a table per byte.
pub struct Optimized;

const TAG: u8 = 0;
const BLANK: u8 = 1;
const COMMA: u8 = 2;
const OTHER: u8 = 3;

/// The class of every byte: a tag byte `[a-z0-9_-]`, a blank, a comma, or anything else.
static CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-' {
            t[b] = TAG;
        }
        b += 1;
    }
    t[b' ' as usize] = BLANK;
    t[b'\t' as usize] = BLANK;
    t[b',' as usize] = COMMA;
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
        perflab_core::scope!("tags/optimized");
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

/// Fills `tags` with the line's tags in one pass; false if the line is rejected.
///
/// Each field is three tight loops (blanks, tag bytes, blanks) and then a comma or the end, so
/// the branches inside a run predict well and only field boundaries can mispredict.
#[inline(always)]
fn parse_line<'a>(line: &'a [u8], tags: &mut ArrayVec<&'a [u8], MAX_TAGS>) -> bool {
    let class = |i: usize| line.get(i).map_or(OTHER, |&b| CLASS[usize::from(b)]);
    let mut i = 0;
    loop {
        while class(i) == BLANK {
            i += 1;
        }
        let start = i;
        while class(i) == TAG {
            i += 1;
        }
        let len = i - start;
        while class(i) == BLANK {
            i += 1;
        }
        if !push(line, start, len, tags) {
            return false;
        }
        if i == line.len() {
            return true;
        }
        if class(i) != COMMA {
            return false;
        }
        i += 1;
    }
}

/// Ends a field whose tag is `line[start..start + len]`; false if it is invalid or the 17th.
#[inline(always)]
fn push<'a>(
    line: &'a [u8],
    start: usize,
    len: usize,
    tags: &mut ArrayVec<&'a [u8], MAX_TAGS>,
) -> bool {
    (1..=MAX_TAG_LEN).contains(&len) && tags.try_push(&line[start..start + len]).is_ok()
}
