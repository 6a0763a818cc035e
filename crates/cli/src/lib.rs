//! perflab as a library: benchmark *your own* kernels with perflab's whole command line and
//! `cargo bench`, without editing perflab.
//!
//! Your binary's `main` is one call of [`main`] with a function that adds your workload families
//! to a [`Registry`]. It then has every command of the `perflab` binary on your registry — `list`,
//! `verify`, `run` (all three allocators, presets, shards, `--resume`, A/B `--compare-with`,
//! `--measure instructions`), `report`, `compare`, `merge`, `export`, `flame`, `live` — with the
//! same exit codes (0 success, 1 a check failed, 2 bad usage or bad input, one line
//! `perflab: error: …`). The `perflab` binary itself is that call on perflab's catalogue.
//!
//! This crate re-exports the model you implement ([`Workload`] or the shorter [`ByteWorkload`],
//! [`Kernel`] or the [`bytes_kernel`]/[`kernel`] helpers, [`Family`], [`VariantKind`], [`Ctx`],
//! [`ByteInput`], …), so your `Cargo.toml` names `perflab` alone:
//!
//! ```toml
//! [dependencies]
//! perflab = { path = "../perflab/crates/cli", default-features = false, features = ["scopes"] }
//!
//! [dev-dependencies]
//! perflab = { path = "../perflab/crates/cli", default-features = false, features = ["scopes", "bench"] }
//! ```
//!
//! (`default-features = false` leaves out perflab's own catalogue, which only its binary needs;
//! `scopes` compiles [`scope!`] calls in, for `live` and `flame --source scopes`; `bench` is
//! [`bench`], for `cargo bench`.)
//!
//! # A workload, its variants and `main`
//!
//! `src/lib.rs` of `examples/own-kernels` in perflab's repository, UTF-8 validation with a
//! naive, a word-at-a-time and the standard library's variant — the same code the README's
//! "Benchmark your own code" shows:
//!
#![doc = "```rust"]
#![doc = include_str!("../../../examples/own-kernels/src/lib.rs")]
#![doc = "# let mut registry = perflab::Registry::new();"]
#![doc = "# register(&mut registry);"]
#![doc = "# assert_eq!(registry.check(), Ok(()));"]
#![doc = "# let utf8 = registry.get(\"utf8\").unwrap();"]
#![doc = "# let input = utf8.prepare(&perflab::InputSource::generated(4096)).unwrap();"]
#![doc = "# for v in perflab::verify(utf8.as_ref(), input.as_ref()) {"]
#![doc = "#     assert_eq!(v.status, perflab::Status::Ok, \"{}\", v.variant);"]
#![doc = "# }"]
#![doc = "```"]
//!
//! `src/main.rs`: the global allocator (so `PERFLAB_ALLOCATOR` can choose system, jemalloc or
//! mimalloc and allocations are counted) and [`main`]:
//!
#![doc = "```rust,no_run"]
#![doc = include_str!("../../../examples/own-kernels/src/main.rs")]
#![doc = "# mod own_kernels { pub fn register(_: &mut perflab::Registry) {} }"]
#![doc = "```"]
//!
//! `benches/system.rs` (and `jemalloc.rs`, `mimalloc.rs` with `Jemalloc`, `Mimalloc`), each a
//! `[[bench]]` with `harness = false`: criterion benchmarks of every variant, verified against
//! naive first, with allocations per iteration (see [`bench`], feature `bench`):
//!
#![doc = "```rust,ignore"]
#![doc = include_str!("../../../examples/own-kernels/benches/system.rs")]
#![doc = "```"]
//!
//! `benches/instructions.rs` (`harness = false`; needs valgrind and `gungraun-runner`):
//!
#![doc = "```rust,ignore"]
#![doc = include_str!("../../../examples/own-kernels/benches/instructions.rs")]
#![doc = "```"]
//!
//! Then `cargo run --release -- run` verifies and measures the matrix into
//! `reports/latest/{results.json,index.html}`, and `cargo bench` runs the criterion targets.
//!
//! # Mistakes are errors, not panics
//!
//! A family whose first variant is not naive, two variants of one name, a name that cannot be
//! part of a result id, the same workload twice, an empty registry, or a registration function
//! that panics: [`main`] prints one line (`perflab: error: workload `x` has two variants named
//! `fast` …`) and exits 2 before any command runs. [`Family`] and [`Registry::add`] keep the
//! mistake ([`Registry::check`]) instead of panicking.
//!
//! A variant that disagrees with naive is not a mistake in the registry but in the kernel:
//! `verify` exits 1 naming it, and `run` records it as a failed cell, measures the others and
//! exits 1 naming it.
//!
//! # The global allocator line
//!
//! `#[global_allocator] static ALLOC: perflab::Allocator = perflab::Allocator::new();` in your
//! binary is what makes `PERFLAB_ALLOCATOR=jemalloc` mean jemalloc and allocation counts mean
//! anything. Without it, [`main`] notices (the counters never move, see
//! [`alloc::installed`]) and says so rather than mislabel results: `run` under jemalloc or
//! mimalloc (the default is all three) is an error naming the line; `run --allocator system`
//! measures times with a warning that allocations are not counted (they are `null`, not 0, in
//! the results); `list` says the allocator is not perflab's; a peer asked for another allocator
//! refuses to start.
//!
//! # Beyond bytes
//!
//! A workload whose input is not one byte buffer implements [`Workload`] itself (`generate`,
//! `from_file`, `input_bytes`, and `relocated` so the engine can move the input between rounds),
//! and its variants implement [`Kernel`] or come from [`kernel`]
//! (`kernel("arena", VariantKind::Arena, |input: &MyInput, ctx: &Ctx| …)`). A SIMD variant says
//! where it runs with `.supported_if(|| is_x86_feature_detected!("avx2"))`; elsewhere it is
//! listed as unsupported, never run.
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
    ByteInput, ByteWorkload, Ctx, DEFAULT_SEED, DynWorkload, Family, FixedSipHasher, FnKernel,
    InputError, InputSource, Kernel, PAGE, Placement, PreparedInput, Registry, RegistryError, Rng,
    SCOPES_COMPILED, Status, VariantInfo, VariantKind, Verdict, Workload, bytes_kernel,
    format_size, kernel, parse_size, scope, verify,
};

/// The global allocator a binary built on perflab declares: the allocator `PERFLAB_ALLOCATOR`
/// names (system, jemalloc or mimalloc), counted. See "The global allocator line" above.
pub use perflab_alloc::PerflabAllocator as Allocator;

/// Allocator selection, allocation counting and the allocators' own proof (perflab-alloc).
pub use perflab_alloc as alloc;
/// The measuring engine, results files, compare, merge and export (perflab-harness).
pub use perflab_harness as harness;
/// Flamegraphs and puffin profiles (perflab-profile).
pub use perflab_profile as profile;
/// The HTML report (perflab-report).
pub use perflab_report as report;

/// `cargo bench` from a registry (perflab-benches): `perflab::bench::main!(System, register)`
/// for a criterion target per allocator, `perflab::bench::instructions!(register)` for gungraun.
#[cfg(feature = "bench")]
pub use perflab_benches as bench;
