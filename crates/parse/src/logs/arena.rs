//! `logs` with its records in the per-iteration arena: every well-formed line becomes a
//! [`Record`] whose fields live in a `bumpalo` vector, all records go in one arena vector, and
//! the summary is computed from them afterwards, the shape of a parser that hands records on.

use super::syntax;
use super::tally::Tally;
use super::{Logs, LogsOutput};
use bumpalo::collections::Vec as BumpVec;
use perflab_core::{ByteInput, Ctx, Kernel, VariantKind};

/// Records built in the `Bump`.
pub struct Arena;

/// One well-formed line, borrowing the input and the arena.
struct Record<'a> {
    level: usize,
    component: &'a [u8],
    /// Kept because a consumer of records would use it, though the summary does not.
    #[allow(dead_code)]
    message: &'a [u8],
    fields: BumpVec<'a, (&'a [u8], &'a [u8])>,
}

impl Kernel<Logs> for Arena {
    fn name(&self) -> &'static str {
        "arena"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Arena
    }

    fn run(&self, input: &ByteInput, ctx: &Ctx) -> LogsOutput {
        perflab_core::scope!("logs/arena");
        let bump = ctx.arena();
        let mut records: BumpVec<Record<'_>> = BumpVec::with_capacity_in(input.len() / 64, bump);
        let mut malformed = 0u64;
        {
            perflab_core::scope!("parse");
            for raw in input.as_slice().split(|&b| b == b'\n') {
                let line = raw.strip_suffix(b"\r").unwrap_or(raw);
                if line.is_empty() {
                    continue;
                }
                match parse_line(line, bump) {
                    Some(record) => records.push(record),
                    None => malformed += 1,
                }
            }
        }
        perflab_core::scope!("tally");
        let mut tally = Tally::new();
        for _ in 0..malformed {
            tally.malformed();
        }
        for r in &records {
            // A record exists only if its `ms` (if any) was readable.
            let ms = syntax::ms_field(&r.fields).ok().flatten();
            tally.record(r.level, r.component, ms);
        }
        tally.finish()
    }
}

/// The record of a well-formed line, or `None`.
fn parse_line<'a>(line: &'a [u8], bump: &'a bumpalo::Bump) -> Option<Record<'a>> {
    if !syntax::printable(line) {
        return None;
    }
    let head = syntax::head(line)?;
    let body = head.tail.get(1..).unwrap_or_default();
    let mut fields = BumpVec::new_in(bump);
    let mut message_len = body.len();
    let mut offset = 0usize;
    for word in body.split(|&b| b == b' ') {
        match word.iter().position(|&b| b == b'=') {
            Some(eq) => {
                if fields.is_empty() {
                    message_len = offset.saturating_sub(1);
                }
                let (k, v) = (&word[..eq], &word[eq + 1..]);
                if v.is_empty() || !syntax::key(k) || fields.iter().any(|&(seen, _)| seen == k) {
                    return None;
                }
                fields.push((k, v));
            }
            None if fields.is_empty() => {}
            None => return None,
        }
        offset += word.len() + 1;
    }
    syntax::ms_field(&fields).ok()?;
    Some(Record {
        level: head.level,
        component: head.component,
        message: &body[..message_len],
        fields,
    })
}
