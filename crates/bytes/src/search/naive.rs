//! The naive search: one byte per step with iterator adapters. It is the oracle every other
//! variant is checked against, and the baseline their speed-ups are measured from.

use super::{Search, SearchInput, SearchOutput};
use perflab_core::{Ctx, Kernel, VariantKind};

/// `iter().filter().count()` and `iter().position()`: what anyone would write first.
pub struct Naive;

/// Counts bytes equal to `needle`, one at a time.
pub fn count(haystack: &[u8], needle: u8) -> usize {
    haystack.iter().filter(|&&b| b == needle).count()
}

/// Finds the first byte equal to `needle`, one at a time.
pub fn find(haystack: &[u8], needle: u8) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

impl Kernel<Search> for Naive {
    fn name(&self) -> &'static str {
        "naive"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }

    fn run(&self, input: &SearchInput, _ctx: &Ctx) -> SearchOutput {
        perflab_core::scope!("search/naive");
        let h = input.haystack.as_slice();
        SearchOutput::new(count(h, input.needle), find(h, input.needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_finds() {
        assert_eq!(count(b"a,b,,c", b','), 3);
        assert_eq!(find(b"a,b,,c", b','), Some(1));
        assert_eq!(find(b"abc", b','), None);
        assert_eq!(count(b"", b','), 0);
    }
}
