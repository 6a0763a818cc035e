//! Export to Bencher Metric Format (BMF), so results feed bencher.dev, which keeps history,
//! thresholds and dashboards across machines and months — things perflab deliberately does not
//! grow itself.

use crate::results::{CellStatus, Results};
use serde_json::{Map, Value, json};

/// The BMF document for the measured (`ok`) cells: one entry per cell id with `latency` (ns,
/// median with the 95% CI as lower/upper), `throughput` (bytes/s), `allocations` (per iteration)
/// and `instructions` when measured. Failed and unsupported cells have no metric to export.
pub fn to_bmf(results: &Results) -> Value {
    let mut doc = Map::new();
    for b in results
        .benchmarks
        .iter()
        .filter(|b| b.status == CellStatus::Ok)
    {
        let mut metrics = Map::new();
        if let Some(m) = b.median_ns {
            let [lo, hi] = b.ci95_ns.unwrap_or([m, m]);
            metrics.insert(
                "latency".into(),
                json!({"value": m, "lower_value": lo, "upper_value": hi}),
            );
            if let (Some(t), true) = (b.throughput_bytes_per_s, hi > 0.0 && lo > 0.0) {
                let bytes = b.size_bytes as f64 * 1e9;
                metrics.insert(
                    "throughput".into(),
                    json!({"value": t, "lower_value": bytes / hi, "upper_value": bytes / lo}),
                );
            }
        }
        if let Some(a) = b.allocs_per_iter {
            metrics.insert("allocations".into(), json!({"value": a}));
        }
        if let Some(i) = b.instructions {
            metrics.insert("instructions".into(), json!({"value": i}));
        }
        if !metrics.is_empty() {
            doc.insert(b.id.clone(), Value::Object(metrics));
        }
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Benchmark, Environment, RunConfig};
    use perflab_core::VariantKind;

    #[test]
    fn exports_ok_cells_only() {
        let mut r = Results::new(Environment::default(), RunConfig::default());
        let mut ok = Benchmark::empty(
            "search",
            "naive",
            VariantKind::Naive,
            "system",
            "4KiB",
            4096,
        );
        ok.status = CellStatus::Ok;
        ok.median_ns = Some(1000.0);
        ok.ci95_ns = Some([900.0, 1100.0]);
        ok.throughput_bytes_per_s = Some(4.096e9);
        ok.allocs_per_iter = Some(0.0);
        r.upsert(ok);
        r.upsert(Benchmark::empty(
            "search",
            "simd",
            VariantKind::Simd,
            "system",
            "4KiB",
            4096,
        ));
        let bmf = to_bmf(&r);
        let cell = &bmf["search/naive/system/4KiB"];
        assert_eq!(cell["latency"]["value"], 1000.0);
        assert_eq!(cell["latency"]["lower_value"], 900.0);
        assert_eq!(cell["allocations"]["value"], 0.0);
        let t = cell["throughput"]["lower_value"].as_f64().unwrap();
        assert!((t - 4096e9 / 1100.0).abs() < 1.0);
        assert!(bmf.get("search/simd/system/4KiB").is_none());
    }
}
