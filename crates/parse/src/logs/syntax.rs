//! Byte-level checks of the grammar's pieces, shared by the borrowed-slice variants (naive has
//! its own, `str`-based, so that it stays an independent oracle).

/// Length of the timestamp, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(super) const TS_LEN: usize = 24;

/// The head of a line: its level index, component and the tail after `]` (empty, or starting
/// with a space).
pub(super) struct Head<'a> {
    pub level: usize,
    pub component: &'a [u8],
    pub tail: &'a [u8],
}

/// Whether every byte is printable ASCII. Written as a fold without early exit so it
/// vectorises.
#[inline(always)]
pub(super) fn printable(line: &[u8]) -> bool {
    line.iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5F))
}

/// Parses `TIMESTAMP LEVEL [COMPONENT]` at the start of a line.
#[inline(always)]
pub(super) fn head(line: &[u8]) -> Option<Head<'_>> {
    let (ts, rest) = line.split_first_chunk::<TS_LEN>()?;
    if !timestamp(ts) {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    let (level, len) = level(rest)?;
    let rest = rest[len..].strip_prefix(b" [")?;
    let n = rest.iter().take(65).position(|&b| !component_byte(b))?;
    if n == 0 || n > 64 || rest[n] != b']' {
        return None;
    }
    let tail = &rest[n + 1..];
    if !tail.is_empty() && tail[0] != b' ' {
        return None;
    }
    Some(Head {
        level,
        component: &rest[..n],
        tail,
    })
}

/// The level at the start of `rest` and its length, if followed by a space.
#[inline(always)]
fn level(rest: &[u8]) -> Option<(usize, usize)> {
    let space = rest.iter().take(6).position(|&b| b == b' ')?;
    let level = match &rest[..space] {
        b"TRACE" => 0,
        b"DEBUG" => 1,
        b"INFO" => 2,
        b"WARN" => 3,
        b"ERROR" => 4,
        _ => return None,
    };
    Some((level, space))
}

#[inline(always)]
fn component_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-'
}

/// Validates `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#[inline(always)]
pub(super) fn timestamp(ts: &[u8; TS_LEN]) -> bool {
    const SHAPE: &[u8; TS_LEN] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    let shape_ok = ts.iter().zip(SHAPE).fold(true, |ok, (&b, &s)| {
        ok & if s == b'd' {
            b.is_ascii_digit()
        } else {
            b == s
        }
    });
    if !shape_ok {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        ts[r]
            .iter()
            .fold(0u32, |n, &b| n * 10 + u32::from(b - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 60
}

/// Days in `month` (1–12) of `year`, Gregorian.
pub(super) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `key` matches `[a-z_][a-z0-9_]*`.
#[inline(always)]
pub(super) fn key(key: &[u8]) -> bool {
    match key.split_first() {
        Some((&first, rest)) => {
            (first.is_ascii_lowercase() || first == b'_')
                && rest
                    .iter()
                    .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        }
        None => false,
    }
}

/// An `ms` value: one or more digits that fit in a `u64`.
#[inline(always)]
pub(super) fn ms(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(d))
    })
}

/// Adds field `(k, v)` to `fields` unless the key is malformed or already present; returns
/// false if the line is therefore malformed.
#[inline(always)]
pub(super) fn push_field<'a, const N: usize>(
    fields: &mut smallvec::SmallVec<[(&'a [u8], &'a [u8]); N]>,
    k: &'a [u8],
    v: &'a [u8],
) -> bool {
    if v.is_empty() || !key(k) || fields.iter().any(|&(seen, _)| seen == k) {
        return false;
    }
    fields.push((k, v));
    true
}

/// The line's `ms` field: `Ok(None)` if absent, `Err(())` if present but unreadable.
#[inline(always)]
pub(super) fn ms_field(fields: &[(&[u8], &[u8])]) -> Result<Option<u64>, ()> {
    match fields.iter().find(|&&(k, _)| k == b"ms") {
        Some(&(_, v)) => ms(v).map(Some).ok_or(()),
        None => Ok(None),
    }
}
