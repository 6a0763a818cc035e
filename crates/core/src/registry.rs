//! The type-erased catalogue: every workload and its variants, enumerable without their types.
//!
//! A [`Family`] is typed (it holds `Kernel<W>` values); [`Registry::add`] erases it to a
//! [`DynWorkload`]. Preparing an input yields a [`PreparedInput`], which can run any variant once
//! (checking it against naive) or many times in a tight, statically dispatched loop for timing.

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
trait Entry<W: Workload>: Send + Sync {
    fn info(&self) -> VariantInfo;
    fn run_once(&self, input: &W::Input, ctx: &mut Ctx) -> W::Output;
    fn run_iters(&self, input: &W::Input, iters: u64, ctx: &mut Ctx);
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

    fn run_iters(&self, input: &W::Input, iters: u64, ctx: &mut Ctx) {
        if self.kind() == VariantKind::Arena {
            for _ in 0..iters {
                // The output is dropped inside the loop: freeing what a variant built is part of
                // its cost, as is resetting its arena.
                black_box(self.run(black_box(input), ctx));
                ctx.reset_arena();
            }
        } else {
            for _ in 0..iters {
                black_box(self.run(black_box(input), ctx));
            }
        }
    }
}

/// All kernels of one workload, naive first.
pub struct Family<W: Workload> {
    kernels: Vec<Box<dyn Entry<W>>>,
}

impl<W: Workload> Family<W> {
    /// Starts a family with its naive kernel, the oracle the others are verified against.
    ///
    /// # Panics
    /// If `naive` is not of kind [`VariantKind::Naive`]: that is a programming error in the
    /// catalogue, caught by every test that builds the registry.
    pub fn new(naive: impl Kernel<W>) -> Self {
        assert_eq!(
            naive.kind(),
            VariantKind::Naive,
            "the first kernel of `{}` must be naive",
            W::NAME
        );
        Family {
            kernels: vec![Box::new(naive)],
        }
    }

    /// Adds a kernel.
    ///
    /// # Panics
    /// If its name is already taken in this family.
    pub fn with(mut self, kernel: impl Kernel<W>) -> Self {
        let name = kernel.name();
        assert!(
            self.kernels.iter().all(|k| k.info().name != name),
            "duplicate variant `{name}` in `{}`",
            W::NAME
        );
        self.kernels.push(Box::new(kernel));
        self
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
    /// Its variants, naive first.
    fn variants(&self) -> Vec<VariantInfo>;
    /// Builds the input (outside any timing).
    fn prepare(&self, source: &InputSource) -> Result<Box<dyn PreparedInput>, InputError>;
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
    fn run_iters(&self, index: usize, iters: u64, ctx: &mut Ctx);
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
        let json = serde_json::to_value(&got)
            .unwrap_or_else(|e| serde_json::json!({"unserialisable": e.to_string()}));
        (json, &got == expected)
    }

    fn run_iters(&self, index: usize, iters: u64, ctx: &mut Ctx) {
        self.family.kernels[index].run_iters(&self.input, iters, ctx);
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

/// Every workload perflab knows, in a fixed order.
#[derive(Default, Clone)]
pub struct Registry {
    workloads: Vec<Arc<dyn DynWorkload>>,
}

impl Registry {
    /// An empty registry; kernel crates add their families with `register` functions.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a workload family.
    ///
    /// # Panics
    /// If a workload of the same name is already registered.
    pub fn add<W: Workload>(&mut self, family: Family<W>) -> &mut Self {
        assert!(
            self.get(W::NAME).is_none(),
            "workload `{}` registered twice",
            W::NAME
        );
        self.workloads.push(Arc::new(Erased(Arc::new(family))));
        self
    }

    /// All workloads, in registration order.
    pub fn workloads(&self) -> &[Arc<dyn DynWorkload>] {
        &self.workloads
    }

    /// The workload called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn DynWorkload>> {
        self.workloads.iter().find(|w| w.name() == name)
    }

    /// The names of all workloads, for "expected one of" messages.
    pub fn names(&self) -> Vec<&'static str> {
        self.workloads.iter().map(|w| w.name()).collect()
    }
}
