//! Input sizes as people write them (`64KiB`, `1MiB`, `4096`), parsed strictly so that a typo is
//! an error rather than a silently different benchmark.

/// The sizes a run uses when none is given: from cache-resident to well beyond the last level.
pub const DEFAULT_SIZES: [usize; 4] = [4 << 10, 64 << 10, 1 << 20, 16 << 20];

/// A size that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed size `{0}` (expected a byte count like 4096, 64KiB, 1MiB or 2GiB)")]
pub struct SizeError(pub String);

/// Parses `4096`, `4096B`, `64KiB`/`64K`/`64k`, `1MiB`/`1M`, `1GiB`/`1G`. Units are binary
/// (1 KiB = 1024 B): the sizes are about caches, which come in powers of two.
pub fn parse_size(text: &str) -> Result<usize, SizeError> {
    let err = || SizeError(text.to_owned());
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err(err());
    }
    let n: usize = digits.parse().map_err(|_| err())?;
    let shift = match unit.trim() {
        "" | "B" | "b" => 0,
        "K" | "k" | "KiB" | "KB" | "kB" | "kb" => 10,
        "M" | "m" | "MiB" | "MB" | "mb" => 20,
        "G" | "g" | "GiB" | "GB" | "gb" => 30,
        _ => return Err(err()),
    };
    n.checked_mul(1usize << shift).ok_or_else(err)
}

/// Formats a byte count the way [`parse_size`] reads it, using the largest exact binary unit
/// (`65536` → `64KiB`, `1000` → `1000B`), so names in ids and reports round-trip.
pub fn format_size(bytes: usize) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("256KiB"), Ok(256 << 10));
        for bad in ["", "KiB", "12XB", "-4", "1.5MiB", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
        for s in DEFAULT_SIZES.into_iter().chain([1000, 0, 3 << 20]) {
            assert_eq!(parse_size(&format_size(s)), Ok(s));
        }
        assert_eq!(format_size(65536), "64KiB");
        assert_eq!(format_size(1000), "1000B");
    }
}
