//! Aggregation of well-formed lines keyed by borrowed component names, shared by the
//! borrowed-slice variants; converted to the owned [`LogsOutput`] once at the end.

use super::LogsOutput;
use rustc_hash::FxHashMap;

/// Counts under construction.
pub(super) struct Tally<'a> {
    out: LogsOutput,
    by_component: FxHashMap<&'a [u8], u64>,
}

impl<'a> Tally<'a> {
    pub(super) fn new() -> Self {
        Tally {
            out: LogsOutput::default(),
            by_component: FxHashMap::default(),
        }
    }

    /// Counts a non-empty line that turned out malformed.
    #[inline(always)]
    pub(super) fn malformed(&mut self) {
        self.out.lines += 1;
        self.out.malformed += 1;
    }

    /// Counts a well-formed line.
    #[inline(always)]
    pub(super) fn record(&mut self, level: usize, component: &'a [u8], ms: Option<u64>) {
        self.out.lines += 1;
        if let Some(n) = self.out.by_level.0.get_mut(level) {
            *n += 1;
        }
        *self.by_component.entry(component).or_insert(0) += 1;
        if let Some(ms) = ms {
            self.out.add_ms(ms);
        }
    }

    /// The output. Components are ASCII by the grammar, so the lossy conversion never replaces.
    pub(super) fn finish(mut self) -> LogsOutput {
        self.out.by_component = self
            .by_component
            .into_iter()
            .map(|(k, n)| (String::from_utf8_lossy(k).into_owned(), n))
            .collect();
        self.out
    }
}
