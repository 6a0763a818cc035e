//! The cases of the gungraun bench (`cargo bench --bench instructions`): every variant of every
//! workload that this CPU and callgrind's emulated one both run, at one size, as a list computed
//! at run time from a registry.
//!
//! Instruction counts under callgrind are deterministic, so they catch a regression of a few
//! percent that wall-clock noise on a shared machine hides. gungraun generates one benchmark per
//! element of [`cases`] (`#[benches::all(iter = cases(), setup = setup)]`), named `all_<n>` by
//! position; [`cases`] is what maps that position back to `workload/variant`, for people
//! ([`describe`]) and for the summary test alike.

use crate::{Register, registry_or_exit};
use perflab_core::isa::{self, Level};
use perflab_core::{Ctx, InputSource, PreparedInput, Registry, Status, format_size};
use std::fmt;

/// The one size instruction counts are taken at: big enough to reach every kernel's steady
/// state, small enough for callgrind's ~50x slowdown.
pub const INSTRUCTIONS_SIZE: usize = 64 << 10;

/// One `(workload, variant)` pair to count, with the registration that defines it (gungraun's
/// setup builds the registry again from it).
#[derive(Clone, Debug)]
pub struct Case {
    /// The registration the case comes from.
    pub register: Register,
    /// Workload name.
    pub workload: &'static str,
    /// Variant name.
    pub variant: &'static str,
    /// The variant's index within its workload, for `PreparedInput::run_iters`.
    pub index: usize,
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.workload,
            format_size(INSTRUCTIONS_SIZE),
            self.variant
        )
    }
}

/// The widest SIMD level callgrind runs: valgrind (3.19 here) emulates x86-64 up to AVX2 and
/// hides AVX-512 from `cpuid`.
pub const CALLGRIND_LEVEL: Level = Level::Avx2;

/// The registry as callgrind's CPU sees it. gungraun lists [`cases`] in a native process and
/// counts case `n` in a process under callgrind that computes the list again and takes its
/// `n`-th element: on a CPU with AVX-512 the native list had variants the emulated one lacked,
/// so positions disagreed and the bench stopped ("iterator index should be within bounds").
/// Capping the levels on both sides makes the two lists the same.
fn countable_registry(register: Register) -> Registry {
    isa::cap(CALLGRIND_LEVEL);
    registry_or_exit(register)
}

/// Every variant of every workload `register` adds that is supported here and under callgrind
/// (no SIMD level wider than [`CALLGRIND_LEVEL`]), in registry order.
///
/// A registry with a mistake (see [`perflab_core::Registry::check`]) exits 2 with one line.
pub fn cases(register: Register) -> Vec<Case> {
    let registry = countable_registry(register);
    let mut out = Vec::new();
    for w in registry.workloads() {
        for (index, v) in w.variants().into_iter().enumerate() {
            if v.supported {
                out.push(Case {
                    register,
                    workload: w.name(),
                    variant: v.name,
                    index,
                });
            }
        }
    }
    out
}

/// `all_<n>  workload/64KiB/variant` lines: which gungraun id is which variant.
pub fn describe(register: Register) -> String {
    cases(register)
        .iter()
        .enumerate()
        .map(|(n, c)| format!("all_{n}  {c}\n"))
        .collect()
}

/// A case ready to run: its input, built and verified outside the counted function.
pub struct Ready {
    input: Box<dyn PreparedInput>,
    index: usize,
    ctx: Ctx,
}

/// gungraun's setup (not counted): generates the input and checks the variant against naive.
///
/// # Panics
/// If the input cannot be generated or the variant disagrees with naive.
pub fn setup(case: Case) -> Ready {
    let registry = countable_registry(case.register);
    let workload = registry
        .get(case.workload)
        .unwrap_or_else(|| panic!("perflab-benches: no workload `{}`", case.workload));
    let input = workload
        .prepare(&InputSource::generated(INSTRUCTIONS_SIZE))
        .unwrap_or_else(|e| panic!("perflab-benches: {case}: cannot generate input: {e}"));
    // The one verification (`perflab verify`'s and the measuring processes'), here rather than
    // through a `Subject`: the counted function must hold nothing but the variant's loop, and a
    // subject's slot look-up would add its instructions to every count.
    let mut ctx = Ctx::new();
    let info = &workload.variants()[case.index];
    let verification = perflab_core::verify_variant(input.as_ref(), case.index, info, &mut ctx);
    if verification.status != Status::Ok {
        // A variant that panicked says how; one that disagreed shows what it returned.
        let why = verification.error.unwrap_or_else(|| {
            let got = verification.output.unwrap_or_default();
            format!("output differs from naive (got {got})")
        });
        panic!("perflab-benches: {case}: {why}, refusing to count it");
    }
    Ready {
        input,
        index: case.index,
        ctx,
    }
}

/// The counted function: one run of the variant, through the same loop criterion times. Returns
/// its argument so that freeing the input happens outside the count.
pub fn run(mut ready: Ready) -> Ready {
    // Verified before counting; the check of the output is outside the counted function too.
    let _ = ready.input.run_iters(ready.index, 1, &mut ready.ctx);
    ready
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_cover_every_supported_variant_and_verify() {
        let cases = cases(perflab_catalog::register);
        assert!(cases.iter().any(|c| c.variant == "naive"));
        for c in cases.into_iter().take(3) {
            let name = c.to_string();
            let ready = run(setup(c));
            assert!(name.contains("/64KiB/"), "{name}");
            drop(ready);
        }
        assert!(describe(perflab_catalog::register).starts_with("all_0  "));
    }
}
