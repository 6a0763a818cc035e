//! Registry-wide verification: every registered variant of every workload, on generated inputs
//! of awkward sizes and on file input, must equal naive. A kernel added to any crate's
//! `register` is covered here without anyone writing a test for it.

use perflab_core::{InputSource, Status, verify};

fn check_all(source: &InputSource) {
    let registry = perflab_catalog::registry();
    // The selftest workload (feature `selftest`, on in test builds) is broken on purpose.
    for w in registry
        .workloads()
        .iter()
        .filter(|w| w.name() != "selftest")
    {
        let input = w
            .prepare(source)
            .unwrap_or_else(|e| panic!("{}: cannot prepare {source:?}: {e}", w.name()));
        for v in verify(w.as_ref(), input.as_ref()) {
            assert!(
                matches!(v.status, Status::Ok | Status::Unsupported),
                "{}/{} on {}: {:?} {:?} (output {:?})",
                w.name(),
                v.variant,
                input.describe(),
                v.status,
                v.error,
                v.output
            );
        }
    }
}

#[test]
fn every_family_is_valid() {
    // Families no longer panic on a mistake; the registry keeps it. The catalogue has none.
    assert_eq!(perflab_catalog::registry().check(), Ok(()));
    let mut shipped = perflab_core::Registry::new();
    perflab_catalog::register(&mut shipped);
    assert_eq!(shipped.check(), Ok(()));
    assert!(
        shipped.get("selftest").is_none(),
        "test-only workload stays out"
    );
}

#[test]
fn every_variant_matches_naive_on_generated_input() {
    for size in [0, 1, 7, 63, 64, 65, 257, 4096, 65536 + 13, 300_000] {
        for seed in [1, 0xDEAD_BEEF] {
            check_all(&InputSource::Generated { size, seed });
        }
    }
}

#[test]
fn every_variant_matches_naive_on_file_input() {
    let dir = std::env::temp_dir().join(format!("perflab-catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("input.txt");
    let text = b"2026-11-28T07:18:40.123Z WARN [net.http] slow response path=/a status=503 ms=1234\n\
                rust,perf , simd\nThe quick brown fox, the LAZY dog; the end \xe2\x80\x94 caf\xc3\xa9 42\n\x00\x01\xff";
    std::fs::write(&path, &text[..]).unwrap();
    check_all(&InputSource::from_file(&path).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn generated_inputs_are_deterministic_and_sized() {
    let registry = perflab_catalog::registry();
    for w in registry
        .workloads()
        .iter()
        .filter(|w| w.name() != "selftest")
    {
        let a = w.prepare(&InputSource::generated(65536)).unwrap();
        let b = w.prepare(&InputSource::generated(65536)).unwrap();
        assert_eq!(a.describe(), b.describe(), "{}", w.name());
        // Same input → same naive output.
        assert_eq!(
            a.check(0, &mut Default::default()),
            b.check(0, &mut Default::default())
        );
        let bytes = a.bytes();
        assert!(
            (60_000..=70_000).contains(&bytes),
            "{}: 64KiB generated as {bytes} bytes",
            w.name()
        );
    }
}

/// The test a user's crate gets from `perflab::check!`, on perflab's own catalogue: every
/// variant against naive on empty, tiny, width-edge and unaligned inputs at three seeds. The
/// families' property tests go further per family; this keeps the catalogue to the same bar
/// it sets users, with no wiring per family.
#[test]
fn every_variant_passes_the_check_users_get() {
    let registry = perflab_core::Registry::built_by(perflab_catalog::register).unwrap();
    match perflab_core::check(&registry, &perflab_core::CheckPlan::default()) {
        Ok(summary) => eprintln!("{summary}"),
        Err(e) => panic!("{e}"),
    }
}
