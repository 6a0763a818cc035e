//! `tags` over the SIMD structural scanner: [`crate::scan`] reports, 64 bytes at a time, every
//! byte outside `[a-z0-9_-]` (commas, line ends, blanks and invalid bytes alike), so tag bytes
//! are never looked at one by one. A small state machine over those positions applies the rules:
//! the gap between two structural bytes is a run of tag bytes; a field is valid iff it holds
//! exactly one such run, surrounded only by blanks.
//!
//! This file has no unsafe code: the parser is generic over [`Classify`], and the scanner
//! instantiates it inside each ISA's `#[target_feature]` entry.

use super::{MAX_TAG_LEN, MAX_TAGS, Tags, TagsOutput};
use crate::scan::{self, Classify, PlainSet, ScanKernel, ScanParser, Structurals};
use arrayvec::ArrayVec;
use rustc_hash::FxHashSet;

/// Tag bytes: everything else is structural.
const PLAIN: PlainSet = PlainSet::new([(b'a', b'z'), (b'0', b'9'), (b'_', b'_'), (b'-', b'-')]);

/// The SIMD `tags` kernel at one scanner level (`simd`, `simd-sse2`, `simd-avx2`, and
/// `simd-portable` for tests).
pub type Simd = scan::LevelKernel<Parser>;

/// The tags parser over the scanner (public only as the parameter of [`Simd`]).
pub struct Parser;

/// The state of the line being parsed.
struct Line<'a> {
    start: usize,
    /// The current field's run of tag bytes, `[start, end)`.
    run: Option<(usize, usize)>,
    tags: ArrayVec<&'a [u8], MAX_TAGS>,
    rejected: bool,
}

impl<'a> Line<'a> {
    #[inline(always)]
    fn new(start: usize) -> Self {
        Line {
            start,
            run: None,
            tags: ArrayVec::new(),
            rejected: false,
        }
    }

    /// Records tag bytes `[s, e)`; a second run in one field means a blank inside a tag.
    #[inline(always)]
    fn plain(&mut self, s: usize, e: usize) {
        if self.run.is_some() {
            self.rejected = true;
        }
        self.run = Some((s, e));
    }

    /// Ends the current field.
    #[inline(always)]
    fn field(&mut self, data: &'a [u8]) {
        match self.run.take() {
            Some((s, e)) if !self.rejected && e - s <= MAX_TAG_LEN => {
                self.rejected = self.tags.try_push(&data[s..e]).is_err();
            }
            _ => self.rejected = true,
        }
    }

    /// Ends the line at `end` (its `\n` or the end of input) and counts it unless empty.
    #[inline(always)]
    fn finish(
        &mut self,
        data: &'a [u8],
        end: usize,
        out: &mut TagsOutput,
        distinct: &mut FxHashSet<&'a [u8]>,
    ) {
        let content_end = if end > self.start && data[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if content_end == self.start {
            return;
        }
        self.field(data);
        out.lines += 1;
        if self.rejected {
            out.rejected_lines += 1;
        } else {
            out.tags += self.tags.len() as u64;
            distinct.extend(self.tags.iter().copied());
        }
    }
}

impl ScanKernel for Parser {
    type Workload = Tags;

    #[inline]
    fn run(kernel: &Simd, input: &perflab_core::ByteInput) -> TagsOutput {
        perflab_core::scope!("tags/simd", kernel.name());
        kernel.parse(input.as_slice()).unwrap_or_default()
    }
}

impl ScanParser for Parser {
    type Output = TagsOutput;
    const PLAIN: PlainSet = PLAIN;

    #[inline(always)]
    fn parse<C: Classify>(classifier: C, data: &[u8]) -> TagsOutput {
        let mut out = TagsOutput::default();
        let mut distinct: FxHashSet<&[u8]> =
            FxHashSet::with_capacity_and_hasher(1024, Default::default());
        let mut line = Line::new(0);
        // First byte not yet accounted for.
        let mut pending = 0;
        for p in Structurals::new(classifier, data) {
            if p > pending {
                line.plain(pending, p);
            }
            pending = p + 1;
            match data[p] {
                b' ' | b'\t' => {}
                b',' => line.field(data),
                b'\n' => {
                    line.finish(data, p, &mut out, &mut distinct);
                    line = Line::new(p + 1);
                }
                // A `\r` right before the line's end is removed by the rules.
                b'\r' if data.get(p + 1).is_none_or(|&b| b == b'\n') => {}
                _ => line.rejected = true,
            }
        }
        if data.len() > pending {
            line.plain(pending, data.len());
        }
        if data.len() > line.start {
            line.finish(data, data.len(), &mut out, &mut distinct);
        }
        out.distinct_tags = distinct.len() as u64;
        out
    }
}
