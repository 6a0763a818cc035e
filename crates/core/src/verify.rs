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
    use crate::{Family, InputError, InputSource, Kernel, Registry, Workload};

    struct Sum;
    impl Workload for Sum {
        const NAME: &'static str = "sum";
        const SUMMARY: &'static str = "sum of bytes";
        type Input = Vec<u8>;
        type Output = u64;
        fn generate(size: usize, seed: u64) -> Vec<u8> {
            let mut v = vec![0; size];
            crate::Rng::new(seed).fill_bytes(&mut v);
            v
        }
        fn from_file(data: &[u8]) -> Result<Vec<u8>, InputError> {
            Ok(data.to_vec())
        }
        fn input_bytes(input: &Vec<u8>) -> usize {
            input.len()
        }
    }

    struct K(&'static str, VariantKind, u64, bool);
    impl Kernel<Sum> for K {
        fn name(&self) -> &'static str {
            self.0
        }
        fn kind(&self) -> VariantKind {
            self.1
        }
        fn supported(&self) -> bool {
            self.3
        }
        fn run(&self, input: &Vec<u8>, ctx: &Ctx) -> u64 {
            if self.2 == 99 {
                panic!("boom");
            }
            let tmp = ctx.arena().alloc_slice_copy(input);
            tmp.iter().map(|&b| u64::from(b)).sum::<u64>() + self.2
        }
    }

    fn registry() -> Registry {
        let mut r = Registry::new();
        r.add(
            Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true))
                .with(K("good", VariantKind::Arena, 0, true))
                .with(K("off-by-one", VariantKind::Optimized, 1, true))
                .with(K("panics", VariantKind::Simd, 99, true))
                .with(K("future-cpu", VariantKind::Simd, 0, false)),
        );
        r
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
        input.run_iters(1, 50, &mut ctx).unwrap();
        // Fifty 100 kB copies would need 5 MB without resets.
        let peak = ctx.take_arena_peak();
        assert!((100_000..1_000_000).contains(&peak), "{peak}");
    }

    #[test]
    fn typed_family_reports_first_mismatch() {
        let fam = Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true)).with(K(
            "off",
            VariantKind::Optimized,
            2,
            true,
        ));
        let (name, got, want) = fam.first_mismatch(&vec![1, 2, 3]).unwrap();
        assert_eq!((name, got, want), ("off", 8, 6));
        assert_eq!(fam.run("naive", &vec![1]), Some(1));
    }

    #[test]
    fn family_must_start_naive() {
        // Not a panic: an error that `perflab::main` prints as one line (exit 2).
        let family = Family::<Sum>::new(K("x", VariantKind::Simd, 0, true));
        let err = family.check().unwrap_err().to_string();
        assert!(err.contains("must be naive"), "{err}");
        let mut r = Registry::new();
        r.add(family);
        assert!(r.get("sum").is_none(), "an invalid family is not added");
        assert!(r.check().unwrap_err().to_string().contains("must be naive"));
    }

    #[test]
    fn duplicate_and_malformed_names_are_errors() {
        let dup = Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true))
            .with(K("fast", VariantKind::Optimized, 0, true))
            .with(K("fast", VariantKind::Simd, 0, true));
        let err = dup.check().unwrap_err().to_string();
        assert!(err.contains("two variants named `fast`"), "{err}");
        let second = Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true)).with(K(
            "again",
            VariantKind::Naive,
            0,
            true,
        ));
        assert!(matches!(
            second.check(),
            Err(crate::RegistryError::SecondNaive {
                variant: "again",
                ..
            })
        ));
        let slash = Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true)).with(K(
            "a/b",
            VariantKind::Optimized,
            0,
            true,
        ));
        assert!(slash.check().unwrap_err().to_string().contains("\"a/b\""));
        let mut r = Registry::new();
        assert_eq!(r.check(), Err(crate::RegistryError::Empty));
        r.add(Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true)));
        assert_eq!(r.check(), Ok(()));
        r.add(Family::<Sum>::new(K("naive", VariantKind::Naive, 0, true)));
        assert_eq!(
            r.check(),
            Err(crate::RegistryError::DuplicateWorkload { workload: "sum" })
        );
        assert_eq!(r.workloads().len(), 1, "the first family stays usable");
    }
}
