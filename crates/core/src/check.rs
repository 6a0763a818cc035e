//! Every variant against naive on many small generated inputs: the test a user's crate gets for
//! free (`perflab::check!`), as perflab's own kernels have property tests.
//!
//! `perflab run` and `verify` check a variant on the one input they measure, a few kilobytes and
//! up, starting on a 64-byte boundary. The bugs of fast kernels live elsewhere: the empty input,
//! lengths just below and above a vector or word width (the tail loop), a start that is not
//! aligned (the head loop), values the one default seed never produced.
//! [`check`](crate::check()) runs every supported variant of every workload on all of those — the
//! sizes, seeds and misalignments of a [`CheckPlan`], plus the workload's own
//! [edge cases](crate::Workload::edge_cases) — and reports every disagreement and panic with what
//! is needed to reproduce it. This file checks one typed family ([`check_family`]); the registry
//! runs it for each of its workloads.

use crate::family::{Entry, Family};
use crate::{Ctx, DEFAULT_SEED, Workload, panic_message};
use serde::Serialize;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The inputs [`check`](crate::check()) generates: every size at every seed, each at every
/// misalignment the workload can make (see [`Workload::misaligned`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckPlan {
    /// Input sizes in bytes, as given to [`Workload::generate`].
    pub sizes: Vec<usize>,
    /// Seeds of the generator.
    pub seeds: Vec<u64>,
    /// Bytes past a 64-byte boundary the input starts at (0 is always tried).
    pub misalignments: Vec<usize>,
}

impl Default for CheckPlan {
    /// Empty and tiny inputs; lengths one below, at and one above every multiple of 16 up to 64
    /// and of the widths beyond (SSE, AVX2, AVX-512 registers, unrolled loops of them); a page and
    /// a bit; three seeds; starts 1, 3, 7, 8, 15, 31 and 63 bytes past a cache line.
    fn default() -> Self {
        let mut sizes: Vec<usize> = (0..=9).collect();
        for width in [16, 32, 48, 64, 96, 128, 192, 256, 512, 1024] {
            sizes.extend([width - 1, width, width + 1]);
        }
        sizes.extend([4096 + 7]);
        CheckPlan {
            sizes,
            seeds: vec![DEFAULT_SEED, 1, 0x9E37_79B9_7F4A_7C15],
            misalignments: vec![0, 1, 3, 7, 8, 15, 31, 63],
        }
    }
}

/// Which input a failure happened on, enough to build it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInput {
    /// `Workload::generate(size, seed)`, moved `misalignment` bytes past a 64-byte boundary.
    Generated {
        /// Size given to the generator.
        size: usize,
        /// Seed given to the generator.
        seed: u64,
        /// Start offset from a 64-byte boundary.
        misalignment: usize,
    },
    /// The workload's `index`-th edge case, moved `misalignment` bytes past a boundary.
    EdgeCase {
        /// Position in [`Workload::edge_cases`].
        index: usize,
        /// Start offset from a 64-byte boundary.
        misalignment: usize,
    },
}

impl fmt::Display for CheckInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckInput::Generated {
                size,
                seed,
                misalignment,
            } => write!(
                f,
                "generated input of size {size} B, seed {seed:#x}, starting {misalignment} B past a 64-byte boundary"
            ),
            CheckInput::EdgeCase {
                index,
                misalignment,
            } => write!(
                f,
                "edge case #{index}, starting {misalignment} B past a 64-byte boundary"
            ),
        }
    }
}

/// One variant that disagreed with naive, or panicked, on one input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckFailure {
    /// The workload.
    pub workload: &'static str,
    /// The variant at fault.
    pub variant: &'static str,
    /// The input it failed on.
    pub input: CheckInput,
    /// Its output as JSON, or `None` when it panicked.
    pub got: Option<serde_json::Value>,
    /// Naive's output as JSON, or `None` when naive itself panicked.
    pub naive: Option<serde_json::Value>,
    /// The panic message, when it panicked.
    pub panic: Option<String>,
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<serde_json::Value>| v.as_ref().map_or("-".into(), |v| v.to_string());
        write!(f, "{}/{} on {}: ", self.workload, self.variant, self.input)?;
        match &self.panic {
            Some(msg) => write!(f, "panicked: {msg}")?,
            None => write!(f, "differs from naive")?,
        }
        if self.got.is_none() && self.naive.is_none() {
            return Ok(());
        }
        write!(
            f,
            "\n    got:   {}\n    naive: {}",
            show(&self.got),
            show(&self.naive)
        )
    }
}

/// What a [`check`](crate::check()) ran: how many inputs and variant runs, over how many
/// workloads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckSummary {
    /// Workloads checked.
    pub workloads: usize,
    /// Distinct inputs built.
    pub inputs: usize,
    /// Runs of a non-naive variant compared with naive.
    pub comparisons: usize,
}

impl fmt::Display for CheckSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} comparisons with naive on {} inputs of {} workload(s)",
            self.comparisons, self.inputs, self.workloads
        )
    }
}

/// The variants that disagreed with naive or panicked: [`check`](crate::check())'s error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} failure(s) in {summary}:\n{}", failures.len(), list(failures))]
pub struct CheckError {
    /// Every failure, in the order met.
    pub failures: Vec<CheckFailure>,
    /// What ran.
    pub summary: CheckSummary,
}

/// The first failures, one paragraph each, and how many more there are: enough to fix the
/// first without a wall of text.
fn list(failures: &[CheckFailure]) -> String {
    const SHOWN: usize = 10;
    let mut out: Vec<String> = failures
        .iter()
        .take(SHOWN)
        .map(|f| format!("  {f}"))
        .collect();
    if failures.len() > SHOWN {
        out.push(format!("  … and {} more", failures.len() - SHOWN));
    }
    out.join("\n")
}

/// [`check`](crate::check()) for one typed family (what [`crate::DynWorkload::check_variants`]
/// calls).
pub(crate) fn check_family<W: Workload>(
    family: &Family<W>,
    plan: &CheckPlan,
    summary: &mut CheckSummary,
    failures: &mut Vec<CheckFailure>,
) {
    let mut ctx = Ctx::new();
    let mut one = |input: &W::Input, which: CheckInput| {
        summary.inputs += 1;
        compare(family, input, which, &mut ctx, summary, failures);
    };
    // Recorded apart (`one` holds `failures`) and added after the variants' failures.
    let mut broken_generator = Vec::new();
    let mut misalignments = plan.misalignments.clone();
    misalignments.retain(|&m| m % 64 != 0);
    for &size in &plan.sizes {
        for &seed in &plan.seeds {
            let at = |misalignment| CheckInput::Generated {
                size,
                seed,
                misalignment,
            };
            let input = match catch_unwind(|| W::generate(size, seed)) {
                Ok(input) => input,
                Err(p) => {
                    // The generator's mistake, not a variant's: named as such, and the other
                    // sizes and seeds still run.
                    broken_generator.push(CheckFailure {
                        workload: W::NAME,
                        variant: "(input generator)",
                        input: at(0),
                        got: None,
                        naive: None,
                        panic: Some(panic_message(p.as_ref())),
                    });
                    continue;
                }
            };
            one(&input, at(0));
            for &m in &misalignments {
                match W::misaligned(&input, m) {
                    Some(moved) => one(&moved, at(m % 64)),
                    None => break,
                }
            }
        }
    }
    for (index, input) in W::edge_cases().iter().enumerate() {
        let at = |misalignment| CheckInput::EdgeCase {
            index,
            misalignment,
        };
        one(input, at(0));
        for &m in &misalignments {
            match W::misaligned(input, m) {
                Some(moved) => one(&moved, at(m % 64)),
                None => break,
            }
        }
    }
    failures.append(&mut broken_generator);
}

/// Runs naive and every other supported variant on `input`, recording what disagrees.
fn compare<W: Workload>(
    family: &Family<W>,
    input: &W::Input,
    which: CheckInput,
    ctx: &mut Ctx,
    summary: &mut CheckSummary,
    failures: &mut Vec<CheckFailure>,
) {
    let json = |o: &W::Output| {
        serde_json::to_value(o)
            .unwrap_or_else(|e| serde_json::json!({"unserialisable": e.to_string()}))
    };
    let run = |k: &dyn Entry<W>, ctx: &mut Ctx| {
        let out = catch_unwind(AssertUnwindSafe(|| k.run_once(input, ctx)));
        if out.is_err() {
            // The arena may hold a half-built result; go on with a clean one.
            *ctx = Ctx::new();
        }
        out.map_err(|p| panic_message(p.as_ref()))
    };
    let kernels = &family.kernels;
    let naive = match run(kernels[0].as_ref(), ctx) {
        Ok(out) => out,
        Err(msg) => {
            failures.push(CheckFailure {
                workload: W::NAME,
                variant: kernels[0].info().name,
                input: which,
                got: None,
                naive: None,
                panic: Some(msg),
            });
            return;
        }
    };
    for k in kernels[1..].iter().filter(|k| k.info().supported) {
        summary.comparisons += 1;
        let failure = |got, panic| CheckFailure {
            workload: W::NAME,
            variant: k.info().name,
            input: which.clone(),
            got,
            naive: Some(json(&naive)),
            panic,
        };
        match run(k.as_ref(), ctx) {
            Ok(got) if got == naive => {}
            Ok(got) => failures.push(failure(Some(json(&got)), None)),
            Err(msg) => failures.push(failure(None, Some(msg))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{self, Behaviour, NAIVE, Variant, sum as naive};
    use crate::{Registry, VariantKind, check};

    fn registry(fast: fn(&[u8]) -> u64) -> Registry {
        fixture::registry([
            NAIVE,
            Variant::new("fast", VariantKind::Optimized, Behaviour::Custom(fast)),
        ])
    }

    #[test]
    fn agreeing_variants_pass_on_every_input() {
        let plan = CheckPlan::default();
        let s = check(&registry(naive), &plan).unwrap();
        let per_input = plan.misalignments.len();
        assert_eq!(
            s.inputs,
            (plan.sizes.len() * plan.seeds.len() + 1) * per_input
        );
        assert_eq!(s.comparisons, s.inputs);
    }

    #[test]
    fn a_wrong_tail_is_named_with_size_seed_and_start() {
        // Wrong only past the 32nd byte, and only when the input does not start aligned.
        fn fast(b: &[u8]) -> u64 {
            let skip = u64::from(!(b.as_ptr() as usize).is_multiple_of(64) && b.len() > 32);
            naive(b) + skip
        }
        let err = check(&registry(fast), &CheckPlan::default()).unwrap_err();
        let first = &err.failures[0];
        assert_eq!(first.variant, "fast");
        assert_eq!(
            first.input,
            CheckInput::Generated {
                size: 33,
                seed: DEFAULT_SEED,
                misalignment: 1
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("sum/fast on generated input of size 33 B"),
            "{text}"
        );
        assert!(text.contains("got:") && text.contains("naive:"), "{text}");
        assert!(text.contains("… and"), "{text}");
        assert!(
            err.failures
                .iter()
                .any(|f| matches!(f.input, CheckInput::EdgeCase { index: 0, .. })),
            "the edge case is checked too"
        );
    }

    #[test]
    fn a_generator_that_panics_is_named() {
        struct Bad;
        impl Workload for Bad {
            const NAME: &'static str = "bad";
            const SUMMARY: &'static str = "a generator that overflows";
            type Input = u8;
            type Output = u8;
            fn generate(size: usize, _: u64) -> u8 {
                u8::try_from(size).expect("size fits a byte")
            }
            fn input_bytes(_: &u8) -> usize {
                1
            }
        }
        let mut r = Registry::new();
        r.add(Family::<Bad>::new(crate::kernel(
            "naive",
            VariantKind::Naive,
            |x: &u8, _: &Ctx| *x,
        )));
        let err = check(&r, &CheckPlan::default()).unwrap_err();
        assert!(
            err.failures
                .iter()
                .all(|f| f.variant == "(input generator)")
        );
        assert!(
            err.to_string()
                .contains("bad/(input generator) on generated input of size 256 B")
        );
    }

    #[test]
    fn a_panic_is_a_failure_not_a_crash() {
        fn fast(b: &[u8]) -> u64 {
            assert!(!b.is_empty(), "empty input");
            naive(b)
        }
        let err = check(&registry(fast), &CheckPlan::default()).unwrap_err();
        assert_eq!(err.failures[0].panic.as_deref(), Some("empty input"));
        assert!(
            err.failures
                .iter()
                .all(|f| f.input.to_string().contains("size 0 B"))
        );
    }
}
