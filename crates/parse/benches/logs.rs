//! Criterion bench of every `logs` variant at 64 KiB and 1 MiB, through the registry's erased
//! timed loop so that new variants are measured without editing this file. After criterion's
//! numbers it prints each variant's speed-up over naive measured *interleaved* (naive, variant,
//! naive, variant, …), so the drift of a shared, noisy machine cancels in the ratio.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use perflab_core::{Ctx, InputSource, PreparedInput, Registry, format_size};
use std::time::{Duration, Instant};

const WORKLOAD: &str = "logs";
const SIZES: [usize; 2] = [64 << 10, 1 << 20];

fn bench(c: &mut Criterion) {
    let mut registry = Registry::new();
    perflab_parse::register(&mut registry);
    let Some(workload) = registry.get(WORKLOAD) else {
        return;
    };
    let mut group = c.benchmark_group(WORKLOAD);
    let mut ratios = Vec::new();
    for size in SIZES {
        let Ok(input) = workload.prepare(&InputSource::generated(size)) else {
            continue;
        };
        group.throughput(Throughput::Bytes(input.bytes()));
        for (i, v) in workload.variants().iter().enumerate() {
            if !v.supported {
                continue;
            }
            let mut ctx = Ctx::new();
            let (_, ok) = input.check(i, &mut ctx);
            assert!(ok, "{} disagrees with naive", v.name);
            let id = BenchmarkId::new(v.name, format_size(size));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| timed(input.as_ref(), i, iters, &mut ctx))
            });
            if i > 0 {
                let r = interleaved_speedup(input.as_ref(), i);
                ratios.push(format!(
                    "{WORKLOAD}/{}/{}: {r:.2}x naive",
                    v.name,
                    format_size(size)
                ));
            }
        }
    }
    group.finish();
    println!("speed-up over naive, interleaved, median of 15 rounds:");
    for r in ratios {
        println!("  {r}");
    }
}

fn timed(input: &dyn PreparedInput, variant: usize, iters: u64, ctx: &mut Ctx) -> Duration {
    let start = Instant::now();
    input.run_iters(variant, iters, ctx);
    start.elapsed()
}

/// The median over 15 rounds of (naive time / variant time), each round timing naive and then
/// the variant for about 20 ms each.
fn interleaved_speedup(input: &dyn PreparedInput, variant: usize) -> f64 {
    let mut ctx = Ctx::new();
    let once = timed(input, 0, 1, &mut ctx).max(Duration::from_nanos(1));
    let iters = (Duration::from_millis(20).as_nanos() / once.as_nanos()).max(1) as u64;
    let mut ratios: Vec<f64> = (0..15)
        .map(|_| {
            let naive = timed(input, 0, iters, &mut ctx);
            let other = timed(input, variant, iters, &mut ctx).max(Duration::from_nanos(1));
            naive.as_secs_f64() / other.as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

criterion_group!(benches, bench);
criterion_main!(benches);
