//! Verification: every variant's output against naive's, on the same input, before any timing.
//!
//! A variant that panics or disagrees is reported with a status, not dropped, so `perflab verify`
//! and the harness can show *why* a cell has no number.

use crate::{Ctx, DynWorkload, PreparedInput, VariantInfo, VariantKind};
use serde::Serialize;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The outcome of checking one variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Output equals naive's.
    Ok,
    /// Output differs from naive's.
    Mismatch,
    /// This CPU lacks the features the variant needs; it was not run.
    Unsupported,
    /// The variant panicked.
    Failed,
}

/// One variant's verification result, in the shape `perflab verify --json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// The variant's name.
    pub variant: &'static str,
    /// Its kind.
    pub kind: VariantKind,
    /// What happened.
    pub status: Status,
    /// Its output summary, when it ran to completion.
    pub output: Option<serde_json::Value>,
    /// Whether the output equals naive's (false when it did not run).
    pub matches_naive: bool,
    /// The panic message, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Checks every variant of `workload` on `input` (prepared from that workload).
pub fn verify(workload: &dyn DynWorkload, input: &dyn PreparedInput) -> Vec<Verification> {
    let mut ctx = Ctx::new();
    workload
        .variants()
        .into_iter()
        .enumerate()
        .map(|(i, v)| verify_variant(input, i, &v, &mut ctx))
        .collect()
}

/// Checks variant `index` (described by `info`) on `input`: what [`verify`] does for each. On
/// its own so that a caller can run each variant where it can give up on it (`perflab verify`
/// runs each on a thread and reports one that never returns).
pub fn verify_variant(
    input: &dyn PreparedInput,
    index: usize,
    info: &VariantInfo,
    ctx: &mut Ctx,
) -> Verification {
    let mut verdict = Verification {
        variant: info.name,
        kind: info.kind,
        status: Status::Unsupported,
        output: None,
        matches_naive: false,
        error: None,
    };
    if !info.supported {
        return verdict;
    }
    match catch_unwind(AssertUnwindSafe(|| input.check(index, ctx))) {
        Ok((output, matches)) => {
            verdict.status = if matches {
                Status::Ok
            } else {
                Status::Mismatch
            };
            verdict.output = Some(output);
            verdict.matches_naive = matches;
        }
        Err(payload) => {
            // The arena may hold a half-built result; start the next variant clean.
            *ctx = Ctx::new();
            verdict.status = Status::Failed;
            verdict.error = Some(panic_message(payload.as_ref()));
        }
    }
    verdict
}

/// The text of a panic payload (`&str` or `String`), or a placeholder: what a failed cell's
/// error says when its variant panicked.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panicked with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, Behaviour, NAIVE, Variant};
    use crate::{ByteInput, InputSource, Registry};

    fn registry() -> Registry {
        fixture::registry([
            NAIVE,
            Variant::new("good", VariantKind::Arena, Behaviour::InArena),
            Variant::new("off-by-one", VariantKind::Optimized, Behaviour::Wrong(1)),
            Variant::new("panics", VariantKind::Simd, Behaviour::Panics("boom")),
            Variant::new("future-cpu", VariantKind::Simd, Behaviour::Unsupported),
        ])
    }

    #[test]
    fn every_status_is_reported() {
        let r = registry();
        let w = r.get("sum").unwrap();
        let input = w.prepare(&InputSource::generated(1000)).unwrap();
        assert_eq!(input.bytes(), 1000);
        let v = verify(w.as_ref(), input.as_ref());
        let statuses: Vec<_> = v.iter().map(|v| (v.variant, v.status)).collect();
        assert_eq!(
            statuses,
            [
                ("naive", Status::Ok),
                ("good", Status::Ok),
                ("off-by-one", Status::Mismatch),
                ("panics", Status::Failed),
                ("future-cpu", Status::Unsupported),
            ]
        );
        assert_eq!(v[3].error.as_deref(), Some("boom"));
        assert_eq!(v[0].output, v[1].output);
    }

    #[test]
    fn timed_loop_resets_the_arena() {
        let r = registry();
        let w = r.get("sum").unwrap();
        let input = w.prepare(&InputSource::generated(100_000)).unwrap();
        let mut ctx = Ctx::new();
        // Variant 1 copies its input into the arena on every call.
        input.run_iters(1, 50, &mut ctx).unwrap();
        // Fifty 100 kB copies would need 5 MB without resets.
        let peak = ctx.take_arena_peak();
        assert!((100_000..1_000_000).contains(&peak), "{peak}");
    }

    #[test]
    fn typed_family_reports_first_mismatch() {
        let fam = fixture::family([
            NAIVE,
            Variant::new("off", VariantKind::Optimized, Behaviour::Wrong(2)),
        ]);
        let (name, got, want) = fam.first_mismatch(&ByteInput::new(&[1, 2, 3])).unwrap();
        assert_eq!((name, got, want), ("off", 8, 6));
        assert_eq!(fam.run("naive", &ByteInput::new(&[1])), Some(1));
    }

    #[test]
    fn family_must_start_naive() {
        // Not a panic: an error that `perflab::main` prints as one line (exit 2).
        let family = fixture::family([Variant::new("x", VariantKind::Simd, Behaviour::Right)]);
        let err = family.check().unwrap_err().to_string();
        assert!(err.contains("must be naive"), "{err}");
        let mut r = Registry::new();
        r.add(family);
        assert!(r.get("sum").is_none(), "an invalid family is not added");
        assert!(r.check().unwrap_err().to_string().contains("must be naive"));
    }

    #[test]
    fn duplicate_and_malformed_names_are_errors() {
        let right = |name, kind| Variant::new(name, kind, Behaviour::Right);
        let dup = fixture::family([
            NAIVE,
            right("fast", VariantKind::Optimized),
            right("fast", VariantKind::Simd),
        ]);
        let err = dup.check().unwrap_err().to_string();
        assert!(err.contains("two variants named `fast`"), "{err}");
        let second = fixture::family([NAIVE, right("again", VariantKind::Naive)]);
        assert!(matches!(
            second.check(),
            Err(crate::RegistryError::SecondNaive {
                variant: "again",
                ..
            })
        ));
        let slash = fixture::family([NAIVE, right("a/b", VariantKind::Optimized)]);
        assert!(slash.check().unwrap_err().to_string().contains("\"a/b\""));
        let mut r = Registry::new();
        assert_eq!(r.check(), Err(crate::RegistryError::Empty));
        r.add(fixture::family([NAIVE]));
        assert_eq!(r.check(), Ok(()));
        r.add(fixture::family([NAIVE]));
        assert_eq!(
            r.check(),
            Err(crate::RegistryError::DuplicateWorkload { workload: "sum" })
        );
        assert_eq!(r.workloads().len(), 1, "the first family stays usable");
    }
}
