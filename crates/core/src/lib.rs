//! perflab-core: the shared model every other perflab crate speaks.
//!
//! A **workload** ([`Workload`]) is a problem with a deterministic input and a small, comparable
//! output summary. A **kernel** ([`Kernel`]) is one implementation of it, of a [`VariantKind`]. A
//! [`Family`] groups a workload's kernels with the naive one first, and the [`Registry`] erases
//! their types so the harness, the CLI, the benches and the tests can enumerate
//! `workload × variant` without knowing any kernel's types. Before anything is timed, each
//! kernel's output is compared with naive's on the same input ([`verify`]): a fast wrong answer
//! is a failure, never a number.
//!
//! Most workloads read one buffer of bytes: [`ByteWorkload`] gives them every [`Workload`]
//! method but the name, summary and output type, and [`bytes_kernel`] (or [`kernel`] for any
//! input) makes a variant from a plain function. A family with no naive variant, or two variants
//! of one name, is an error the registry keeps ([`Registry::check`]), not a panic.
//!
//! [`isa`] names the instruction-set levels SIMD kernels run at and detects them once.
//!
//! [`check()`] runs every variant against naive on many small generated inputs (empty, lengths
//! around vector widths, unaligned starts, several seeds) and the workload's edge cases: the
//! property test a user's kernels get from `perflab::check!`.
//!
//! This crate has no unsafe code and no I/O beyond reading a user's input file.
#![forbid(unsafe_code)]

mod byte_workload;
mod check;
mod family;
#[cfg(any(test, feature = "fixture"))]
#[doc(hidden)]
pub mod fixture;
mod fn_kernel;
mod input;
pub mod isa;
mod kind;
mod registry;
mod rng;
mod scope;
mod size;
mod verify;
mod workload;

pub use byte_workload::ByteWorkload;
pub use check::{CheckError, CheckFailure, CheckInput, CheckPlan, CheckSummary};
pub use family::{Family, RegistryError, VariantInfo};
pub use fn_kernel::{FnKernel, bytes_kernel, kernel};
pub use input::{ByteInput, DEFAULT_SEED, InputError, InputSource, PAGE, Placement};
pub use kind::{UnknownKind, VariantKind};
pub use registry::{Disagreement, DynWorkload, PreparedInput, Registry, UnknownWorkload, check};
pub use rng::Rng;
pub use scope::SCOPES_COMPILED;
pub use size::{DEFAULT_SIZES, SizeError, format_size, parse_size};
pub use verify::{Status, Verification, panic_message, verify, verify_variant};
pub use workload::{Ctx, Kernel, Workload};

/// The hasher `std`'s `HashMap::new()` uses (SipHash-1-3), with fixed keys instead of random
/// ones: the same work per hash, but the same probe sequences in every run.
///
/// Naive kernels use it for their `std` maps. With `RandomState`, a map's collisions differ from
/// run to run, and so did instruction counts of the naive `tags`, `logs` and `wordfreq` kernels
/// (by up to 0.5%) — enough to trip the 0.5% instruction gate on an unchanged build.
pub type FixedSipHasher = std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>;

/// puffin, for the expansion of [`scope!`] when the `puffin` feature is on (not an API).
#[cfg(feature = "puffin")]
#[doc(hidden)]
pub use puffin as __puffin;
