//! perflab-benches: `cargo bench` over a registry, under each global allocator.
//!
//! The harness (`perflab run`) is the tool for comparisons; this crate gives the same kernels
//! the plain `cargo bench` workflow people expect, with criterion's reports, baselines and
//! filters, plus what criterion lacks: allocation counts per iteration ([`allocs`]) and an
//! in-process flamegraph profiler ([`flame`]). One bench target runs criterion under all three
//! allocators ([`all!`](crate::all!), [`main_all`]: the target runs itself again once per
//! allocator); a target per allocator pins its global allocator at compile time instead
//! ([`main!`](crate::main!), [`main`]). Either way the benchmarks are generated from a
//! registration function's registry, so a kernel added to it is benchmarked with no change here.
//! perflab's own catalogue and a user's crate write their targets the same way, one line each
//! ([`instructions!`](crate::instructions!) for gungraun); a user reaches this crate through
//! `perflab` (feature `bench`, on by default):
//!
//! ```ignore
//! // benches/criterion.rs (`harness = false`): system, jemalloc and mimalloc in turn
//! perflab::bench!(my_crate::register);
//! // or one target per allocator: benches/jemalloc.rs …
//! perflab::bench::main!(Jemalloc, my_crate::register);
//! // benches/instructions.rs (`harness = false`, needs valgrind and gungraun-runner):
//! perflab::bench::instructions!(my_crate::register);
//! ```
//!
//! Benchmark ids are `<allocator>/<workload>/<size>/<variant>`: one criterion group per
//! allocator, workload and size (throughput in input bytes), one function per variant this CPU
//! supports. Every variant's output is checked against naive's before anything is timed, and a
//! mismatch aborts the run: a fast wrong answer must never become a number. Each group is a
//! [`Subject`], as in `perflab run`'s measuring processes: the same look-up, verification and
//! counting pass, and the same statically dispatched loop (`PreparedInput::run_iters`), which
//! criterion times in `iter_custom`.

pub mod allocs;
#[cfg(unix)]
pub mod flame;
pub mod instructions;
mod macros;
pub mod mode;

use criterion::Criterion;
use criterion::Throughput;
use perflab_alloc::Allocator;
use perflab_core::{DynWorkload, InputSource, Registry, format_size};
use perflab_harness::results::CellStatus;
use perflab_harness::subject::{Phase, Readiness, Subject};
use std::time::Instant;

pub use mode::{BENCH_SIZES, Mode, SIZES_ENV};

/// criterion, for bench targets that want more than [`main`] (their own groups beside the
/// registry's).
pub use criterion;
/// gungraun, which the expansion of [`instructions!`](crate::instructions!) names.
pub use gungraun;

/// The allocator types the expansion of [`main!`](crate::main!) names (not an API).
#[doc(hidden)]
pub use perflab_alloc as __alloc;

/// A function that adds workload families to a registry: `perflab_catalog::register` or a
/// user's own `register`. A plain function (or a closure that captures nothing), so that bench
/// cases can carry it and build the registry again in gungraun's setup.
pub type Register = fn(&mut Registry);

/// The registry `register` fills, or a one-line message saying what is wrong with it.
///
/// # Errors
/// A family without a naive variant, two variants of one name, or nothing registered (see
/// [`Registry::check`]).
pub fn registry(register: Register) -> Result<Registry, String> {
    Registry::built_by(register).map_err(|e| format!("perflab-benches: error: {e}"))
}

/// [`registry`], or exit 2 with its message: a bench binary whose registry is wrong has nothing
/// to measure.
fn registry_or_exit(register: Register) -> Registry {
    registry(register).unwrap_or_else(|line| {
        eprintln!("{line}");
        std::process::exit(2)
    })
}

/// Sizes at or above this get fewer samples, so a naive pass of a few milliseconds still fits
/// criterion's default measurement time.
const LARGE: usize = 1 << 20;

/// The body of every bench target: configure criterion from the command line, benchmark the
/// registry `register` fills under `allocator` (which must be the target's global allocator),
/// print criterion's summary and write the allocation report. [`main!`](crate::main!) writes
/// the target around it.
///
/// A registry with a mistake (see [`Registry::check`]) exits 2 with one line.
///
/// # Panics
/// If `PERFLAB_BENCH_SIZES` is malformed, an input cannot be generated, or a variant disagrees
/// with naive: this is a benchmark binary, and each of those makes its numbers meaningless.
pub fn main(allocator: Allocator, register: Register) {
    let registry = registry_or_exit(register);
    let args: Vec<String> = std::env::args().collect();
    let mode = Mode::from_args(&args);
    let sizes = mode::sizes(mode, std::env::var(SIZES_ENV).ok().as_deref())
        .unwrap_or_else(|e| panic!("perflab-benches: {e}"));
    let selected = perflab_alloc::selection();
    assert!(
        selected == Ok(allocator) || !perflab_alloc::installed() && allocator == Allocator::System,
        "perflab-benches: the `{}` target must declare PerflabAllocator::fixed(Allocator::{allocator:?}) as its global allocator",
        allocator.name()
    );
    if mode == Mode::Bench {
        eprintln!(
            "perflab-benches: {}: {}",
            allocator.name(),
            perflab_alloc::proof()
        );
    }
    // Timed loops run with the counters off, as in `perflab run`; counting has its own pass.
    perflab_alloc::set_counting(false);

    let mut c = configured_criterion().configure_from_args();
    let counted = bench_registry(&mut c, &registry, allocator, &sizes, mode);
    c.final_summary();

    if mode == Mode::Bench && !counted.is_empty() {
        let path = allocs::criterion_dir().join(allocs::REPORT_FILE);
        match allocs::AllocReport::merge_into(&counted, &path) {
            Ok(()) => eprintln!(
                "perflab-benches: allocations per iteration of {} benchmarks: {}",
                counted.len(),
                path.display()
            ),
            Err(e) => eprintln!("perflab-benches: cannot write {}: {e}", path.display()),
        }
    }
}

/// The body of a bench target for every allocator ([`all!`](crate::all!)): benchmarks the
/// registry under system, jemalloc and mimalloc, one after another, each in a process of its own.
///
/// A global allocator is fixed for a process's life, so the target's allocator is
/// [`PerflabAllocator::new`](perflab_alloc::PerflabAllocator::new), which takes the allocator
/// `PERFLAB_ALLOCATOR` names on the first allocation. Run without that variable (plain
/// `cargo bench`), this process only drives: it runs its own executable again with the same
/// arguments (criterion's filter and options, cargo's `--bench`) once per allocator, with
/// `PERFLAB_ALLOCATOR` set, and exits with the first failing child's status. Run with it set
/// (`PERFLAB_ALLOCATOR=jemalloc cargo bench`), it benchmarks that one allocator itself ([`main`]).
/// Benchmark ids start with the allocator's name, so the three runs' reports and baselines never
/// collide, and each run adds its allocation counts to the one report.
///
/// A target whose global allocator is not perflab's cannot choose one: it benchmarks `system`
/// alone and says so.
pub fn main_all(register: Register) {
    let chosen = std::env::var_os(perflab_alloc::ENV_VAR).is_some_and(|v| !v.is_empty());
    if !perflab_alloc::installed() {
        eprintln!(
            "perflab-benches: this target's global allocator is not perflab's, so only `system` is benchmarked (declare it with `all!`)"
        );
        return main(Allocator::System, register);
    }
    if chosen {
        match perflab_alloc::selection() {
            Ok(allocator) => return main(allocator, register),
            Err(e) => {
                eprintln!("perflab-benches: error: {e}");
                std::process::exit(2)
            }
        }
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| {
        eprintln!("perflab-benches: error: cannot find this bench binary to run it again: {e}");
        std::process::exit(2)
    });
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    for allocator in Allocator::ALL {
        let status = std::process::Command::new(&exe)
            .args(&args)
            .env(perflab_alloc::ENV_VAR, allocator.name())
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("perflab-benches: the `{allocator}` run failed ({s})");
                std::process::exit(s.code().unwrap_or(101))
            }
            Err(e) => {
                eprintln!("perflab-benches: error: cannot run {}: {e}", exe.display());
                std::process::exit(2)
            }
        }
    }
}

/// criterion with the flamegraph profiler attached where it can run, and shorter default
/// warm-up (1 s) and measurement (3 s) than criterion's 3 s and 5 s: the catalogue has about a
/// hundred benchmarks per allocator, and perflab's kernels reach a steady state in well under a
/// second. `--warm-up-time` and `--measurement-time` on the command line still override these.
fn configured_criterion() -> Criterion {
    let c = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    #[cfg(unix)]
    let c = c.with_profiler(flame::FlameProfiler::new());
    c
}

/// Registers one group per workload and size and one benchmark per supported variant, and runs
/// them (criterion runs a benchmark as it is registered, if its id passes the filter). Returns the
/// allocation counts of the benchmarks that ran (none in profile or list mode).
pub fn bench_registry(
    c: &mut Criterion,
    registry: &Registry,
    allocator: Allocator,
    sizes: &[usize],
    mode: Mode,
) -> Vec<allocs::AllocEntry> {
    let mut counted = Vec::new();
    for workload in registry.workloads() {
        for &size in sizes {
            bench_group(
                c,
                allocator,
                registry,
                workload.as_ref(),
                size,
                mode,
                &mut counted,
            );
        }
    }
    counted
}

fn bench_group(
    c: &mut Criterion,
    allocator: Allocator,
    registry: &Registry,
    workload: &dyn DynWorkload,
    size: usize,
    mode: Mode,
    counted: &mut Vec<allocs::AllocEntry>,
) {
    let size_name = format_size(size);
    let group_name = format!("{}/{}/{size_name}", allocator.name(), workload.name());
    let variants = workload.variants();
    let names: Vec<String> = variants.iter().map(|v| v.name.to_owned()).collect();
    let mut subject = Subject::prepare(
        registry,
        workload.name(),
        &InputSource::generated(size),
        &names,
    )
    .unwrap_or_else(|e| panic!("perflab-benches: {group_name}: {e}"));
    if mode != Mode::List {
        // Verification is cheap (each variant once) and done for every group, filtered or not,
        // so no timed benchmark can skip it.
        verify_all(&group_name, &mut subject);
    }

    let mut g = c.benchmark_group(&group_name);
    g.throughput(Throughput::Bytes(subject.bytes()));
    if size >= LARGE {
        g.sample_size(30);
    }
    for (slot, v) in variants.iter().enumerate().filter(|(_, v)| v.supported) {
        let mut counted_once = false;
        let id = format!("{group_name}/{}", v.name);
        g.bench_function(v.name, |b| {
            // criterion calls this closure only for benchmarks that pass the filter: count their
            // allocations once, untimed, before the first timed batch.
            if !counted_once && matches!(mode, Mode::Bench | Mode::Test) {
                counted_once = true;
                let pass = allocs::count(&mut subject, slot)
                    .unwrap_or_else(|e| panic!("perflab-benches: {id}: {e}"));
                let entry = allocs::AllocEntry {
                    allocator: allocator.name().to_owned(),
                    workload: workload.name().to_owned(),
                    size: size_name.clone(),
                    variant: v.name.to_owned(),
                    iters: pass.iters,
                    allocs_per_iter: pass.allocs_per_iter,
                    reallocs_per_iter: pass.reallocs_per_iter,
                    bytes_allocated_per_iter: pass.bytes_allocated_per_iter,
                    peak_bytes: pass.peak_bytes,
                };
                if mode == Mode::Bench {
                    println!("{}", entry.line());
                }
                counted.push(entry);
            }
            b.iter_custom(|iters| {
                let t = Instant::now();
                let agreed = subject.run(slot, iters, Phase::Measured);
                let elapsed = t.elapsed();
                // A kernel that goes wrong after many calls stops the bench: no number of it.
                if let Err(e) = agreed {
                    panic!("{id}: {e}");
                }
                elapsed
            });
        });
    }
    g.finish();
}

/// Verifies every variant of `subject` against naive, as `perflab run` does before timing.
///
/// # Panics
/// On the first variant that disagrees with naive or panics (or on naive panicking), naming it,
/// what went wrong and the input.
pub fn verify_all(group: &str, subject: &mut Subject) {
    let readiness = subject.verify(&mut |_| {});
    let failed = subject
        .names()
        .zip(readiness)
        .find_map(|(name, r)| match r {
            Readiness::Unavailable {
                status: CellStatus::Failed,
                error,
            } => Some((name.to_owned(), error)),
            _ => None,
        });
    if let Some((name, why)) = failed {
        panic!(
            "perflab-benches: {group}/{name}: {why}, refusing to time it\n  input: {}",
            subject.describe()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::VariantKind;
    use perflab_core::fixture::{self, Behaviour, NAIVE, Variant};

    fn check(fast: Behaviour) {
        let r = fixture::registry([NAIVE, Variant::new("fast", VariantKind::Optimized, fast)]);
        let names = ["naive".to_owned(), "fast".to_owned()];
        let mut subject =
            Subject::prepare(&r, "sum", &InputSource::generated(100), &names).unwrap();
        verify_all("system/sum/100B", &mut subject);
    }

    #[test]
    fn agreeing_variants_pass() {
        check(Behaviour::Right);
    }

    #[test]
    #[should_panic(expected = "system/sum/100B/fast: output differs from naive")]
    fn a_wrong_variant_stops_the_run() {
        check(Behaviour::Wrong(1));
    }
}
