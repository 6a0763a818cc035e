//! The obvious `tags` parser and the oracle: a `String` per line, `split(',')`, a `Vec<String>`
//! of tags and a `HashSet<String>` of distinct ones, the way most code first writes it.

use super::{MAX_TAG_LEN, MAX_TAGS, Tags, TagsOutput, is_tag_byte};
use perflab_core::{ByteInput, Ctx, FixedSipHasher, Kernel, VariantKind};
use std::collections::HashSet;

/// Allocates per line and per tag.
pub struct Naive;

impl Kernel<Tags> for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> TagsOutput {
        perflab_core::scope!("tags/naive");
        let mut out = TagsOutput::default();
        let mut distinct: HashSet<String, FixedSipHasher> = HashSet::default();
        for raw in input.as_slice().split(|&b| b == b'\n') {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.is_empty() {
                continue;
            }
            out.lines += 1;
            match parse_line(raw) {
                Some(tags) => {
                    out.tags += tags.len() as u64;
                    distinct.extend(tags);
                }
                None => out.rejected_lines += 1,
            }
        }
        out.distinct_tags = distinct.len() as u64;
        out
    }
}

/// The tags of an accepted line, or `None` if the line is rejected.
fn parse_line(raw: &[u8]) -> Option<Vec<String>> {
    let line = String::from_utf8(raw.to_vec()).ok()?;
    let mut tags = Vec::new();
    for field in line.split(',') {
        let tag = field.trim_matches([' ', '\t']);
        if tag.is_empty() || tag.len() > MAX_TAG_LEN || !tag.bytes().all(is_tag_byte) {
            return None;
        }
        tags.push(tag.to_string());
    }
    (tags.len() <= MAX_TAGS).then_some(tags)
}
