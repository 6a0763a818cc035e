//! The environment a measurement was taken in, including the timer's own limits.
//!
//! Timer precision and the harness's per-iteration overhead are *measured* here, not assumed,
//! and recorded in every results file so a reader can judge how small a difference can mean
//! anything.

use crate::results::Environment;
use perflab_core::{Ctx, Family, InputError, Kernel, VariantKind, Workload};
use std::hint::black_box;
use std::time::Instant;

/// Reads the environment and measures the timer (takes about 50 ms).
pub fn capture() -> Environment {
    Environment {
        cpu_model: cpu_model(),
        simd_features: simd_features(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        os: os(),
        arch: std::env::consts::ARCH.to_owned(),
        rustc: option_env!("PERFLAB_RUSTC_VERSION").map(str::to_owned),
        git_commit: option_env!("PERFLAB_GIT_COMMIT").map(str::to_owned),
        perflab_version: env!("CARGO_PKG_VERSION").to_owned(),
        timer_precision_ns: timer_precision_ns(),
        empty_loop_ns: empty_loop_ns(),
        cpu_set: cpu_set(),
        // The allocators' versions are the binary's to tell (it links them); see perflab-alloc.
        allocator_versions: None,
        allocator_env: allocator_env(std::env::vars()),
    }
}

/// The CPUs this process may run on, ascending (empty where the platform cannot tell).
pub fn cpu_set() -> Vec<usize> {
    let mut ids: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .iter()
        .map(|c| c.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// Whether an environment variable changes how one of the allocators behaves: glibc's malloc
/// tunables (`MALLOC_ARENA_MAX`, `MALLOC_TRIM_THRESHOLD_`, … and `GLIBC_TUNABLES`), jemalloc's
/// configuration (`MALLOC_CONF`, and `_RJEM_MALLOC_CONF` for tikv-jemallocator's prefixed build),
/// mimalloc's options (`MIMALLOC_*`), and the allocator selection itself.
fn is_allocator_variable(name: &str) -> bool {
    name.starts_with("MALLOC_")
        || name.starts_with("MIMALLOC_")
        || name.starts_with("_RJEM_")
        || name.starts_with("JE_")
        || name == "GLIBC_TUNABLES"
        || name == "LD_PRELOAD"
        || name == "PERFLAB_ALLOCATOR"
}

/// The allocator variables among `vars`, by name.
pub fn allocator_env(
    vars: impl IntoIterator<Item = (String, String)>,
) -> std::collections::BTreeMap<String, String> {
    vars.into_iter()
        .filter(|(k, _)| is_allocator_variable(k))
        .collect()
}

/// The CPU model as the OS names it (on Linux the `model name` of /proc/cpuinfo), through sysinfo
/// so that it is known on every OS perflab builds for, not only Linux. Only the CPU list is read:
/// no usage (that needs two readings apart), no frequencies, no processes.
fn cpu_model() -> String {
    let mut system = sysinfo::System::new();
    system.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
    system
        .cpus()
        .first()
        .map(|c| c.brand().trim())
        .filter(|b| !b.is_empty())
        .map_or_else(|| "unknown".to_owned(), str::to_owned)
}

/// `<OS> <kernel release>`, e.g. `linux 6.1.0-18-amd64`: the format older results files have, so
/// that [`Environment::comparable_with`] still matches them.
fn os() -> String {
    let release = sysinfo::System::kernel_version().unwrap_or_default();
    format!("{} {}", std::env::consts::OS, release.trim())
        .trim()
        .to_owned()
}

/// The SIMD features perflab's kernels dispatch on, as detected at run time (named in one
/// place, [`perflab_core::isa::features`], next to the levels the kernels use).
pub fn simd_features() -> Vec<String> {
    perflab_core::isa::features()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The median smallest positive step between consecutive `Instant::now()` readings.
pub fn timer_precision_ns() -> f64 {
    let mut steps = Vec::with_capacity(200);
    for _ in 0..200 {
        let t0 = Instant::now();
        let mut t1 = Instant::now();
        while t1 == t0 {
            t1 = Instant::now();
        }
        steps.push((t1 - t0).as_nanos() as f64);
    }
    crate::stats::median(&steps).unwrap_or(f64::NAN)
}

/// A workload that does nothing, measured through the very loop real kernels are timed in.
struct Empty;

impl Workload for Empty {
    const NAME: &'static str = "empty";
    const SUMMARY: &'static str = "does nothing: measures the harness's own per-iteration cost";
    type Input = ();
    type Output = ();
    fn generate(_: usize, _: u64) {}
    fn from_file(_: &[u8]) -> Result<(), InputError> {
        Ok(())
    }
    fn input_bytes(_: &()) -> usize {
        0
    }
}

struct Nothing;

impl Kernel<Empty> for Nothing {
    fn name(&self) -> &'static str {
        "naive"
    }
    fn kind(&self) -> VariantKind {
        VariantKind::Naive
    }
    fn run(&self, input: &(), _: &Ctx) {
        black_box(input);
    }
}

/// Nanoseconds per iteration of the timed loop around an empty kernel (median of 21 samples of
/// 100 000 iterations each).
pub fn empty_loop_ns() -> f64 {
    let mut registry = perflab_core::Registry::new();
    registry.add(Family::<Empty>::new(Nothing));
    let input = registry.workloads()[0]
        .prepare(&perflab_core::InputSource::generated(0))
        .expect("the empty workload accepts any input");
    let mut ctx = Ctx::new();
    const ITERS: u64 = 100_000;
    // The empty kernel's output is `()`: it cannot disagree with itself.
    let _ = input.run_iters(0, ITERS, &mut ctx);
    let samples: Vec<f64> = (0..21)
        .map(|_| {
            let t = Instant::now();
            let _ = input.run_iters(0, ITERS, &mut ctx);
            t.elapsed().as_nanos() as f64 / ITERS as f64
        })
        .collect();
    crate::stats::median(&samples).unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_is_filled() {
        let env = capture();
        assert!(env.cores >= 1);
        // Measured, so only their sense is certain: how fine the clock is, or how fast the loop,
        // depends on the machine and on what else runs on it.
        assert!(env.timer_precision_ns.is_finite() && env.timer_precision_ns > 0.0);
        assert!(env.empty_loop_ns.is_finite() && env.empty_loop_ns >= 0.0);
        assert!(!env.perflab_version.is_empty());
        #[cfg(target_arch = "x86_64")]
        assert!(env.simd_features.iter().any(|f| f == "sse2"));
        #[cfg(target_os = "linux")]
        {
            // The strings older results files were compared on: what /proc says, as it says it.
            assert!(!env.cpu_model.is_empty());
            let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap();
            let model = cpuinfo
                .lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim());
            if let Some(model) = model {
                assert_eq!(env.cpu_model, model);
            }
            let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
            assert_eq!(env.os, format!("linux {}", release.trim()));
        }
    }
}
