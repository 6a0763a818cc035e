//! The obvious `logs` parser and the oracle: each line becomes an owned record with `String`
//! fields and a `HashMap<String, String>` of its `key=value` pairs, parsed with `str` methods.

use super::{LEVELS, Logs, LogsOutput};
use perflab_core::{ByteInput, Ctx, FixedSipHasher, Kernel, VariantKind};
use std::collections::HashMap;

/// Owned records, one `HashMap` per line.
pub struct Naive;

/// A parsed line.
struct Record {
    level: String,
    component: String,
    /// Kept because a real consumer would use it, though the summary does not.
    #[allow(dead_code)]
    message: String,
    fields: HashMap<String, String, FixedSipHasher>,
}

impl Kernel<Logs> for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }

    fn run(&self, input: &ByteInput, _ctx: &Ctx) -> LogsOutput {
        perflab_core::scope!("logs/naive");
        let mut out = LogsOutput::default();
        for raw in input.as_slice().split(|&b| b == b'\n') {
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.is_empty() {
                continue;
            }
            out.lines += 1;
            let parsed = String::from_utf8(raw.to_vec())
                .ok()
                .and_then(|line| parse(&line));
            let Some(record) = parsed else {
                out.malformed += 1;
                continue;
            };
            let ms = match record.fields.get("ms").map(|v| parse_ms(v)) {
                None => None,
                Some(Some(ms)) => Some(ms),
                Some(None) => {
                    out.malformed += 1;
                    continue;
                }
            };
            if let Some(i) = LEVELS.iter().position(|l| *l == record.level) {
                out.by_level.0[i] += 1;
            }
            *out.by_component.entry(record.component).or_insert(0) += 1;
            if let Some(ms) = ms {
                out.add_ms(ms);
            }
        }
        out
    }
}

/// The record, or `None` if the line is malformed (its `ms` value is checked by the caller).
fn parse(line: &str) -> Option<Record> {
    if !line.bytes().all(|b| (0x20..=0x7E).contains(&b)) {
        return None;
    }
    let ts = line.get(..24)?;
    if !valid_timestamp(ts) {
        return None;
    }
    let rest = line[24..].strip_prefix(' ')?;
    let (level, rest) = rest.split_once(' ')?;
    if !LEVELS.contains(&level) {
        return None;
    }
    let (component, tail) = rest.strip_prefix('[')?.split_once(']')?;
    let component_ok = component
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c));
    if component.is_empty() || component.len() > 64 || !component_ok {
        return None;
    }
    let body = if tail.is_empty() {
        None
    } else {
        Some(tail.strip_prefix(' ')?)
    };
    let mut message = Vec::new();
    let mut fields: HashMap<String, String, FixedSipHasher> = HashMap::default();
    for word in body.into_iter().flat_map(|b| b.split(' ')) {
        match word.split_once('=') {
            Some((k, v)) => {
                if v.is_empty()
                    || !valid_key(k)
                    || fields.insert(k.to_string(), v.to_string()).is_some()
                {
                    return None;
                }
            }
            None if fields.is_empty() => message.push(word),
            None => return None,
        }
    }
    let record = Record {
        level: level.to_string(),
        component: component.to_string(),
        message: message.join(" "),
        fields,
    };
    Some(record)
}

/// Digits that fit in a u64 (`str::parse` alone would also accept `+5`).
fn parse_ms(v: &str) -> Option<u64> {
    if v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse().ok()
    } else {
        None
    }
}

fn valid_key(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` with every field in range.
fn valid_timestamp(ts: &str) -> bool {
    let shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    let shape_ok = ts.len() == shape.len()
        && ts
            .chars()
            .zip(shape.chars())
            .all(|(c, s)| if s == 'd' { c.is_ascii_digit() } else { c == s });
    if !shape_ok {
        return false;
    }
    let num = |a: usize, b: usize| ts[a..b].parse::<u32>().unwrap_or(u32::MAX);
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && num(11, 13) < 24 && num(14, 16) < 60 && num(17, 19) < 60
}
