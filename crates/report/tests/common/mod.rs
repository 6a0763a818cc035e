//! Synthetic results files for the report's tests: deterministic, with every kind of cell.
#![allow(dead_code)]

use perflab_core::{Rng, VariantKind};
use perflab_harness::results::{Benchmark, CellStatus, Environment, Results, RunConfig};
use perflab_harness::stats;

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
    };
    let config = RunConfig {
        preset: "ci".into(),
        measure: "time".into(),
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

/// A fresh, empty directory under the test target's temporary directory.
pub fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("perflab-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
