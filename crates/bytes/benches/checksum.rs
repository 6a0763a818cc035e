//! Criterion benchmarks for every `checksum` variant at 64 KiB (cache-resident) and 16 MiB
//! (memory-bound), driven through the registry's timed loop so that each variant is measured by
//! the same statically dispatched code the perflab harness uses.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use perflab_core::{Ctx, InputSource, Registry, format_size};
use std::time::Instant;

fn checksum(c: &mut Criterion) {
    let mut registry = Registry::new();
    registry.add(perflab_bytes::checksum::family());
    let workload = registry.get("checksum").expect("registered above");
    for size in [64 << 10, 16 << 20] {
        let input = workload
            .prepare(&InputSource::generated(size))
            .expect("generated input");
        let mut group = c.benchmark_group(format!("checksum/{}", format_size(size)));
        group.throughput(Throughput::Bytes(input.bytes()));
        if size > 1 << 20 {
            group.sample_size(20);
        }
        for (index, variant) in workload.variants().into_iter().enumerate() {
            if !variant.supported {
                continue;
            }
            let mut ctx = Ctx::new();
            // A wrong answer must fail the bench, not produce a number.
            let (output, matches) = input.check(index, &mut ctx);
            assert!(matches, "{} disagrees with naive: {output}", variant.name);
            group.bench_function(BenchmarkId::from_parameter(variant.name), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    input.run_iters(index, iters, &mut ctx);
                    start.elapsed()
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, checksum);
criterion_main!(benches);
