//! The layouts a peer is asked to take, round after round.

use crate::subject::MAX_STACK_DEPTH;
use perflab_core::{PAGE, Placement, Rng};

/// The layouts one peer draws, round after round: the cache line of the page its input starts
/// on, and the stack depth of its timed loop.
///
/// Not independent random draws but two irrational rotations from a random start (a Kronecker
/// sequence): any run of consecutive rounds visits the lines and depths as evenly as possible.
/// Why: layout effects are discrete and can be large — measured interleaved on the development
/// VM, `wordfreq/simd` at 64KiB took 210 µs with the timed loop at stack depth 0 and 226–259 µs
/// at other depths, `search/simd-avx2` 0.67 µs or 0.73 µs by its input's page offset — so the
/// share of "lucky" layouts among a cell's rounds moves its median. Drawn at random, that share
/// wanders by about ±1/√rounds from run to run; spread evenly, it is nearly the same every run.
pub(crate) struct Layouts {
    line: f64,
    depth: f64,
}

/// The rotations: the golden ratio's and √2's fractional parts (badly approximable, so neither
/// sequence nor their difference — the stack's offset against the input — ever falls into step).
const LINE_STEP: f64 = 0.618_033_988_749_894_8;
const DEPTH_STEP: f64 = 0.414_213_562_373_095_1;

impl Layouts {
    /// A sequence from a random start.
    pub(crate) fn new(rng: &mut Rng) -> Self {
        Layouts {
            line: rng.next_f64(),
            depth: rng.next_f64(),
        }
    }

    /// The page offset and stack depth of round `round`.
    pub(crate) fn at(&self, round: usize) -> (usize, usize) {
        let frac = |start: f64, step: f64| (start + round as f64 * step).fract();
        let lines = PAGE / 64;
        let line = ((frac(self.line, LINE_STEP) * lines as f64) as usize).min(lines - 1);
        let depths = MAX_STACK_DEPTH + 1;
        let depth = ((frac(self.depth, DEPTH_STEP) * depths as f64) as usize).min(depths - 1);
        (Placement::at(line * 64).page_offset(), depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_visit_every_line_and_depth_evenly() {
        let mut rng = Rng::new(7);
        let l = Layouts::new(&mut rng);
        let n = 650;
        let mut lines = vec![0u32; PAGE / 64];
        let mut depths = vec![0u32; MAX_STACK_DEPTH + 1];
        for r in 0..n {
            let (offset, depth) = l.at(r);
            assert_eq!(offset % 64, 0);
            lines[offset / 64] += 1;
            depths[depth] += 1;
        }
        // 650 rounds over 64 lines and 65 depths: every value about 10 times, never far off
        // (independent draws would spread them from about 4 to 17).
        for (what, counts) in [("line", &lines), ("depth", &depths)] {
            let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!(*lo >= 8 && *hi <= 12, "{what}: {lo}..{hi}");
        }
        // Any 16 consecutive rounds hit the fast quarter of the depths 3 to 5 times.
        for start in 0..100 {
            let fast = (start..start + 16)
                .filter(|&r| l.at(r).1 < (MAX_STACK_DEPTH + 1) / 4)
                .count();
            assert!((3..=5).contains(&fast), "start {start}: {fast}");
        }
    }
}
