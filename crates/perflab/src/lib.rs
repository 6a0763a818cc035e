//! perflab as a library: benchmark *your own* kernels with perflab's whole command line,
//! `cargo bench` under three allocators and a test of every variant against naive, without
//! editing perflab.
//!
//! A crate of your own names `perflab` once in `Cargo.toml` (`cargo add perflab`) and writes:
//!
//! - **a registration function** that adds workload families to a [`Registry`]: a [`Workload`]
//!   (or the shorter [`ByteWorkload`] when the input is one buffer of bytes) and its variants,
//!   naive first — naive is the oracle every other variant is verified against before it is
//!   timed. A variant is a plain function through [`bytes_kernel`] or [`kernel`], or a type
//!   implementing [`Kernel`]; an arena variant allocates from [`Ctx::arena`], which the harness
//!   resets after every call.
//! - **one line of entry point**, `perflab::main!(my_crate::register);` in `src/main.rs`
//!   ([`main!`]): the global allocator (so `PERFLAB_ALLOCATOR` chooses system, jemalloc or
//!   mimalloc and allocations are counted) and `main`. `cargo run --release -- run` then has
//!   every command of the `perflab` binary on your registry — `list`, `verify`, `run` (all three
//!   allocators, presets, shards, `--resume`, A/B `--compare-with`, `--measure instructions`),
//!   `report`, `compare`, `merge`, `export`, `flame`, `live` — with the same exit codes (0
//!   success, 1 a check failed, 2 bad usage or bad input, one line `perflab: error: …`).
//! - **one line of bench target**, `perflab::bench!(my_crate::register);` in
//!   `benches/criterion.rs` with `[[bench]] name = "criterion"`, `harness = false` ([`bench!`]):
//!   `cargo bench` runs criterion for every variant under system, jemalloc and mimalloc in turn.
//! - **one line of test**, `perflab::check!(register);` in `src/lib.rs` ([`check!`]): `cargo
//!   test` runs every variant against naive on empty input, lengths around 16, 32, 64 … bytes,
//!   unaligned starts, three seeds and the workload's own [edge cases](Workload::edge_cases).
//!
//! ```rust
//! use perflab::{ByteWorkload, Ctx, Family, Registry, Rng, VariantKind::*, Workload};
//! use perflab::{bytes_kernel, kernel};
//!
//! /// How many bytes are zero: a workload over bytes (random, or your `--input FILE`).
//! pub struct Zeros;
//! impl ByteWorkload for Zeros {
//!     const NAME: &'static str = "zeros";
//!     const SUMMARY: &'static str = "number of zero bytes";
//!     type Output = usize;
//! }
//!
//! /// A workload whose input is not bytes: its own type, generated from a size and a seed.
//! pub struct Distinct;
//! impl Workload for Distinct {
//!     const NAME: &'static str = "distinct";
//!     const SUMMARY: &'static str = "distinct values in size/8 numbers";
//!     type Input = Vec<u64>;
//!     type Output = usize;
//!     fn generate(size: usize, seed: u64) -> Vec<u64> {
//!         let mut rng = Rng::new(seed);
//!         (0..size / 8).map(|_| rng.below(size as u64 / 16 + 1)).collect()
//!     }
//!     fn input_bytes(input: &Vec<u64>) -> usize {
//!         input.len() * 8
//!     }
//! }
//!
//! fn sorted_runs(v: &mut [u64]) -> usize {
//!     v.sort_unstable();
//!     v.chunk_by(|a, b| a == b).count()
//! }
//!
//! pub fn register(registry: &mut Registry) {
//!     registry.add(
//!         Family::<Zeros>::new(bytes_kernel("naive", Naive, |b| b.iter().filter(|&&x| x == 0).count()))
//!             .with(bytes_kernel("bytecount", Reference, |b| b.len() - b.iter().map(|&x| usize::from(x != 0)).sum::<usize>())),
//!     );
//!     registry.add(
//!         Family::<Distinct>::new(kernel("naive", Naive, |v: &Vec<u64>, _: &Ctx| {
//!             v.iter().collect::<std::collections::BTreeSet<_>>().len()
//!         }))
//!         .with(kernel("arena", Arena, |v: &Vec<u64>, ctx: &Ctx| {
//!             sorted_runs(ctx.arena().alloc_slice_copy(v))
//!         })),
//!     );
//! }
//!
//! perflab::check!(register); // `cargo test`: every variant against naive, many inputs
//! # perflab::check(register);
//! ```
//!
//! `src/main.rs` and `benches/criterion.rs`:
//!
//! ```rust,no_run
//! # mod my_crate { pub fn register(_: &mut perflab::Registry) {} }
//! perflab::main!(my_crate::register);
//! ```
//!
//! ```rust,ignore
//! perflab::bench!(my_crate::register);
//! ```
//!
//! `examples/own-kernels` in perflab's repository is such a crate, shown whole in the README's
//! "Benchmark your own code".
//!
//! # An output that is a struct
//!
//! Outputs are compared exactly (`Eq`) and printed as JSON (`Serialize`). perflab re-exports
//! [`serde`], so a struct needs no dependency of your own:
//!
//! ```rust
//! #[derive(Debug, PartialEq, Eq, perflab::serde::Serialize)]
//! #[serde(crate = "perflab::serde")]
//! pub struct Counts {
//!     lines: usize,
//!     words: usize,
//! }
//! ```
//!
//! # Mistakes are errors, not panics
//!
//! A family whose first variant is not naive, two variants of one name, a name that cannot be
//! part of a result id, the same workload twice, an empty registry, or a registration function
//! that panics: [`main()`] prints one line (`perflab: error: workload `x` has two variants named
//! `fast` …`) and exits 2 before any command runs. [`Family`] and [`Registry::add`] keep the
//! mistake ([`Registry::check`]) instead of panicking.
//!
//! A variant that disagrees with naive is not a mistake in the registry but in the kernel:
//! `verify` exits 1 naming it, `run` records it as a failed cell, measures the others and exits 1
//! naming it, and [`check!`] fails naming the workload, variant, input size, seed and start, and
//! both outputs.
//!
//! # The global allocator line
//!
//! [`main!`] declares it. A `main.rs` written by hand needs
//! `#[global_allocator] static ALLOC: perflab::Allocator = perflab::Allocator::new();` before
//! `fn main() -> std::process::ExitCode { perflab::main(my_crate::register) }`. Without it,
//! [`main()`] notices (the counters never move) and says so rather than mislabel results: `run`
//! under jemalloc or mimalloc (the default is all three) is an error naming the line;
//! `run --allocator system` measures times with a warning that allocations are not counted (they
//! are `null`, not 0, in the results); `list` says the allocator is not perflab's.
//!
//! # Beyond bytes
//!
//! A workload whose input is not one byte buffer implements [`Workload`] itself (`generate` and
//! `input_bytes`; `from_file` to accept `--input FILE`, `relocated` so the engine can move the
//! input between rounds, `misaligned` so [`check!`] tries unaligned starts). A SIMD variant says
//! where it runs with `.supported_if(|| is_x86_feature_detected!("avx2"))`; elsewhere it is
//! listed as unsupported, never run. `perflab::scope!("name")` at the top of a kernel names it in
//! `perflab live` and `flame --source scopes` (free when off).
//!
//! # Features
//!
//! - `bench` (default): [`bench!`] and [`bench`]`::instructions!` (gungraun), with criterion.
//!   `default-features = false, features = ["scopes"]` builds without criterion and gungraun.
//! - `scopes` (default): compiles [`scope!`] calls into puffin scopes, for `live` and
//!   `flame --source scopes` (off at run time until asked for).
//!
//! # What is not for users
//!
//! The engine, results, report and profiling crates and the type-erased registry are reachable
//! under [`internals`] for perflab's own crates and tests; they follow perflab's needs, not
//! semantic versioning.
#![forbid(unsafe_code)]

/// `println!` that ignores a closed stdout: `perflab export R | head -1` ends quietly (exit 0)
/// instead of panicking on the broken pipe, and a run keeps going, and saving, when whatever read
/// its output went away.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that ignores a closed stderr (`perflab run … 2>&1 | head -1`); see [`outln`].
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod app;
mod cmd;

pub use app::main;

pub use perflab_core::{
    ByteInput, ByteWorkload, Ctx, Family, FnKernel, InputError, Kernel, Placement, Registry,
    RegistryError, Rng, VariantKind, Workload, bytes_kernel, kernel, scope,
};

/// The global allocator a binary built on perflab declares ([`main!`] does): the allocator
/// `PERFLAB_ALLOCATOR` names (system, jemalloc or mimalloc), counted. See "The global allocator
/// line" above.
pub use perflab_alloc::PerflabAllocator as Allocator;

/// serde, so that an output struct derives `Serialize` without a dependency of its own:
/// `#[derive(perflab::serde::Serialize)]` with `#[serde(crate = "perflab::serde")]`.
pub use serde;

/// `cargo bench` from a registry (perflab-benches, feature `bench`): [`bench!`] is its criterion
/// target for every allocator; `perflab::bench::main!(Jemalloc, register)` is a target of one
/// allocator, `perflab::bench::instructions!(register)` a gungraun target of instruction counts.
#[cfg(feature = "bench")]
pub use perflab_benches as bench;

/// Runs every variant of the registry `register` fills against naive on many small generated
/// inputs and the workloads' edge cases (see [`check!`]), and panics with every disagreement.
///
/// Call it from a `#[test]` when [`check!`] (which writes that test) does not fit.
///
/// # Panics
/// If the registry has a mistake, or any variant disagrees with naive or panics: the message
/// names the workload, the variant, the input's size, seed and start, and both outputs.
#[track_caller]
pub fn check(register: impl FnOnce(&mut Registry)) {
    let registry = Registry::built_by(register).unwrap_or_else(|e| panic!("perflab::check: {e}"));
    match perflab_core::check(&registry, &perflab_core::CheckPlan::default()) {
        Ok(summary) => eprintln!("perflab::check: every variant agrees with naive ({summary})"),
        Err(e) => panic!("perflab::check: {e}"),
    }
}

/// `src/main.rs` of a crate of one's own kernels in one line: declares perflab's global
/// allocator (without it `PERFLAB_ALLOCATOR` could not choose jemalloc or mimalloc and nothing
/// would be counted) and `fn main` running [`main()`] on the registry `$register` fills.
///
/// ```rust,no_run
/// # mod my_crate { pub fn register(_: &mut perflab::Registry) {} }
/// perflab::main!(my_crate::register);
/// ```
#[macro_export]
macro_rules! main {
    ($register:expr $(,)?) => {
        #[global_allocator]
        static PERFLAB_ALLOCATOR: $crate::Allocator = $crate::Allocator::new();

        fn main() -> ::std::process::ExitCode {
            $crate::main($register)
        }
    };
}

/// A criterion bench target in one line: every variant of the registry `$register` fills,
/// verified against naive, timed under system, jemalloc and mimalloc in turn (the target runs
/// itself once per allocator; `PERFLAB_ALLOCATOR=jemalloc cargo bench` keeps one), with
/// allocations per iteration. Feature `bench` (default). In `Cargo.toml`:
///
/// ```toml
/// [[bench]]
/// name = "criterion"
/// harness = false
/// ```
///
/// and `benches/criterion.rs`:
///
/// ```rust,ignore
/// perflab::bench!(my_crate::register);
/// ```
///
/// Benchmark ids are `<allocator>/<workload>/<size>/<variant>`; `cargo test --benches` runs
/// each body once per allocator at 4KiB.
#[cfg(feature = "bench")]
#[macro_export]
macro_rules! bench {
    ($register:expr $(,)?) => {
        $crate::bench::all!($register);
    };
}

/// Tests every variant against naive in one line: writes a `#[test]` (compiled only under
/// `cargo test`) that calls [`check()`] on the registry `$register` fills.
///
/// Each supported variant of each workload runs on inputs generated at sizes 0–9 bytes and one
/// below, at and one above 16, 32, 48, 64, 96, 128, 192, 256, 512 and 1024 bytes, and 4103
/// bytes; at three seeds; starting on a 64-byte boundary and 1, 3, 7, 8, 15, 31 and 63 bytes
/// past one (where the workload can move its input: every [`ByteWorkload`]); and on the
/// workload's own edge cases ([`ByteWorkload::EDGE_CASES`], [`Workload::edge_cases`]).
/// A failure names the workload, the variant, the input's size, seed and start, and both outputs.
///
/// ```rust
/// # pub fn register(_: &mut perflab::Registry) {}
/// perflab::check!(register);
/// ```
#[macro_export]
macro_rules! check {
    ($register:expr $(,)?) => {
        #[cfg(test)]
        #[test]
        fn perflab_variants_agree_with_naive() {
            $crate::check($register)
        }
    };
}

/// What perflab's own crates and tests use and a user's crate does not need: the type-erased
/// registry, verification, input sources, sizes, and the allocator, engine, report and
/// profiling crates.
///
/// Why a module: these change when perflab's engine does, so they stay out of the top level a
/// user reads and relies on. They are not covered by semantic versioning.
pub mod internals {
    pub use perflab_core::{
        CheckError, CheckFailure, CheckInput, CheckPlan, CheckSummary, DEFAULT_SEED, DynWorkload,
        FixedSipHasher, InputSource, PAGE, PreparedInput, SCOPES_COMPILED, Status, VariantInfo,
        Verification, check, format_size, parse_size, verify,
    };

    /// Allocator selection, allocation counting and the allocators' own proof (perflab-alloc).
    pub use perflab_alloc as alloc;
    /// The measuring engine, results files, compare, merge and export (perflab-harness).
    pub use perflab_harness as harness;
    /// Flamegraphs and puffin profiles (perflab-profile).
    pub use perflab_profile as profile;
    /// The HTML report (perflab-report).
    pub use perflab_report as report;
}
