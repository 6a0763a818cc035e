//! Writes a large synthetic results file, to time the readers (`compare`, `report`, `merge`,
//! `export`) on files the size of a long history or a big shard merge.
//!
//! `cargo run --release -p perflab-harness --example big_results -- CELLS OUT [SLOWDOWN] [FIRST]`
//!
//! Cells look like a quick-preset run's (40 samples, speed-ups, allocation counts), spread over
//! workloads of 8 variants × 3 allocators × 4 sizes. `SLOWDOWN` (default 1.0) scales every time,
//! to make a head file for `compare`; `FIRST` (default 0) is the first workload's number, so two
//! files with different `FIRST`s are disjoint shards for `merge`.

use perflab_core::{Rng, VariantKind};
use perflab_harness::results::{Benchmark, CellStatus, Environment, Results, RunConfig};
use perflab_harness::stats;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cells), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: big_results CELLS OUT [SLOWDOWN] [FIRST]".into());
    };
    let cells: usize = cells.parse()?;
    let slowdown: f64 = args.get(2).map_or(Ok(1.0), |s| s.parse())?;
    let first: usize = args.get(3).map_or(Ok(0), |s| s.parse())?;
    let env = Environment {
        cpu_model: "Synthetic CPU".into(),
        cores: 2,
        os: "linux".into(),
        arch: "x86_64".into(),
        perflab_version: "0.1.0".into(),
        timer_precision_ns: 30.0,
        empty_loop_ns: 1.0,
        ..Environment::default()
    };
    let config = RunConfig {
        preset: perflab_harness::plan::Preset::Quick,
        measure: perflab_harness::plan::Measure::Time,
        allocators: vec!["system".into(), "jemalloc".into(), "mimalloc".into()],
        ..RunConfig::default()
    };
    let mut r = Results::new(env, config);
    let variants = [
        ("naive", VariantKind::Naive),
        ("optimized", VariantKind::Optimized),
        ("simd-sse2", VariantKind::Simd),
        ("simd-avx2", VariantKind::Simd),
        ("arena", VariantKind::Arena),
        ("reference", VariantKind::Reference),
        ("swar", VariantKind::Optimized),
        ("bytes", VariantKind::Optimized),
    ];
    let sizes = [
        ("4KiB", 4096u64),
        ("64KiB", 65536),
        ("1MiB", 1 << 20),
        ("16MiB", 1 << 24),
    ];
    let mut rng = Rng::new(1 + first as u64);
    let mut w = first;
    'outer: loop {
        let workload = format!("w{w}");
        for (size, bytes) in sizes {
            for alloc in ["system", "jemalloc", "mimalloc"] {
                let mut naive = Vec::new();
                for (vi, (variant, kind)) in variants.iter().enumerate() {
                    if r.benchmarks.len() == cells {
                        break 'outer;
                    }
                    let mut b = Benchmark::empty(&workload, variant, *kind, alloc, size, bytes);
                    if vi == 7 && w.is_multiple_of(5) {
                        b.error = Some("this CPU lacks avx512bw".into());
                        b.status = CellStatus::Unsupported;
                        r.benchmarks.push(b);
                        continue;
                    }
                    let center = slowdown * (50.0 + bytes as f64 * 0.2 / (1.0 + vi as f64));
                    let samples: Vec<f64> = (0..40)
                        .map(|_| center * (1.0 + 0.04 * rng.next_f64()))
                        .collect();
                    if vi == 0 {
                        naive = samples.clone();
                    }
                    fill(&mut b, samples, &naive, vi);
                    r.benchmarks.push(b);
                }
            }
        }
        w += 1;
    }
    r.write_atomic(std::path::Path::new(out))?;
    eprintln!("{} cells → {out}", r.benchmarks.len());
    Ok(())
}

/// Makes `b` an `ok` cell of `samples` (variant number `vi`), with a speed-up against `naive`'s.
fn fill(b: &mut Benchmark, samples: Vec<f64>, naive: &[f64], vi: usize) {
    b.status = CellStatus::Ok;
    b.time.median_ns = stats::median(&samples);
    b.time.mad_ns = stats::mad(&samples);
    b.time.ci95_ns = b.time.median_ns.map(|m| [m * 0.99, m * 1.01]);
    b.time.throughput_bytes_per_s = b
        .time
        .median_ns
        .and_then(|m| stats::throughput(b.name.size_bytes, m));
    b.paired.speedup_vs_naive = stats::paired_ratio(naive, &samples);
    b.time.iters_per_sample = 10;
    b.alloc.allocs_per_iter = Some((vi % 3) as f64);
    b.alloc.reallocs_per_iter = Some(0.0);
    b.alloc.bytes_allocated_per_iter = Some(48.0 * (vi % 3) as f64);
    b.alloc.peak_bytes = Some(1024);
    b.outliers = Some(stats::outliers(&samples));
    b.time.samples_ns = samples;
}
