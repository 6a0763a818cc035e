//! A workload's kernels, typed: naive first, then the variants measured against it.
//!
//! A [`Family`] is what a kernel crate (or a user's crate) writes; building one records the
//! first mistake in it instead of panicking, and [`crate::Registry::add`] erases a valid family
//! to a [`crate::DynWorkload`]. The family is also where a kernel's statically dispatched, timed
//! loop is monomorphised ([`Entry::run_iters`]).

use crate::{Ctx, Kernel, VariantKind, Workload};
use serde::Serialize;
use std::hint::black_box;

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
