//! The `logs` workload: structured log lines, validated field by field and aggregated. It exists
//! to compare `String` fields and a `HashMap` per line with borrowed fields, `SmallVec`s, records
//! in an arena and a SIMD delimiter scan, on the kind of parsing every log pipeline does.
//!
//! # Grammar (every variant implements exactly this)
//!
//! Lines are split as in `tags`: at every `\n`, one trailing `\r` removed, the last line may
//! lack its `\n`, and lines empty after that are skipped and not counted. Every other line counts
//! in `lines` and is well-formed or malformed (counted in `malformed`, never a panic).
//!
//! A well-formed line is, with single spaces (`␠`) exactly where shown:
//!
//! ```text
//! TIMESTAMP ␠ LEVEL ␠ [COMPONENT] ( ␠ BODY )?
//! 2026-11-28T07:18:40.123Z WARN [net.http] slow response path=/a status=503 ms=1234
//! ```
//!
//! - Every byte of the line is printable ASCII, `0x20..=0x7E` (so a tab, a stray `\r`, DEL or
//!   any non-ASCII byte makes the line malformed).
//! - `TIMESTAMP` is exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 bytes): every `Y M D H S m` a digit;
//!   year `0000`–`9999`; month `01`–`12`; day `01` to the month's length (February has 29 days
//!   in Gregorian leap years: divisible by 4 and not by 100, or by 400); hour `00`–`23`; minute
//!   and second `00`–`59` (no leap seconds); any three millisecond digits; a literal `Z`.
//! - `LEVEL` is one of `TRACE DEBUG INFO WARN ERROR`, upper case.
//! - `COMPONENT` is 1 to 64 bytes of `[a-z0-9._-]`; it is followed by `]` and then either the end
//!   of the line or a space.
//! - `BODY` (everything after that space, possibly empty) is split at *every* space into words,
//!   so two spaces in a row make an empty word. The *message* is the words before the first
//!   word containing `=`; it is free text and may be empty. Every word from the first one
//!   containing `=` on is a *field* and must contain `=`: the key is the bytes before the first
//!   `=` and matches `[a-z_][a-z0-9_]*`; the value is the rest, non-empty (it may contain `=`).
//!   So an empty word or a plain word after the first field (a trailing space, `a=1 oops`) is
//!   malformed. A key may occur at most once per line.
//! - The field `ms`, when present, must be 1 or more ASCII digits with a value that fits in a
//!   `u64` (leading zeros allowed); otherwise the line is malformed (not merely the field
//!   ignored: a latency that cannot be read means the writer is broken).
//!
//! # Output
//! Over well-formed lines only: `by_level` (all five levels, zeros included), `by_component`
//! (each component seen, sorted by name), and over their `ms` fields `ms_count`, `ms_max` (null
//! when none) and `ms_sum` (modulo 2^64, so that adversarial input cannot panic). As JSON:
//! `{"lines", "malformed", "by_level": {"TRACE": N, …}, "by_component": {…}, "ms_sum", "ms_max",
//! "ms_count"}`.
//!
//! # Variants
//! `naive` (`String` fields and a `HashMap<String, String>` per line), `optimized` (borrowed
//! fields, `memchr`, a `SmallVec` of pairs), `arena` (records built in the `Bump`, aggregated
//! afterwards) and the SIMD levels `simd`, `simd-sse2`, `simd-avx2` (spaces, `=` and line ends
//! found 64 bytes at a time by [`crate::scan`]).

mod arena;
mod generator;
mod naive;
mod optimized;
mod simd;
mod syntax;
mod tally;

pub use arena::Arena;
pub use naive::Naive;
pub use optimized::Optimized;
pub use simd::Simd;

use perflab_core::{ByteWorkload, Family};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// The five levels, in the order of [`LevelCounts`].
pub const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// The `logs` workload: input bytes, [`LogsOutput`] summary.
pub struct Logs;

/// Lines per level, indexed like [`LEVELS`]; serialised as an object with all five keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelCounts(pub [u64; 5]);

impl Serialize for LevelCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(LEVELS.len()))?;
        for (name, n) in LEVELS.iter().zip(self.0) {
            map.serialize_entry(name, &n)?;
        }
        map.end()
    }
}

/// What every variant must agree on (see the module docs for the exact meaning).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LogsOutput {
    /// Non-empty lines, well-formed or not.
    pub lines: u64,
    /// Malformed lines.
    pub malformed: u64,
    /// Well-formed lines per level.
    pub by_level: LevelCounts,
    /// Well-formed lines per component.
    pub by_component: BTreeMap<String, u64>,
    /// Sum of `ms` values, modulo 2^64.
    pub ms_sum: u64,
    /// Largest `ms` value, if any line had one.
    pub ms_max: Option<u64>,
    /// Lines with an `ms` field.
    pub ms_count: u64,
}

impl LogsOutput {
    /// Adds an `ms` value.
    #[inline(always)]
    pub fn add_ms(&mut self, ms: u64) {
        self.ms_sum = self.ms_sum.wrapping_add(ms);
        self.ms_max = Some(self.ms_max.map_or(ms, |m| m.max(ms)));
        self.ms_count += 1;
    }
}

impl ByteWorkload for Logs {
    const NAME: &'static str = "logs";
    const SUMMARY: &'static str =
        "parse structured log lines; count by level and component, sum/max of ms, malformed lines";
    type Output = LogsOutput;

    /// Realistic log lines (see the `generator` module), at most `size` bytes, whole lines.
    fn generate_bytes(size: usize, seed: u64) -> Vec<u8> {
        generator::generate(size, seed)
    }
}

/// Every `logs` variant, naive first.
pub fn family() -> Family<Logs> {
    Family::new(Naive)
        .with(Optimized)
        .with(Arena)
        .with(Simd::best())
        .with(Simd::sse2())
        .with(Simd::avx2())
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::{ByteInput, Workload};

    const OK: &str =
        "2026-11-28T07:18:40.123Z WARN [net.http] slow response path=/a status=503 ms=1234";

    fn run_all(text: &str) -> LogsOutput {
        let input = ByteInput::new(text.as_bytes());
        let fam = family();
        assert_eq!(fam.first_mismatch(&input), None, "{text:?}");
        fam.run("naive", &input).unwrap_or_default()
    }

    /// Asserts that `line` is one line, malformed or not as `bad` says.
    fn expect(line: &str, bad: bool) {
        let o = run_all(line);
        let want = if bad { "malformed" } else { "well-formed" };
        assert_eq!(
            (o.lines, o.malformed),
            (1, u64::from(bad)),
            "{line:?} should be {want}"
        );
    }

    fn malformed(line: &str) {
        expect(line, true);
    }

    fn well_formed(line: &str) {
        expect(line, false);
    }

    #[test]
    fn grammar_by_example() {
        let o = run_all(&format!("{OK}\r\n\n{OK}"));
        assert_eq!(
            (o.lines, o.malformed, o.ms_sum, o.ms_max, o.ms_count),
            (2, 0, 2468, Some(1234), 2)
        );
        assert_eq!(o.by_level.0, [0, 0, 0, 2, 0]);
        assert_eq!(o.by_component.get("net.http"), Some(&2));
        well_formed("2024-02-29T23:59:59.999Z INFO [a]");
        well_formed("2024-02-29T23:59:59.999Z INFO [a] ");
        well_formed("2000-02-29T00:00:00.000Z ERROR [a] k=v=w ms=007");
        well_formed("2026-11-28T07:18:40.123Z TRACE [a]  two  spaces in message x=1");
        well_formed(&format!(
            "2026-11-28T07:18:40.123Z DEBUG [{}] m",
            "c".repeat(64)
        ));
        malformed(&format!(
            "2026-11-28T07:18:40.123Z DEBUG [{}] m",
            "c".repeat(65)
        ));
        for bad in [
            "2023-02-29T00:00:00.000Z INFO [a]",
            "1900-02-29T00:00:00.000Z INFO [a]",
            "2026-13-28T07:18:40.123Z INFO [a]",
            "2026-11-31T07:18:40.123Z INFO [a]",
            "2026-11-00T07:18:40.123Z INFO [a]",
            "2026-11-28T24:18:40.123Z INFO [a]",
            "2026-11-28T07:60:40.123Z INFO [a]",
            "2026-11-28T07:18:60.123Z INFO [a]",
            "2026-11-28T07:18:40.12Z INFO [a]",
            "2026-11-28 07:18:40.123Z INFO [a]",
            "2026-11-28T07:18:40.123+ INFO [a]",
            "+026-11-28T07:18:40.123Z INFO [a]",
            "2026-11-28T07:18:40.123Z  INFO [a]",
            "2026-11-28T07:18:40.123Z info [a]",
            "2026-11-28T07:18:40.123Z FATAL [a]",
            "2026-11-28T07:18:40.123Z INFO",
            "2026-11-28T07:18:40.123Z INFO []",
            "2026-11-28T07:18:40.123Z INFO [A]",
            "2026-11-28T07:18:40.123Z INFO [a]x",
            "2026-11-28T07:18:40.123Z INFO [a] a=1 oops",
            "2026-11-28T07:18:40.123Z INFO [a] a=1 ",
            "2026-11-28T07:18:40.123Z INFO [a] a=1  b=2",
            "2026-11-28T07:18:40.123Z INFO [a] A=1",
            "2026-11-28T07:18:40.123Z INFO [a] 1a=1",
            "2026-11-28T07:18:40.123Z INFO [a] =1",
            "2026-11-28T07:18:40.123Z INFO [a] a=",
            "2026-11-28T07:18:40.123Z INFO [a] a=1 a=2",
            "2026-11-28T07:18:40.123Z INFO [a] ms=",
            "2026-11-28T07:18:40.123Z INFO [a] ms=12a",
            "2026-11-28T07:18:40.123Z INFO [a] ms=-1",
            "2026-11-28T07:18:40.123Z INFO [a] ms=18446744073709551616",
            "2026-11-28T07:18:40.123Z INFO [a] tab\there",
            "2026-11-28T07:18:40.123Z INFO [a] caf\u{e9}",
            "2026-11-28T07:18:40.123Z INFO [a] cr\r in the middle",
        ] {
            malformed(bad);
        }
        let o = run_all("2026-11-28T07:18:40.123Z INFO [a] ms=18446744073709551615\n");
        assert_eq!(o.ms_max, Some(u64::MAX));
    }

    #[test]
    fn generator_is_deterministic_and_realistic() {
        for size in [0, 10, 1000, 65536] {
            let a = generator::generate(size, 7);
            assert!(a.len() <= size);
            assert!(size < 400 || a.len() + 400 > size, "{} of {size}", a.len());
            assert_eq!(a, generator::generate(size, 7));
        }
        let fam = family();
        let input = Logs::generate(1 << 17, 3);
        assert_eq!(fam.first_mismatch(&input), None);
        let o = fam.run("naive", &input).unwrap_or_default();
        let bad = o.malformed as f64 / o.lines as f64;
        assert!((0.005..0.05).contains(&bad), "{o:?}");
        let [t, d, i, w, e] = o.by_level.0;
        assert!(i > d && d > w && w > e && e > t, "{o:?}");
        assert!(o.by_component.len() >= 25, "{o:?}");
        let ms_share = o.ms_count as f64 / (o.lines - o.malformed) as f64;
        assert!((0.5..0.7).contains(&ms_share), "{o:?}");
    }
}
