//! Scalar `logs` without allocation per line: `memchr` finds line ends, spaces and `=`, fields
//! stay borrowed `(&[u8], &[u8])` pairs in a `SmallVec` on the stack, and components are counted
//! in an Fx hash map keyed by the borrowed name.

use super::syntax::{self, Head};
use super::tally::Tally;
use super::{Logs, LogsOutput};
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};
use smallvec::SmallVec;

/// Borrowed fields and `memchr`.
pub struct Optimized;

/// A line's fields: eight fit on the stack, more spill to the heap.
type Fields<'a> = SmallVec<[(&'a [u8], &'a [u8]); 8]>;

impl Kernel<Logs> for Optimized {
    fn name(&self) -> &'static str {
        "optimized"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Optimized
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> LogsOutput {
        perflab_core::scope!("logs/optimized");
        let data = input.as_slice();
        let mut tally = Tally::new();
        let mut fields = Fields::new();
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
            fields.clear();
            match parse_line(line, &mut fields) {
                Some((head, ms)) => tally.record(head.level, head.component, ms),
                None => tally.malformed(),
            }
        }
        tally.finish()
    }
}

/// The head and `ms` of a well-formed line, or `None`.
#[inline(always)]
fn parse_line<'a>(line: &'a [u8], fields: &mut Fields<'a>) -> Option<(Head<'a>, Option<u64>)> {
    if !syntax::printable(line) {
        return None;
    }
    let head = syntax::head(line)?;
    if let [_, body @ ..] = head.tail {
        // The message is skipped without looking at its words: the fields start at the word
        // holding the body's first `=`.
        if let Some(first_eq) = memchr::memchr(b'=', body) {
            let start = memchr::memrchr(b' ', &body[..first_eq]).map_or(0, |i| i + 1);
            for word in body[start..].split(|&b| b == b' ') {
                let eq = memchr::memchr(b'=', word)?;
                if !syntax::push_field(fields, &word[..eq], &word[eq + 1..]) {
                    return None;
                }
            }
        }
    }
    let ms = syntax::ms_field(fields).ok()?;
    Some((head, ms))
}
