//! The type-erased catalogue: every workload and its variants, enumerable without their types.
//!
//! A [`Family`] is typed (it holds `Kernel<W>` values); [`Registry::add`] erases it to a
//! [`DynWorkload`]. Preparing an input yields a [`PreparedInput`], which can run any variant once
//! (checking it against naive) or many times in a tight, statically dispatched loop for timing.
//! [`check`] runs the property check of `check.rs` over every workload of a registry.

use crate::check::{CheckError, CheckFailure, CheckPlan, CheckSummary, check_family};
use crate::family::{Family, RegistryError, VariantInfo};
use crate::{Ctx, InputError, InputSource, Placement, Workload};
use serde::Serialize;
use std::sync::{Arc, OnceLock};

/// A workload with its types erased.
pub trait DynWorkload: Send + Sync {
    /// The workload's name.
    fn name(&self) -> &'static str;
    /// One line saying what it computes.
    fn summary(&self) -> &'static str;
    /// [`Workload::SPANS_THREADS`]: its samples are timed by the wall clock.
    fn spans_threads(&self) -> bool;
    /// Its variants, naive first.
    fn variants(&self) -> Vec<VariantInfo>;
    /// Builds the input (outside any timing).
    fn prepare(&self, source: &InputSource) -> Result<Box<dyn PreparedInput>, InputError>;
    /// Runs every supported variant against naive on the inputs of `plan` and the workload's
    /// edge cases, adding to `summary` and `failures` (see [`crate::check()`]).
    fn check_variants(
        &self,
        plan: &CheckPlan,
        summary: &mut CheckSummary,
        failures: &mut Vec<CheckFailure>,
    );
}

/// An input, ready to be handed to any variant of its workload.
pub trait PreparedInput: Send + Sync {
    /// The workload's name.
    fn workload(&self) -> &'static str;
    /// Bytes processed per run.
    fn bytes(&self) -> u64;
    /// A JSON description: source, size, seed or path, and workload-specific facts.
    fn describe(&self) -> serde_json::Value;
    /// Runs variant `index` once and compares its output with naive's (computed once, lazily).
    /// Returns the output as JSON and whether it matched.
    fn check(&self, index: usize, ctx: &mut Ctx) -> (serde_json::Value, bool);
    /// Runs variant `index` `iters` times in a statically dispatched loop with `black_box` on
    /// input and output. The caller times the call.
    ///
    /// The last call's output is compared with naive's once naive's is known (after
    /// [`PreparedInput::check`] of any variant): one `Eq` of the output summary per call of this
    /// method, not per iteration. So every sample is of calls that still agreed with naive.
    ///
    /// # Errors
    /// The last output differs from naive's.
    fn run_iters(&self, index: usize, iters: u64, ctx: &mut Ctx) -> Result<(), Disagreement>;
    /// Moves the input to freshly allocated memory at `place` in its page (see
    /// [`Workload::relocated`]). Returns false when the workload cannot, leaving the input where
    /// it was.
    fn relocate(&mut self, place: Placement) -> bool;
}

struct Erased<W: Workload>(Arc<Family<W>>);

struct Prepared<W: Workload> {
    family: Arc<Family<W>>,
    input: W::Input,
    source: serde_json::Value,
    naive: OnceLock<W::Output>,
}

impl<W: Workload> DynWorkload for Erased<W> {
    fn name(&self) -> &'static str {
        W::NAME
    }

    fn summary(&self) -> &'static str {
        W::SUMMARY
    }

    fn spans_threads(&self) -> bool {
        W::SPANS_THREADS
    }

    fn variants(&self) -> Vec<VariantInfo> {
        self.0.variants()
    }

    fn prepare(&self, source: &InputSource) -> Result<Box<dyn PreparedInput>, InputError> {
        let input = match source {
            InputSource::Generated { size, seed } => W::generate(*size, *seed),
            InputSource::File { data, .. } => W::from_file(data)?,
        };
        let mut desc = source.describe();
        if let Some(obj) = desc.as_object_mut() {
            obj.insert("bytes".into(), W::input_bytes(&input).into());
            obj.extend(W::describe_input(&input));
        }
        Ok(Box::new(Prepared {
            family: Arc::clone(&self.0),
            input,
            source: desc,
            naive: OnceLock::new(),
        }))
    }

    fn check_variants(
        &self,
        plan: &CheckPlan,
        summary: &mut CheckSummary,
        failures: &mut Vec<CheckFailure>,
    ) {
        check_family(&self.0, plan, summary, failures);
    }
}

impl<W: Workload> PreparedInput for Prepared<W> {
    fn workload(&self) -> &'static str {
        W::NAME
    }

    fn bytes(&self) -> u64 {
        W::input_bytes(&self.input) as u64
    }

    fn describe(&self) -> serde_json::Value {
        self.source.clone()
    }

    fn check(&self, index: usize, ctx: &mut Ctx) -> (serde_json::Value, bool) {
        let expected = self
            .naive
            .get_or_init(|| self.family.kernels[0].run_once(&self.input, &mut Ctx::new()));
        let got = self.family.kernels[index].run_once(&self.input, ctx);
        (to_json(&got), &got == expected)
    }

    fn run_iters(&self, index: usize, iters: u64, ctx: &mut Ctx) -> Result<(), Disagreement> {
        let last = self.family.kernels[index].run_iters(&self.input, iters, ctx);
        match (last, self.naive.get()) {
            (Some(got), Some(expected)) if &got != expected => Err(Disagreement {
                got: to_json(&got),
                naive: to_json(expected),
            }),
            _ => Ok(()),
        }
    }

    fn relocate(&mut self, place: Placement) -> bool {
        // The copy is made while the old buffer is still alive, so it cannot land on it.
        match W::relocated(&self.input, place) {
            Some(fresh) => {
                self.input = fresh;
                true
            }
            None => false,
        }
    }
}

/// An output as JSON, for messages and `verify`; an output serde cannot write says why.
fn to_json(output: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(output)
        .unwrap_or_else(|e| serde_json::json!({"unserialisable": e.to_string()}))
}

/// A variant's output that differs from naive's on the same input, both as JSON: why a slot
/// cannot be timed, or why a cell that was timed failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("output differs from naive: got {got}, naive gave {naive}")]
pub struct Disagreement {
    /// The variant's output.
    pub got: serde_json::Value,
    /// Naive's output.
    pub naive: serde_json::Value,
}

/// A workload name the registry does not have (`--workload`, `perflab flame -w`, a plan).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown workload `{name}` (expected one of: {known})")]
pub struct UnknownWorkload {
    /// The name asked for.
    pub name: String,
    /// The names the registry has, comma-separated.
    pub known: String,
}

/// Every workload perflab knows, in a fixed order.
///
/// A registry also keeps the mistakes of the families offered to it (see [`Registry::check`]),
/// so that a user's registration code can be written as plain calls and still end in a clear
/// error rather than a panic.
#[derive(Default, Clone)]
pub struct Registry {
    workloads: Vec<Arc<dyn DynWorkload>>,
    errors: Vec<RegistryError>,
}

impl Registry {
    /// An empty registry; kernel crates add their families with `register` functions.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a workload family.
    ///
    /// An invalid family (see [`Family::check`]), or a second workload of the same name, is not
    /// added: its error is kept for [`Registry::check`], and the rest of the registry works.
    pub fn add<W: Workload>(&mut self, family: Family<W>) {
        let error = match family.check() {
            Err(e) => Some(e),
            Ok(()) if self.get(W::NAME).is_some() => {
                Some(RegistryError::DuplicateWorkload { workload: W::NAME })
            }
            Ok(()) => None,
        };
        match error {
            Some(e) => self.errors.push(e),
            None => self.workloads.push(Arc::new(Erased(Arc::new(family)))),
        }
    }

    /// The registry `register` fills, checked ([`Registry::check`]): what the command line and
    /// the bench targets start from, given a user's (or the catalogue's) registration function.
    pub fn built_by(register: impl FnOnce(&mut Registry)) -> Result<Registry, RegistryError> {
        let mut registry = Registry::new();
        register(&mut registry);
        registry.check()?;
        Ok(registry)
    }

    /// `Ok` when every family offered to [`Registry::add`] was valid and at least one was
    /// offered; otherwise the first mistake, naming the workload and variant at fault.
    pub fn check(&self) -> Result<(), RegistryError> {
        match (self.errors.first(), self.workloads.is_empty()) {
            (Some(e), _) => Err(e.clone()),
            (None, true) => Err(RegistryError::Empty),
            (None, false) => Ok(()),
        }
    }

    /// Every mistake [`Registry::add`] refused, in the order they were made.
    pub fn errors(&self) -> &[RegistryError] {
        &self.errors
    }

    /// All workloads, in registration order.
    pub fn workloads(&self) -> &[Arc<dyn DynWorkload>] {
        &self.workloads
    }

    /// The workload called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn DynWorkload>> {
        self.workloads.iter().find(|w| w.name() == name)
    }

    /// The workload called `name`, or the error every command gives for a name it does not
    /// know: it lists the names it has, so a typo is one glance from its fix.
    pub fn find(&self, name: &str) -> Result<&Arc<dyn DynWorkload>, UnknownWorkload> {
        self.get(name).ok_or_else(|| UnknownWorkload {
            name: name.to_owned(),
            known: self.names().join(", "),
        })
    }

    /// The names of all workloads, for "expected one of" messages.
    pub fn names(&self) -> Vec<&'static str> {
        self.workloads.iter().map(|w| w.name()).collect()
    }
}

/// Runs every supported variant of every workload in `registry` against naive on the inputs of
/// `plan` and each workload's edge cases.
///
/// # Errors
/// Every variant that disagreed with naive or panicked (naive panicking counts against naive),
/// each with the workload, the variant, the input's size, seed and start, and both outputs.
pub fn check(registry: &Registry, plan: &CheckPlan) -> Result<CheckSummary, CheckError> {
    let mut summary = CheckSummary::default();
    let mut failures = Vec::new();
    for w in registry.workloads() {
        summary.workloads += 1;
        w.check_variants(plan, &mut summary, &mut failures);
    }
    if failures.is_empty() {
        Ok(summary)
    } else {
        Err(CheckError { failures, summary })
    }
}
