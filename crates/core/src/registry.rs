//! The type-erased catalogue: every workload and its variants, enumerable without their types.
//!
//! A [`Family`] is typed (it holds `Kernel<W>` values); [`Registry::add`] erases it to a
//! [`DynWorkload`]. Preparing an input yields a [`PreparedInput`], which can run any variant once
//! (checking it against naive) or many times in a tight, statically dispatched loop for timing.

use crate::check::{CheckFailure, CheckPlan, CheckSummary};
use crate::{Ctx, InputError, InputSource, Kernel, Placement, VariantKind, Workload};
use serde::Serialize;
use std::hint::black_box;
use std::sync::{Arc, OnceLock};

/// A variant as the catalogue lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VariantInfo {
    /// Unique within its workload.
    pub name: &'static str,
    /// Its kind.
    pub kind: VariantKind,
    /// Whether this CPU can run it.
    pub supported: bool,
}

/// The dynamic face of a kernel inside a family: adds the timed loop, monomorphised per kernel.
pub(crate) trait Entry<W: Workload>: Send + Sync {
    fn info(&self) -> VariantInfo;
    fn run_once(&self, input: &W::Input, ctx: &mut Ctx) -> W::Output;
    fn run_iters(&self, input: &W::Input, iters: u64, ctx: &mut Ctx) -> Option<W::Output>;
}

impl<W: Workload, K: Kernel<W>> Entry<W> for K {
    fn info(&self) -> VariantInfo {
        VariantInfo {
            name: self.name(),
            kind: self.kind(),
            supported: self.supported(),
        }
    }

    fn run_once(&self, input: &W::Input, ctx: &mut Ctx) -> W::Output {
        let out = self.run(input, ctx);
        ctx.reset_arena();
        out
    }

    /// The last call's output is kept (after `black_box`), so that the caller can compare it
    /// with naive's: a kernel whose output drifts after many calls is caught in the samples it
    /// spoils, not only at verification. Every other output is dropped inside the loop: freeing
    /// what a variant built is part of its cost, as is resetting its arena.
    fn run_iters(&self, input: &W::Input, iters: u64, ctx: &mut Ctx) -> Option<W::Output> {
        if iters == 0 {
            return None;
        }
        if self.kind() == VariantKind::Arena {
            for _ in 1..iters {
                black_box(self.run(black_box(input), ctx));
                ctx.reset_arena();
            }
            let last = black_box(self.run(black_box(input), ctx));
            ctx.reset_arena();
            Some(last)
        } else {
            for _ in 1..iters {
                black_box(self.run(black_box(input), ctx));
            }
            Some(black_box(self.run(black_box(input), ctx)))
        }
    }
}

/// All kernels of one workload, naive first.
///
/// Building a family never panics: a mistake in it (a first kernel that is not naive, two
/// kernels of one name, a name that cannot appear in a result id) is kept in the family, and
/// [`Registry::add`] records it instead of adding the workload, so that `perflab::main` can
/// print it as one line and exit 2 rather than crash before the user sees what was wrong.
/// [`Family::check`] reports it directly.
pub struct Family<W: Workload> {
    pub(crate) kernels: Vec<Box<dyn Entry<W>>>,
    /// The first mistake found while building the family.
    error: Option<RegistryError>,
}

impl<W: Workload> Family<W> {
    /// Starts a family with its naive kernel, the oracle the others are verified against.
    ///
    /// A first kernel that is not of kind [`VariantKind::Naive`] makes the family invalid (see
    /// [`Family::check`]): with no oracle, nothing else could be verified.
    pub fn new(naive: impl Kernel<W>) -> Self {
        let mut family = Family {
            kernels: Vec::new(),
            error: check_name("workload", W::NAME, W::NAME).err(),
        };
        if family.error.is_none() && naive.kind() != VariantKind::Naive {
            family.error = Some(RegistryError::NoNaive {
                workload: W::NAME,
                variant: naive.name(),
                kind: naive.kind(),
            });
        }
        family.push(naive);
        family
    }

    /// Adds a kernel.
    ///
    /// A name already taken in this family, or a second naive kernel, makes the family invalid
    /// (see [`Family::check`]): results are keyed by variant name, and speed-ups by the one
    /// naive baseline.
    pub fn with(mut self, kernel: impl Kernel<W>) -> Self {
        if self.error.is_none() {
            let name = kernel.name();
            if self.kernels.iter().any(|k| k.info().name == name) {
                self.error = Some(RegistryError::DuplicateVariant {
                    workload: W::NAME,
                    variant: name,
                });
            } else if kernel.kind() == VariantKind::Naive {
                self.error = Some(RegistryError::SecondNaive {
                    workload: W::NAME,
                    variant: name,
                });
            }
        }
        self.push(kernel);
        self
    }

    fn push(&mut self, kernel: impl Kernel<W>) {
        if self.error.is_none() {
            self.error = check_name("variant", W::NAME, kernel.name()).err();
        }
        self.kernels.push(Box::new(kernel));
    }

    /// Whether the family is usable: a naive kernel first, unique variant names, names fit for
    /// result ids. The error names the workload and the variant at fault.
    pub fn check(&self) -> Result<(), RegistryError> {
        self.error.clone().map_or(Ok(()), Err)
    }

    /// The variants, naive first.
    pub fn variants(&self) -> Vec<VariantInfo> {
        self.kernels.iter().map(|k| k.info()).collect()
    }

    /// Runs every supported kernel on `input` and returns the first whose output differs from
    /// naive's, as `(variant, its output, naive's output)`. Property tests call this so that a
    /// kernel added to a family is tested without further wiring.
    pub fn first_mismatch(&self, input: &W::Input) -> Option<(&'static str, W::Output, W::Output)> {
        let mut ctx = Ctx::new();
        let expected = self.kernels[0].run_once(input, &mut ctx);
        for k in self.kernels[1..].iter().filter(|k| k.info().supported) {
            let got = k.run_once(input, &mut ctx);
            if got != expected {
                return Some((k.info().name, got, expected));
            }
        }
        None
    }

    /// Runs the named kernel once, if it exists.
    pub fn run(&self, variant: &str, input: &W::Input) -> Option<W::Output> {
        let k = self.kernels.iter().find(|k| k.info().name == variant)?;
        Some(k.run_once(input, &mut Ctx::new()))
    }
}

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
        crate::check::check_family(&self.0, plan, summary, failures);
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

/// A mistake in a family or a registry: what `perflab::main` prints (one line, exit 2) instead
/// of measuring a registry that cannot be trusted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The family's first kernel is not naive, so nothing can be verified against it.
    #[error(
        "workload `{workload}` has no naive variant: its first variant `{variant}` is {kind}, and the first must be naive (Family::new takes the naive kernel, the oracle the others are checked against)"
    )]
    NoNaive {
        /// The workload.
        workload: &'static str,
        /// The first variant offered.
        variant: &'static str,
        /// Its kind.
        kind: VariantKind,
    },
    /// A second naive kernel: speed-ups are over one baseline.
    #[error(
        "workload `{workload}` has a second naive variant `{variant}` (one naive baseline per workload; give it another kind)"
    )]
    SecondNaive {
        /// The workload.
        workload: &'static str,
        /// The second naive variant.
        variant: &'static str,
    },
    /// Two kernels of one family share a name.
    #[error(
        "workload `{workload}` has two variants named `{variant}` (variant names must be unique within a workload)"
    )]
    DuplicateVariant {
        /// The workload.
        workload: &'static str,
        /// The name used twice.
        variant: &'static str,
    },
    /// Two families share a workload name.
    #[error("workload `{workload}` is registered twice")]
    DuplicateWorkload {
        /// The name used twice.
        workload: &'static str,
    },
    /// A name that cannot be part of a result id (`workload/variant/allocator/size`), a command
    /// line or a file name.
    #[error(
        "{what} name {name:?} of workload `{workload}` is not allowed (use ASCII letters, digits and `-_.+`, starting with a letter or digit)"
    )]
    BadName {
        /// `workload` or `variant`.
        what: &'static str,
        /// The workload it belongs to.
        workload: &'static str,
        /// The name.
        name: &'static str,
    },
    /// Nothing was registered: there would be nothing to list, verify or measure.
    #[error("no workload is registered (the registration function added none)")]
    Empty,
}

/// Whether `name` can appear in result ids, on the command line and in file names.
fn check_name(
    what: &'static str,
    workload: &'static str,
    name: &'static str,
) -> Result<(), RegistryError> {
    let ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(RegistryError::BadName {
            what,
            workload,
            name,
        })
    }
}
