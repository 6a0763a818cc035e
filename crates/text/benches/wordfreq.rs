//! Criterion bench for every `wordfreq` variant at 64KiB, 1MiB and 16MiB.
//!
//! Variants come from `family()` through the registry, so a new kernel is benchmarked without
//! edits; each is timed with `PreparedInput::run_iters`, the harness's own statically dispatched
//! loop (with `black_box` on input and output), after its output has been checked against naive.

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use perflab_core::{Ctx, DEFAULT_SEED, InputSource, Registry, format_size};
use std::time::Instant;

fn bench(c: &mut Criterion) {
    let mut registry = Registry::new();
    registry.add(perflab_text::wordfreq::family());
    let workload = &registry.workloads()[0];
    for size in [64 << 10, 1 << 20, 16 << 20] {
        let input = workload
            .prepare(&InputSource::Generated {
                size,
                seed: DEFAULT_SEED,
            })
            .expect("generated input");
        let mut group = c.benchmark_group(format!("wordfreq/{}", format_size(size)));
        group.throughput(Throughput::Bytes(input.bytes()));
        if size >= 16 << 20 {
            group.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        for (index, variant) in workload.variants().into_iter().enumerate() {
            if !variant.supported {
                continue;
            }
            let mut ctx = Ctx::new();
            let (_, matches) = input.check(index, &mut ctx);
            assert!(matches, "{} disagrees with naive", variant.name);
            group.bench_function(BenchmarkId::from_parameter(variant.name), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    input.run_iters(index, iters, &mut ctx);
                    start.elapsed()
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
