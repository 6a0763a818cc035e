//! perflab-alloc: global-allocator selection and allocation counting.
//!
//! perflab answers "which implementation is fastest *with my allocator*", so every benchmark runs
//! under `system`, `jemalloc` (tikv-jemallocator) and `mimalloc`, and reports how much each
//! variant allocates. This crate provides both halves:
//!
//! - **Selection.** [`PerflabAllocator`] forwards to the allocator named by the environment
//!   variable `PERFLAB_ALLOCATOR` ([`ENV_VAR`]: `system` (default), `jemalloc`, `mimalloc`), read on
//!   the process's first allocation without allocating (`libc::getenv`), decided once in an atomic
//!   (racing first allocations wait for one decider) and never changed, so memory is always freed
//!   by the allocator that made it. An unknown name cannot be reported from inside an allocator, so
//!   the process runs on `system`, keeps the name in a static buffer, and [`selection`] returns
//!   [`UnknownAllocator`] (naming the three valid ones) for the binary to print before exiting 2.
//!   [`PerflabAllocator::fixed`] pins one allocator at compile time instead (a `cargo bench`
//!   target per allocator), with the same counters and proof.
//! - **Counting.** Every allocator is wrapped in [`Counting`]: allocations, deallocations,
//!   reallocations, bytes allocated, live and peak live bytes, exact across threads. Read them with
//!   [`snapshot`] before and after a region (`after - before` gives an [`AllocDelta`]), call
//!   [`reset_peak`] first to get the region's own peak, or let [`measure`] do all three. The exact
//!   definitions are in [`counting`].
//! - **Presence.** [`installed`] says whether a `PerflabAllocator` really is the global
//!   allocator: a binary that links this crate but forgot the `#[global_allocator]` line would
//!   otherwise report the allocator it asked for and zero allocations.
//! - **Proof.** [`proof()`] allocates a probe block and asks jemalloc's statistics, mimalloc's page
//!   map and glibc's `mallinfo2` which of them made it, so results can carry evidence that the
//!   labelled allocator really served them.
//! - **Footprint.** Allocators keep freed memory for reuse (jemalloc's dirty pages decay over
//!   10 s, mimalloc purges after 1 s, glibc keeps free chunks inside its heaps), so the resident
//!   set a measured region starts from depends on what ran before it. [`release_free_memory`]
//!   makes the selected allocator hand its free memory back to the OS now (jemalloc: flush this
//!   thread's cache and purge every arena; mimalloc: `mi_collect(true)`; glibc: `malloc_trim(0)`),
//!   so resident-set growth compares allocators from the same starting point.
//!   [`allocator_memory`] is the allocator's own figure of what it holds (jemalloc
//!   `stats.resident`, mimalloc's committed bytes, glibc `mallinfo2` arena + mmapped), which,
//!   unlike the resident set, excludes code, stacks and other allocators; only jemalloc's falls
//!   when a release `madvise`s pages away (the other two count memory set up, not resident), so
//!   a release shows in the resident set. [`versions`] names the jemalloc, mimalloc and glibc
//!   linked in, since their caching policies change between versions. Details and limits
//!   (other threads' caches stay) in [`footprint`].
//!
//! ```
//! #[global_allocator]
//! static GLOBAL: perflab_alloc::PerflabAllocator = perflab_alloc::PerflabAllocator::new();
//!
//! fn main() {
//!     let allocator = match perflab_alloc::selection() {
//!         Ok(a) => a,
//!         Err(e) => { eprintln!("perflab: {e}"); std::process::exit(2) }
//!     };
//!     let (_out, d) = perflab_alloc::measure(|| vec![0u64; 100]);
//!     assert_eq!((d.allocations, d.bytes_allocated, d.peak_growth_bytes), (1, 800, 800));
//!     let proof = perflab_alloc::proof();
//!     assert!(proof.confirmed(), "{proof}");
//!     eprintln!("{allocator}: {proof}");
//! }
//! ```
//!
//! # Why an environment variable, not one binary per allocator
//!
//! Rust fixes the global allocator at link time, so the alternatives were three builds of
//! `perflab` (a cargo feature or a binary target per allocator) or one build that chooses at
//! start-up. One build wins: the harness re-runs *its own executable* once per allocator and merges
//! the results, so the three runs are guaranteed to measure the same compiled kernels (three
//! fat-LTO builds could inline differently and blur an allocator comparison with a codegen one),
//! users build once instead of three times, and `cargo bench` targets, tests and profilers use the
//! same switch. The price is a dispatch on every call: one load of an atomic that never changes
//! after start-up plus a predictable branch, included in the figures below. An environment variable
//! (rather than a command-line flag) is the one input readable before `main`, without allocating,
//! and it is inherited by the child processes the harness spawns.
//!
//! # Cost of counting
//!
//! ns per 64-byte `alloc` + `dealloc` pair, "median (minimum)" of thread CPU time over 41
//! interleaved batches of 250 000 pairs (`cargo run --release -p perflab-alloc --example cost`),
//! one run on a shared 2-core AMD EPYC VM (load average ~11 from other builds at the time, hence
//! CPU time rather than wall time). *raw*: the allocator called directly; *dispatch*: [`Selected`]
//! (env selection, no counting); *off* / *on*: through [`PerflabAllocator`] with
//! [`set_counting`] off / on; *2 thr*: two threads at once, per thread.
//!
//! | allocator | raw | dispatch | counting off | counting on | 2 thr off | 2 thr on |
//! |---|---|---|---|---|---|---|
//! | system | 15.8 (10.0) | 17.8 (11.2) | 15.9 (11.7) | 22.2 (13.1) | 19.2 (11.9) | 19.5 (13.4) |
//! | jemalloc | 5.2 (4.4) | 6.3 (5.6) | 6.8 (5.9) | 13.8 (13.1) | 7.7 (6.1) | 13.9 (13.2) |
//! | mimalloc | 7.8 (5.3) | 9.6 (6.0) | 8.9 (7.2) | 14.8 (12.7) | 11.2 (7.3) | 15.3 (12.8) |
//!
//! Reading it: the selection costs about 1–2 ns per pair; counting about 6–7 ns more (five
//! uncontended atomic read-modify-writes: three per allocation, two per deallocation). That is
//! noise for a kernel that allocates per kilobyte of input, but it roughly doubles the cost of
//! jemalloc's and mimalloc's small-object fast path, so a benchmark dominated by tiny
//! allocations is slowed the same absolute amount under every allocator and the *ratios* between
//! allocators shrink. Hence [`set_counting`]: a harness can time iterations with counting off
//! and count one extra iteration with it on. (With the machine this loaded the two threads
//! seldom ran at the same moment, so the 2-thread columns understate the cost of the shared
//! counters' cache line bouncing between cores.)
//!
//! # Platforms
//!
//! Written for Linux (glibc); builds elsewhere, where the system proof falls back to "neither
//! jemalloc nor mimalloc claims the block".

pub mod counting;
pub mod footprint;
mod global;
#[cfg(feature = "harness")]
mod harness;
pub mod proof;
mod select;

pub use counting::{AllocDelta, AllocStats, Counting, delta};
pub use footprint::{
    AllocatorMemory, AllocatorVersions, allocator_memory, release_free_memory, versions,
};
pub use global::{
    PerflabAllocator, Selected, installed, measure, reset_peak, set_counting, snapshot,
};
#[cfg(feature = "harness")]
pub use harness::HarnessProbe;
pub use proof::{Proof, proof};
pub use select::{Allocator, BAD_NAME_CAPACITY, ENV_VAR, UnknownAllocator, selected, selection};
