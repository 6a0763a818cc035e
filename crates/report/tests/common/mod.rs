//! Synthetic results files for the report's tests: deterministic, with every kind of cell.
#![allow(dead_code)]

use perflab_core::{Rng, VariantKind};
use perflab_harness::clock::Clock;
use perflab_harness::results::{
    AllocatorHeld, AllocatorVersions, Benchmark, CellStatus, Contention, Environment, Footprint,
    Results, RunConfig, ThreadedPlan,
};
use perflab_harness::{stats, summary};
use std::collections::HashMap;

/// The default matrix's sizes.
pub const SIZES: [(&str, u64); 4] = [
    ("4KiB", 4096),
    ("64KiB", 65536),
    ("1MiB", 1 << 20),
    ("16MiB", 16 << 20),
];

/// The default matrix's workloads.
pub const WORKLOADS: [&str; 6] = ["search", "checksum", "frames", "tags", "logs", "wordfreq"];

/// What a synthetic variant is: name, kind, ns per byte, allocations per iteration, status.
struct Spec {
    name: &'static str,
    kind: VariantKind,
    ns_per_byte: f64,
    allocs: f64,
    status: CellStatus,
}

fn specs(workload: &str) -> Vec<Spec> {
    let s = |name, kind, ns_per_byte, allocs| Spec {
        name,
        kind,
        ns_per_byte,
        allocs,
        status: CellStatus::Ok,
    };
    let mut v = vec![
        s("naive", VariantKind::Naive, 2.0, 40.0),
        s("optimized", VariantKind::Optimized, 0.5, 2.0),
        s("simd-sse2", VariantKind::Simd, 0.2, 0.0),
        s("simd-avx2", VariantKind::Simd, 0.1, 0.0),
        s("arena", VariantKind::Arena, 0.6, 0.0),
        s("reference", VariantKind::Reference, 0.12, 0.0),
    ];
    v.push(Spec {
        status: CellStatus::Unsupported,
        ..s("simd-avx512", VariantKind::Simd, 0.05, 0.0)
    });
    if workload == "frames" {
        v.push(Spec {
            status: CellStatus::Failed,
            ..s("broken", VariantKind::Optimized, 0.3, 0.0)
        });
    }
    v
}

/// A results document over `workloads` × their variants × `allocators` × `sizes`, with `n`
/// samples per cell, measured-looking numbers, an unsupported AVX-512 variant everywhere and a
/// failed variant in `frames`.
pub fn synthetic(
    workloads: &[&str],
    allocators: &[&str],
    sizes: &[(&str, u64)],
    n: usize,
) -> Results {
    let env = Environment {
        cpu_model: "Synthetic CPU @ 3.0GHz".into(),
        simd_features: vec!["sse2".into(), "avx2".into()],
        cores: 2,
        os: "linux 6.1".into(),
        arch: "x86_64".into(),
        rustc: Some("rustc 1.95.0".into()),
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        perflab_version: "0.1.0".into(),
        timer_precision_ns: 30.0,
        empty_loop_ns: 1.25,
        // A file from before threads: no CPU set, allocator versions or variables.
        ..Environment::default()
    };
    let config = RunConfig {
        preset: perflab_harness::plan::Preset::Ci,
        measure: perflab_harness::plan::Measure::Time,
        allocators: allocators.iter().map(|a| a.to_string()).collect(),
        sizes: sizes.iter().map(|s| s.1).collect(),
        seed: 7,
        sample_target_ns: 500_000,
        warmup_ns: 20_000_000,
        min_samples: 7,
        max_samples: 40,
        ..RunConfig::default()
    };
    let mut r = Results::new(env, config);
    let mut rng = Rng::new(42);
    for (ai, alloc) in allocators.iter().enumerate() {
        for w in workloads {
            for &(size, bytes) in sizes {
                let mut naive_samples = Vec::new();
                for spec in specs(w) {
                    let mut b = Benchmark::empty(w, spec.name, spec.kind, alloc, size, bytes);
                    b.status = spec.status;
                    match spec.status {
                        CellStatus::Failed => {
                            b.error = Some(format!(
                                "output differs from naive: expected (12, Some(3)), got (11, Some(3)) at {size}"
                            ));
                        }
                        CellStatus::Unsupported => {
                            b.error = Some("this CPU lacks avx512bw".into());
                        }
                        CellStatus::Ok => {
                            let alloc_factor = if spec.allocs > 0.0 {
                                1.0 - 0.07 * ai as f64
                            } else {
                                1.0
                            };
                            let center = 50.0 + bytes as f64 * spec.ns_per_byte * alloc_factor;
                            let samples: Vec<f64> = (0..n)
                                .map(|_| center * (1.0 + 0.04 * rng.next_f64()))
                                .collect();
                            if spec.kind == VariantKind::Naive {
                                naive_samples = samples.clone();
                            }
                            b.median_ns = stats::median(&samples);
                            b.mad_ns = stats::mad(&samples);
                            b.ci95_ns = stats::bootstrap_median_ci(&samples, 200, 0.05, 1);
                            b.throughput_bytes_per_s =
                                stats::throughput(bytes, b.median_ns.unwrap());
                            b.speedup_vs_naive = stats::paired_ratio(&naive_samples, &samples);
                            b.outliers = Some(stats::outliers(&samples));
                            b.iters_per_sample = 1 + (100_000.0 / center) as u64;
                            b.allocs_per_iter = Some(spec.allocs);
                            b.reallocs_per_iter = Some(0.0);
                            b.bytes_allocated_per_iter = Some(spec.allocs * 48.5);
                            b.peak_bytes = Some(
                                (spec.allocs * 64.0) as u64
                                    + bytes / 100 * (spec.allocs > 0.0) as u64,
                            );
                            b.arena_bytes =
                                (spec.kind == VariantKind::Arena).then_some(bytes / 2 + 512);
                            b.samples_ns = samples;
                        }
                    }
                    r.upsert(b);
                }
            }
        }
    }
    r
}

/// The real default matrix: 6 workloads × 8–9 variants × 3 allocators × 4 sizes.
pub fn default_matrix() -> Results {
    synthetic(&WORKLOADS, &["system", "jemalloc", "mimalloc"], &SIZES, 40)
}

/// How much longer a call takes at `threads` threads than at one, for a variant that allocates
/// (`allocs` > 0) under `allocator`: system's allocator contends most, mimalloc least.
fn contention(allocator: &str, allocs: bool, threads: u32) -> f64 {
    let extra = threads.saturating_sub(1) as f64;
    let per_thread = match (allocs, allocator) {
        (false, _) => 0.02,
        (true, "system") => 0.40,
        (true, "jemalloc") => 0.15,
        (true, _) => 0.08,
    };
    1.0 + per_thread * extra
}

/// `r` (one-thread cells, as [`synthetic`] makes them) measured again at each of `threads` at its
/// largest size, as a run with threads writes it: ids ending in `/{N}t`, wall-clock samples,
/// aggregate throughput, scaling against one thread and time relative to system (paired), the
/// threads' contention, a memory footprint for every cell, the negative control at every thread
/// count, and the environment's CPU set, allocator versions and variables.
pub fn with_threads(mut r: Results, threads: &[u32]) -> Results {
    r.environment.cpu_set = vec![0, 1];
    r.environment.allocator_versions = Some(AllocatorVersions {
        jemalloc: Some("5.3.0-synthetic".into()),
        mimalloc: Some("3.3.2".into()),
        glibc: Some("2.36".into()),
    });
    r.environment.allocator_env = [("MALLOC_ARENA_MAX".to_owned(), "2".to_owned())].into();
    r.config.clock = Some(Clock::Cpu);
    let largest = r.benchmarks.iter().map(|b| b.size_bytes).max().unwrap_or(0);
    r.config.threaded = Some(ThreadedPlan {
        threads: threads.iter().map(|t| u64::from(*t)).collect(),
        sizes: vec![largest],
    });
    let footprint = |b: &Benchmark, threads: u32, allocator: &str| -> Option<Footprint> {
        let live = b.peak_bytes? * u64::from(threads) + 128;
        let slack = match allocator {
            "system" => 1.5,
            "jemalloc" => 2.0,
            _ => 1.25,
        };
        let rss = (live as f64 * slack) as u64 / 4096 * 4096 + 4096;
        Some(Footprint {
            iters: 16,
            rss_growth_bytes: Some(rss),
            peak_live_bytes: Some(live),
            fragmentation: Some(rss as f64 / live as f64),
            allocator: Some(AllocatorHeld {
                source: format!("{allocator} resident"),
                before_bytes: 1 << 20,
                after_bytes: (1 << 20) + rss,
            }),
        })
    };
    // One thread: a footprint, and the paired ratio to system the engine records.
    let system_samples: HashMap<(String, String, String), Vec<f64>> = r
        .benchmarks
        .iter()
        .filter(|b| b.allocator == "system" && b.status == CellStatus::Ok)
        .map(|b| {
            (
                (b.workload.clone(), b.variant.clone(), b.size.clone()),
                b.samples_ns.clone(),
            )
        })
        .collect();
    for b in &mut r.benchmarks {
        if b.status != CellStatus::Ok {
            continue;
        }
        b.footprint = footprint(b, 1, &b.allocator.clone());
        if b.allocator != "system" {
            let key = (b.workload.clone(), b.variant.clone(), b.size.clone());
            b.time_vs_system = system_samples
                .get(&key)
                .and_then(|s| stats::paired_ratio(&b.samples_ns, s));
        }
    }
    // More threads, at the largest size: system's cells first, so the others pair with them.
    let mut rng = Rng::new(7);
    let mut base: Vec<Benchmark> = r
        .benchmarks
        .iter()
        .filter(|b| b.size_bytes == largest)
        .cloned()
        .collect();
    base.sort_by_key(|b| b.allocator != "system");
    for &n in threads.iter().filter(|n| **n > 1) {
        let mut system_at: HashMap<(String, String), Vec<f64>> = HashMap::new();
        let mut naive_at: HashMap<(String, String), Vec<f64>> = HashMap::new();
        let mut made = Vec::new();
        for one in &base {
            let mut b = one.clone().at_threads(n as usize);
            b.clock = Some(Clock::Wall);
            if b.status == CellStatus::Ok {
                let allocs = one.allocs_per_iter.unwrap_or(0.0) > 0.0;
                let f = contention(&one.allocator, allocs, n);
                let samples: Vec<f64> = one
                    .samples_ns
                    .iter()
                    .map(|s| s * f * (1.0 + 0.02 * rng.next_f64()))
                    .collect();
                b.median_ns = stats::median(&samples);
                b.mad_ns = stats::mad(&samples);
                b.ci95_ns = stats::bootstrap_median_ci(&samples, 200, 0.05, 1);
                let m = b.median_ns.unwrap();
                b.throughput_bytes_per_s = stats::throughput(b.size_bytes, m);
                b.aggregate_throughput_bytes_per_s =
                    stats::throughput(b.size_bytes * u64::from(n), m);
                b.scaling_vs_one_thread = stats::paired_ratio(&samples, &one.samples_ns);
                let key = (b.workload.clone(), b.variant.clone());
                if b.allocator == "system" {
                    system_at.insert(key.clone(), samples.clone());
                    b.time_vs_system = None;
                } else {
                    b.time_vs_system = system_at
                        .get(&key)
                        .and_then(|s| stats::paired_ratio(&samples, s));
                }
                let naive_key = (b.workload.clone(), b.allocator.clone());
                if b.kind == VariantKind::Naive {
                    naive_at.insert(naive_key.clone(), samples.clone());
                }
                b.speedup_vs_naive = naive_at
                    .get(&naive_key)
                    .and_then(|naive| stats::paired_ratio(naive, &samples));
                b.contention = Some(Contention {
                    cpu_per_call_ns: Some(m * 0.95),
                    system_per_call_ns: Some(m * 0.01),
                    cpu_utilisation: Some(0.95),
                    start_skew_ns: Some(m * 0.005),
                });
                b.footprint = footprint(one, n, &one.allocator);
                b.samples_ns = samples;
            }
            made.push(b);
        }
        for b in made {
            r.upsert(b);
        }
    }
    r.allocator_control = Some(summary::allocator_control(&r, summary::CONTROL_THRESHOLD));
    r.allocator_control_threaded = summary::allocator_controls(&r, summary::CONTROL_THRESHOLD)
        .into_iter()
        .filter(|c| c.threads > 1)
        .collect();
    r
}

/// A fresh, empty directory under the test target's temporary directory.
pub fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("perflab-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
