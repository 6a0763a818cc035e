//! A binary that links perflab-alloc but declares no `#[global_allocator]`: [`installed`] must
//! say so, because the selection alone would still name whatever `PERFLAB_ALLOCATOR` asks for.

use perflab_alloc::{installed, set_counting, snapshot};

#[test]
fn a_missing_global_allocator_is_detected() {
    assert!(!installed());
    // Counters of a layer nobody allocates through never move, counting on or off.
    let before = snapshot();
    let v = std::hint::black_box(vec![1u8; 1000]);
    drop(v);
    assert_eq!(snapshot(), before);
    assert!(
        set_counting(true),
        "counting is on by default, and `installed` restored it"
    );
}
