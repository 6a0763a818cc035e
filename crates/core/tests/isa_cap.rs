//! `isa::cap` lowers what this process reports, for every level above the cap and no other. A
//! test binary of its own: the cap is process-wide, and the unit tests beside the module check
//! that detection agrees with the CPU.

use perflab_core::isa::{self, Level};

#[test]
fn a_capped_level_is_unsupported_and_the_narrower_ones_keep_the_cpus_answer() {
    let before: Vec<bool> = Level::ALL.iter().map(|l| l.is_supported()).collect();
    isa::cap(Level::Sse2);
    for (level, was) in Level::ALL.into_iter().zip(before) {
        let expect = was && level <= Level::Sse2;
        assert_eq!(level.is_supported(), expect, "{level:?}");
    }
    // What a family resolves goes by the cap too.
    assert_eq!(Level::Avx2.resolve(&[(Level::Avx2, 1u8)]), None);
    assert_eq!(
        Level::best_of(&Level::ALL),
        Some(Level::Sse2)
            .filter(|l| l.is_supported())
            .or(Some(Level::Scalar))
    );
}
