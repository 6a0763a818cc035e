//! Criterion bench of every `logs` variant at 64 KiB and 1 MiB, through the registry's erased
//! timed loop so that new variants are measured without editing this file.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use perflab_core::{Ctx, InputSource, Registry};

fn bench(c: &mut Criterion) {
    let mut registry = Registry::new();
    perflab_parse::register(&mut registry);
    let Some(workload) = registry.get("logs") else {
        return;
    };
    let mut group = c.benchmark_group("logs");
    for size in [64 << 10, 1 << 20] {
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
            let id = BenchmarkId::new(v.name, perflab_core::format_size(size));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let start = std::time::Instant::now();
                    input.run_iters(i, iters, &mut ctx);
                    start.elapsed()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
