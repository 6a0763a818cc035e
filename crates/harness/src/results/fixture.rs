//! Synthetic results for tests: one builder, so that every test that needs a results document
//! (the results file's own tests, compare, summary, export, the report's pages) builds it the
//! same way, with measured-looking numbers computed by the same statistics a run uses.
//!
//! Compiled for this crate's tests and, behind the `fixture` feature, for other crates' tests
//! (they enable it in their dev-dependencies); never part of a build that measures.

use super::{
    AllocatorControl, AllocatorHeld, AllocatorVersions, Benchmark, CellStatus, Contention,
    Environment, Footprint, Results, RunConfig, ThreadedPlan,
};
use crate::clock::Clock;
use crate::stats::{self, Estimate, Outliers};
use crate::summary;
use perflab_core::{Rng, VariantKind};
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

/// `n` times around `center`, each `center × (1 + spread × (u − ½))` for a uniform `u` drawn
/// from `seed`: samples whose median is `center` within `spread / 2`.
pub fn noisy(center: f64, n: usize, spread: f64, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| center * (1.0 + spread * (rng.next_f64() - 0.5)))
        .collect()
}

/// The cell `w/v/system/4KiB` (naive, `size_bytes` bytes), `ok` with `samples` and their median:
/// the least a comparison needs.
pub fn timed(samples: &[f64], size_bytes: u64) -> Benchmark {
    let mut b = Benchmark::empty("w", "v", VariantKind::Naive, "system", "4KiB", size_bytes);
    b.status = CellStatus::Ok;
    b.time.samples_ns = samples.to_vec();
    b.time.median_ns = stats::median(samples);
    b
}

/// The document this version writes for a run of nothing, on a machine of defaults.
pub fn empty() -> Results {
    Results::new(Environment::default(), RunConfig::default())
}

/// An environment that looks measured (its CPU is called synthetic), as files from before
/// threads recorded it: no CPU set, allocator versions or allocator variables.
fn environment() -> Environment {
    Environment {
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
        ..Environment::default()
    }
}

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

/// Makes `b` an `ok` cell of `samples`: their median, deviation, bootstrap interval, throughput
/// and outliers, as a run computes them.
fn measure(b: &mut Benchmark, samples: Vec<f64>) {
    b.status = CellStatus::Ok;
    let t = &mut b.time;
    t.median_ns = stats::median(&samples);
    t.mad_ns = stats::mad(&samples);
    t.ci95_ns = stats::bootstrap_median_ci(&samples, 200, 0.05, 1);
    t.throughput_bytes_per_s = t
        .median_ns
        .and_then(|m| stats::throughput(b.name.size_bytes, m));
    b.outliers = Some(stats::outliers(&samples));
    t.samples_ns = samples;
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
    let config = RunConfig {
        preset: crate::plan::Preset::Ci,
        measure: crate::plan::Measure::Time,
        allocators: allocators.iter().map(|a| a.to_string()).collect(),
        sizes: sizes.iter().map(|s| s.1).collect(),
        seed: 7,
        sample_target_ns: 500_000,
        warmup_ns: 20_000_000,
        min_samples: 7,
        max_samples: 40,
        ..RunConfig::default()
    };
    let mut r = Results::new(environment(), config);
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
                            b.paired.speedup_vs_naive =
                                stats::paired_ratio(&naive_samples, &samples);
                            b.time.iters_per_sample = 1 + (100_000.0 / center) as u64;
                            let a = &mut b.alloc;
                            a.allocs_per_iter = Some(spec.allocs);
                            a.reallocs_per_iter = Some(0.0);
                            a.bytes_allocated_per_iter = Some(spec.allocs * 48.5);
                            a.peak_bytes = Some(
                                (spec.allocs * 64.0) as u64
                                    + bytes / 100 * (spec.allocs > 0.0) as u64,
                            );
                            a.arena_bytes =
                                (spec.kind == VariantKind::Arena).then_some(bytes / 2 + 512);
                            measure(&mut b, samples);
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

/// The footprint of cell `b` run at `threads` threads under `allocator`: each allocator takes
/// its own slack over the live bytes.
fn footprint(b: &Benchmark, threads: u32, allocator: &str) -> Option<Footprint> {
    let live = b.alloc.peak_bytes? * u64::from(threads) + 128;
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
    let largest = r
        .benchmarks
        .iter()
        .map(|b| b.name.size_bytes)
        .max()
        .unwrap_or(0);
    r.config.threaded = Some(ThreadedPlan {
        threads: threads.iter().map(|t| u64::from(*t)).collect(),
        sizes: vec![largest],
    });
    // One thread: a footprint, and the paired ratio to system the engine records.
    let system_samples: HashMap<(String, String, String), Vec<f64>> = r
        .benchmarks
        .iter()
        .filter(|b| b.name.allocator == "system" && b.status == CellStatus::Ok)
        .map(|b| {
            let n = &b.name;
            let key = (n.workload.clone(), n.variant.clone(), n.size.clone());
            (key, b.time.samples_ns.clone())
        })
        .collect();
    for b in &mut r.benchmarks {
        if b.status != CellStatus::Ok {
            continue;
        }
        b.footprint = footprint(b, 1, &b.name.allocator.clone());
        if b.name.allocator != "system" {
            let n = &b.name;
            let key = (n.workload.clone(), n.variant.clone(), n.size.clone());
            b.paired.time_vs_system = system_samples
                .get(&key)
                .and_then(|s| stats::paired_ratio(&b.time.samples_ns, s));
        }
    }
    // More threads, at the largest size: system's cells first, so the others pair with them.
    let mut rng = Rng::new(7);
    let mut base: Vec<Benchmark> = r
        .benchmarks
        .iter()
        .filter(|b| b.name.size_bytes == largest)
        .cloned()
        .collect();
    base.sort_by_key(|b| b.name.allocator != "system");
    for &n in threads.iter().filter(|n| **n > 1) {
        let mut system_at: HashMap<(String, String), Vec<f64>> = HashMap::new();
        let mut naive_at: HashMap<(String, String), Vec<f64>> = HashMap::new();
        let mut made = Vec::new();
        for one in &base {
            let mut b = one.clone().at_threads(n as usize);
            b.clock = Some(Clock::Wall);
            if b.status == CellStatus::Ok {
                let allocs = one.alloc.allocs_per_iter.unwrap_or(0.0) > 0.0;
                let f = contention(&one.name.allocator, allocs, n);
                let samples: Vec<f64> = one
                    .time
                    .samples_ns
                    .iter()
                    .map(|s| s * f * (1.0 + 0.02 * rng.next_f64()))
                    .collect();
                b.time.median_ns = stats::median(&samples);
                b.time.mad_ns = stats::mad(&samples);
                b.time.ci95_ns = stats::bootstrap_median_ci(&samples, 200, 0.05, 1);
                let m = b.time.median_ns.unwrap();
                b.time.throughput_bytes_per_s = stats::throughput(b.name.size_bytes, m);
                b.threaded.aggregate_throughput_bytes_per_s =
                    stats::throughput(b.name.size_bytes * u64::from(n), m);
                b.threaded.scaling_vs_one_thread =
                    stats::paired_ratio(&samples, &one.time.samples_ns);
                let key = (b.name.workload.clone(), b.name.variant.clone());
                if b.name.allocator == "system" {
                    system_at.insert(key.clone(), samples.clone());
                    b.paired.time_vs_system = None;
                } else {
                    b.paired.time_vs_system = system_at
                        .get(&key)
                        .and_then(|s| stats::paired_ratio(&samples, s));
                }
                let naive_key = (b.name.workload.clone(), b.name.allocator.clone());
                if b.name.kind == VariantKind::Naive {
                    naive_at.insert(naive_key.clone(), samples.clone());
                }
                b.paired.speedup_vs_naive = naive_at
                    .get(&naive_key)
                    .and_then(|naive| stats::paired_ratio(naive, &samples));
                b.threaded.contention = Some(Contention {
                    cpu_per_call_ns: Some(m * 0.95),
                    system_per_call_ns: Some(m * 0.01),
                    cpu_utilisation: Some(0.95),
                    start_skew_ns: Some(m * 0.005),
                });
                b.footprint = footprint(one, n, &one.name.allocator);
                b.time.samples_ns = samples;
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

/// One `ok` cell, `search/naive/system/4KiB`, with two samples and nothing else: what the
/// fewest fields a measured cell can have look like in a file.
pub fn sparse() -> Results {
    let mut r = empty();
    let mut b = Benchmark::empty(
        "search",
        "naive",
        VariantKind::Naive,
        "system",
        "4KiB",
        4096,
    );
    b.status = CellStatus::Ok;
    b.time.samples_ns = vec![1.0, 2.0];
    r.upsert(b);
    r
}

/// A results document with every optional field set, as an A/B run merged from machines of
/// two environments could write it: a cell at one thread and the same at two threads.
pub fn filled() -> Results {
    let env = Environment {
        cpu_model: "Example CPU @ 3.0GHz".into(),
        simd_features: vec!["sse2".into(), "avx2".into()],
        cores: 4,
        os: "linux 6.1.0".into(),
        arch: "x86_64".into(),
        rustc: Some("rustc 1.89.0".into()),
        git_commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        perflab_version: "0.1.0".into(),
        timer_precision_ns: 20.0,
        empty_loop_ns: 0.8,
        cpu_set: vec![0, 1, 2, 3],
        allocator_versions: Some(AllocatorVersions {
            jemalloc: Some("5.3.0".into()),
            mimalloc: Some("2.1.7".into()),
            glibc: Some("2.36".into()),
        }),
        allocator_env: [("MALLOC_ARENA_MAX".to_owned(), "2".to_owned())].into(),
    };
    let config = RunConfig {
        preset: crate::plan::Preset::Ci,
        measure: crate::plan::Measure::Time,
        workloads: vec!["search".into()],
        variants: vec!["naive".into(), "simd".into()],
        kinds: vec![VariantKind::Naive, VariantKind::Simd],
        allocators: vec!["system".into(), "jemalloc".into()],
        sizes: vec![4096],
        input: Some("input.bin".into()),
        seed: 7,
        shard: Some(crate::plan::Shard { index: 1, count: 2 }),
        budget_s: Some(60.0),
        sample_target_ns: 5_000_000,
        warmup_ns: 100_000_000,
        min_samples: 10,
        max_samples: 100,
        paired: Some("run-1".into()),
        pinned_cpus: vec![0, 1],
        clock: Some(Clock::Cpu),
        processes: Some(3),
        layout_seed: Some(42),
        threads: vec![2, 4],
        threaded: Some(ThreadedPlan {
            threads: vec![2],
            sizes: vec![65536],
        }),
    };
    let mut r = Results::new(env.clone(), config);
    let e = Estimate {
        median: 1.02,
        ci95: [1.01, 1.03],
    };
    let mut b = Benchmark::empty(
        "search",
        "simd",
        VariantKind::Simd,
        "jemalloc",
        "4KiB",
        4096,
    );
    b.status = CellStatus::Ok;
    b.error = Some("none, but the field is there".into());
    b.time = super::Timing {
        samples_ns: vec![100.0, 101.0, 99.0, 100.5, 100.2, 99.8],
        iters_per_sample: 1000,
        median_ns: Some(100.1),
        mad_ns: Some(0.3),
        ci95_ns: Some([99.5, 100.6]),
        throughput_bytes_per_s: Some(4.09e10),
    };
    b.alloc = super::AllocationCounts {
        allocs_per_iter: Some(0.0),
        reallocs_per_iter: Some(0.0),
        bytes_allocated_per_iter: Some(0.0),
        peak_bytes: Some(0),
        arena_bytes: Some(128),
    };
    b.instructions = Some(1234.0);
    b.paired = super::PairedRatios {
        speedup_vs_naive: Some(Estimate {
            median: 8.0,
            ci95: [7.5, 8.5],
        }),
        time_vs_system: Some(e),
    };
    b.process_medians_ns = vec![100.0, 100.2, 100.1];
    b.outliers = Some(Outliers {
        low_severe: 0,
        low_mild: 1,
        high_mild: 2,
        high_severe: 0,
    });
    b.ab = super::AbRatios {
        vs_base: Some(e),
        vs_base_other: Some(e),
    };
    b.environment = Some(1);
    b.footprint = Some(Footprint {
        iters: 16,
        rss_growth_bytes: Some(8192),
        peak_live_bytes: Some(4096),
        fragmentation: Some(2.0),
        allocator: Some(AllocatorHeld {
            source: "jemalloc stats.resident".into(),
            before_bytes: 1 << 20,
            after_bytes: 2 << 20,
        }),
    });
    let mut threaded = b.clone().at_threads(2);
    threaded.clock = Some(Clock::Wall);
    threaded.threaded = super::Threaded {
        aggregate_throughput_bytes_per_s: Some(8.0e10),
        scaling_vs_one_thread: Some(e),
        contention: Some(Contention {
            cpu_per_call_ns: Some(95.0),
            system_per_call_ns: Some(1.5),
            cpu_utilisation: Some(0.95),
            start_skew_ns: Some(600.0),
        }),
    };
    r.upsert(b);
    r.upsert(threaded);
    r.allocator_control = Some(AllocatorControl {
        threads: 1,
        cells: 1,
        beyond: 0,
        threshold: 0.03,
        ids: vec!["search/simd/jemalloc/4KiB".into()],
    });
    r.allocator_control_threaded = vec![AllocatorControl {
        threads: 2,
        cells: 1,
        beyond: 1,
        threshold: 0.03,
        ids: vec!["search/simd/jemalloc/4KiB/2t".into()],
    }];
    r.environments = vec![
        env.clone(),
        Environment {
            cpu_model: "Another CPU".into(),
            ..env
        },
    ];
    r
}
