//! `logs` over the SIMD structural scanner: [`crate::scan`] reports every space, `=`, line end
//! and non-printable byte 64 bytes at a time, so the parser learns the word boundaries and the
//! first `=` of each word without reading the words themselves. Only the fixed-shape head
//! (timestamp, level, component) and the keys and `ms` values are checked byte by byte.
//!
//! No unsafe code here: the parser is generic over [`Classify`], instantiated per ISA by the
//! scanner.

use super::syntax;
use super::tally::Tally;
use super::{Logs, LogsOutput};
use crate::scan::{self, Classify, PlainSet, ScanKernel, ScanParser, Structurals};
use smallvec::SmallVec;

/// Printable ASCII except space and `=`: everything else is structural.
const PLAIN: PlainSet = PlainSet::new([(0x21, 0x3C), (0x3E, 0x7E), (0x21, 0x3C), (0x3E, 0x7E)]);

/// The SIMD `logs` kernel at one scanner level (`simd`, `simd-sse2`, `simd-avx2`, and
/// `simd-portable` for tests).
pub type Simd = scan::LevelKernel<Parser>;

/// The logs parser over the scanner (public only as the parameter of [`Simd`]).
pub struct Parser;

/// What the scan learned about the current line.
struct Line {
    start: usize,
    /// Start of the current word.
    word: usize,
    /// Positions of the line's spaces.
    spaces: SmallVec<[usize; 32]>,
    /// Position of the first `=` of each word that has one.
    eqs: SmallVec<[usize; 16]>,
    /// A byte outside the printable range was seen.
    bad: bool,
}

impl Line {
    fn reset(&mut self, start: usize) {
        self.start = start;
        self.word = start;
        self.spaces.clear();
        self.eqs.clear();
        self.bad = false;
    }

    /// Parses the line ending at `end` (its `\n` or the end of input), if not empty.
    #[inline(always)]
    fn finish<'a>(&self, data: &'a [u8], end: usize, tally: &mut Tally<'a>) {
        let end = if end > self.start && data[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if end == self.start {
            return;
        }
        match self.parse(data, end) {
            Some((level, component, ms)) => tally.record(level, component, ms),
            None => tally.malformed(),
        }
    }

    #[inline(always)]
    fn parse<'a>(&self, data: &'a [u8], end: usize) -> Option<(usize, &'a [u8], Option<u64>)> {
        if self.bad {
            return None;
        }
        let head = syntax::head(&data[self.start..end])?;
        let mut fields: SmallVec<[(&[u8], &[u8]); 8]> = SmallVec::new();
        // The head has no `=`, so the first `=` of the line is the body's, and the fields run
        // from the word holding it to the end of the line.
        if let Some(&first_eq) = self.eqs.first() {
            let split = self.spaces.partition_point(|&s| s < first_eq);
            let mut word_start = split
                .checked_sub(1)
                .map_or(self.start, |i| self.spaces[i] + 1);
            let ends = self.spaces[split..]
                .iter()
                .copied()
                .chain(std::iter::once(end));
            let mut eqs = self.eqs.iter().copied();
            for word_end in ends {
                // This word's first `=` must be the next one recorded, and inside the word.
                let eq = eqs.next().filter(|&e| e < word_end)?;
                if !syntax::push_field(&mut fields, &data[word_start..eq], &data[eq + 1..word_end])
                {
                    return None;
                }
                word_start = word_end + 1;
            }
        }
        let ms = syntax::ms_field(&fields).ok()?;
        Some((head.level, head.component, ms))
    }
}

impl ScanKernel for Parser {
    type Workload = Logs;

    #[inline]
    fn run(kernel: &Simd, input: &perflab_core::ByteInput) -> LogsOutput {
        perflab_core::scope!("logs/simd", kernel.name());
        kernel.parse(input.as_slice()).unwrap_or_default()
    }
}

impl ScanParser for Parser {
    type Output = LogsOutput;
    const PLAIN: PlainSet = PLAIN;

    #[inline(always)]
    fn parse<C: Classify>(classifier: C, data: &[u8]) -> LogsOutput {
        let mut tally = Tally::new();
        let mut line = Line {
            start: 0,
            word: 0,
            spaces: SmallVec::new(),
            eqs: SmallVec::new(),
            bad: false,
        };
        for p in Structurals::new(classifier, data) {
            match data[p] {
                b' ' => {
                    line.spaces.push(p);
                    line.word = p + 1;
                }
                b'=' => {
                    if line.eqs.last().is_none_or(|&e| e < line.word) {
                        line.eqs.push(p);
                    }
                }
                b'\n' => {
                    line.finish(data, p, &mut tally);
                    line.reset(p + 1);
                }
                // A `\r` right before the line's end is removed by the rules.
                b'\r' if data.get(p + 1).is_none_or(|&b| b == b'\n') => {}
                _ => line.bad = true,
            }
        }
        if data.len() > line.start {
            line.finish(data, data.len(), &mut tally);
        }
        tally.finish()
    }
}
