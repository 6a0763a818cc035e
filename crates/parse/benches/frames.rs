//! Criterion benchmarks of every `frames` variant at 64 KiB, 1 MiB and 16 MiB.
//!
//! Each variant runs through the registry's `PreparedInput::run_iters`, the same statically
//! dispatched loop (with `black_box` on input and output, and the arena reset after each arena
//! run) that the perflab harness times, so these numbers and the harness's agree. Every variant's
//! output is checked against naive's before it is measured.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use perflab_core::{Ctx, InputSource, Registry};
use std::time::Instant;

fn frames(c: &mut Criterion) {
    let mut registry = Registry::new();
    registry.add(perflab_parse::frames::family());
    let workload = registry.get("frames").expect("frames is registered");
    for size in [64 << 10, 1 << 20, 16 << 20] {
        let input = workload
            .prepare(&InputSource::generated(size))
            .expect("generated input");
        let mut group = c.benchmark_group(format!("frames/{}", perflab_core::format_size(size)));
        group.throughput(Throughput::Bytes(input.bytes()));
        if size >= 16 << 20 {
            group.sample_size(20);
        }
        let mut ctx = Ctx::new();
        for (index, variant) in workload.variants().into_iter().enumerate() {
            if !variant.supported {
                continue;
            }
            let (output, matches) = input.check(index, &mut ctx);
            assert!(matches, "{} disagrees with naive: {output}", variant.name);
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

criterion_group!(benches, frames);
criterion_main!(benches);
