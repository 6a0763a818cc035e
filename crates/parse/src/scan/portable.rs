//! The fallback classifier: a 256-entry table, one byte at a time. It runs on every CPU and is
//! the scalar oracle the vector classifiers are tested against.

use super::{Classify, PlainSet, ScanParser};

/// Table-driven [`Classify`] for any CPU.
#[derive(Clone, Copy, Debug)]
pub struct Portable {
    structural: [bool; 256],
}

impl Portable {
    /// A classifier for `set`.
    pub fn new(set: PlainSet) -> Self {
        let mut structural = [false; 256];
        for (b, s) in (0..=255u8).zip(structural.iter_mut()) {
            *s = !set.contains(b);
        }
        Portable { structural }
    }
}

impl Classify for Portable {
    #[inline(always)]
    fn structural_mask(&self, block: &[u8; 64]) -> u64 {
        block.iter().enumerate().fold(0u64, |m, (i, &b)| {
            m | (u64::from(self.structural[usize::from(b)]) << i)
        })
    }
}

/// Runs `P` over the table classifier: the portable level's entry function.
pub(super) fn parse<P: ScanParser>(input: &[u8]) -> P::Output {
    P::parse(Portable::new(P::PLAIN), input)
}
