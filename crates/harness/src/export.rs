//! Results in the formats other tools read: one flat row per cell for spreadsheets, pandas and
//! jq (CSV, JSON), and Bencher Metric Format (BMF), so results feed bencher.dev, which keeps
//! history, thresholds and dashboards across machines and months — things perflab deliberately
//! does not grow itself.

use crate::results::{Benchmark, CellStatus, Results};
use crate::stats::Estimate;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// One cell as a flat row: what a spreadsheet user expects, with the unit in every column's
/// name (`_ns`, `_bytes`, `_bytes_per_s`, `_per_iter`; `_ratio` for the paired ratios). Every
/// cell is a row, failed and unsupported ones too (their numbers empty, `error` saying why),
/// so a row count is the cell count. The field names are the CSV header and the JSON keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellRow {
    /// `workload/variant/allocator/size`.
    pub id: String,
    /// Workload name.
    pub workload: String,
    /// Variant name.
    pub variant: String,
    /// `naive`, `optimized`, `simd`, `arena` or `reference`.
    pub kind: String,
    /// Global allocator.
    pub allocator: String,
    /// Size label (`64KiB`, or `file`).
    pub size: String,
    /// Bytes processed per iteration.
    pub size_bytes: u64,
    /// Threads that ran the variant at once.
    pub threads: u32,
    /// `ok`, `failed` or `unsupported`.
    pub status: String,
    /// The clock of the times when it is not the run's (`wall` above one thread).
    pub clock: Option<String>,
    /// Median time per iteration.
    pub median_ns: Option<f64>,
    /// Low end of the median's 95% interval.
    pub ci95_low_ns: Option<f64>,
    /// High end of the median's 95% interval.
    pub ci95_high_ns: Option<f64>,
    /// Median absolute deviation of the samples.
    pub mad_ns: Option<f64>,
    /// `size_bytes` per median time.
    pub throughput_bytes_per_s: Option<f64>,
    /// Naive's time / this time, paired within rounds.
    pub speedup_vs_naive_ratio: Option<f64>,
    /// Low end of its 95% interval.
    pub speedup_ci95_low_ratio: Option<f64>,
    /// High end of its 95% interval.
    pub speedup_ci95_high_ratio: Option<f64>,
    /// This time / the same cell's time under `system`, paired within rounds.
    pub time_vs_system_ratio: Option<f64>,
    /// Low end of its 95% interval.
    pub time_vs_system_ci95_low_ratio: Option<f64>,
    /// High end of its 95% interval.
    pub time_vs_system_ci95_high_ratio: Option<f64>,
    /// A/B runs: this build's time / the base build's.
    pub vs_base_ratio: Option<f64>,
    /// Low end of its 95% interval.
    pub vs_base_ci95_low_ratio: Option<f64>,
    /// High end of its 95% interval.
    pub vs_base_ci95_high_ratio: Option<f64>,
    /// Above one thread: `threads × size_bytes` per median time.
    pub aggregate_throughput_bytes_per_s: Option<f64>,
    /// Above one thread: time per call ÷ time per call at one thread, paired within rounds.
    pub scaling_vs_one_thread_ratio: Option<f64>,
    /// Low end of its 95% interval.
    pub scaling_ci95_low_ratio: Option<f64>,
    /// High end of its 95% interval.
    pub scaling_ci95_high_ratio: Option<f64>,
    /// Above one thread: the threads' median CPU time per call.
    pub cpu_per_call_ns: Option<f64>,
    /// Above one thread: the process's system CPU time per call and thread.
    pub system_per_call_ns: Option<f64>,
    /// Above one thread: CPU time ÷ wall time.
    pub cpu_utilisation_ratio: Option<f64>,
    /// Allocations per iteration.
    pub allocs_per_iter: Option<f64>,
    /// Reallocations per iteration.
    pub reallocs_per_iter: Option<f64>,
    /// Bytes requested from the allocator per iteration.
    pub bytes_allocated_per_iter: Option<f64>,
    /// Peak live heap bytes during a sample.
    pub peak_bytes: Option<u64>,
    /// Bytes the arena held at its fullest.
    pub arena_bytes: Option<u64>,
    /// Footprint: peak resident-set growth of running the cell.
    pub rss_growth_bytes: Option<u64>,
    /// Footprint: peak live heap bytes in the same pass.
    pub footprint_peak_live_bytes: Option<u64>,
    /// Footprint: `rss_growth_bytes ÷ footprint_peak_live_bytes`.
    pub fragmentation_ratio: Option<f64>,
    /// Instructions per iteration (`--measure instructions`).
    pub instructions_per_iter: Option<f64>,
    /// Samples taken (over all processes).
    pub samples: usize,
    /// Iterations timed together in one sample.
    pub iters_per_sample: u64,
    /// Independent processes that measured the cell.
    pub processes: usize,
    /// Why the cell failed or is unsupported.
    pub error: Option<String>,
}

impl CellRow {
    /// The row of one cell.
    pub fn of(b: &Benchmark) -> CellRow {
        let split = |e: Option<Estimate>| match e {
            Some(e) => (Some(e.median), Some(e.ci95[0]), Some(e.ci95[1])),
            None => (None, None, None),
        };
        let (speedup, speedup_lo, speedup_hi) = split(b.paired.speedup_vs_naive);
        let (vs_sys, vs_sys_lo, vs_sys_hi) = split(b.paired.time_vs_system);
        let (vs_base, vs_base_lo, vs_base_hi) = split(b.ab.vs_base);
        let (scaling, scaling_lo, scaling_hi) = split(b.threaded.scaling_vs_one_thread);
        let contention = b.threaded.contention.as_ref();
        let footprint = b.footprint.as_ref();
        CellRow {
            id: b.name.id.clone(),
            workload: b.name.workload.clone(),
            variant: b.name.variant.clone(),
            kind: b.name.kind.as_str().to_owned(),
            allocator: b.name.allocator.clone(),
            size: b.name.size.clone(),
            size_bytes: b.name.size_bytes,
            threads: b.threads,
            status: match b.status {
                CellStatus::Ok => "ok",
                CellStatus::Failed => "failed",
                CellStatus::Unsupported => "unsupported",
            }
            .to_owned(),
            clock: b.clock.map(|c| c.as_str().to_owned()),
            median_ns: b.time.median_ns,
            ci95_low_ns: b.time.ci95_ns.map(|c| c[0]),
            ci95_high_ns: b.time.ci95_ns.map(|c| c[1]),
            mad_ns: b.time.mad_ns,
            throughput_bytes_per_s: b.time.throughput_bytes_per_s,
            speedup_vs_naive_ratio: speedup,
            speedup_ci95_low_ratio: speedup_lo,
            speedup_ci95_high_ratio: speedup_hi,
            time_vs_system_ratio: vs_sys,
            time_vs_system_ci95_low_ratio: vs_sys_lo,
            time_vs_system_ci95_high_ratio: vs_sys_hi,
            vs_base_ratio: vs_base,
            vs_base_ci95_low_ratio: vs_base_lo,
            vs_base_ci95_high_ratio: vs_base_hi,
            aggregate_throughput_bytes_per_s: b.threaded.aggregate_throughput_bytes_per_s,
            scaling_vs_one_thread_ratio: scaling,
            scaling_ci95_low_ratio: scaling_lo,
            scaling_ci95_high_ratio: scaling_hi,
            cpu_per_call_ns: contention.and_then(|c| c.cpu_per_call_ns),
            system_per_call_ns: contention.and_then(|c| c.system_per_call_ns),
            cpu_utilisation_ratio: contention.and_then(|c| c.cpu_utilisation),
            allocs_per_iter: b.alloc.allocs_per_iter,
            reallocs_per_iter: b.alloc.reallocs_per_iter,
            bytes_allocated_per_iter: b.alloc.bytes_allocated_per_iter,
            peak_bytes: b.alloc.peak_bytes,
            arena_bytes: b.alloc.arena_bytes,
            rss_growth_bytes: footprint.and_then(|f| f.rss_growth_bytes),
            footprint_peak_live_bytes: footprint.and_then(|f| f.peak_live_bytes),
            fragmentation_ratio: footprint.and_then(|f| f.fragmentation),
            instructions_per_iter: b.instructions,
            samples: b.time.samples_ns.len(),
            iters_per_sample: b.time.iters_per_sample,
            processes: b
                .process_medians_ns
                .len()
                .max(usize::from(!b.time.samples_ns.is_empty())),
            error: b.error.clone(),
        }
    }
}

/// Every cell's row, in the results' order.
pub fn rows(results: &Results) -> Vec<CellRow> {
    results.benchmarks.iter().map(CellRow::of).collect()
}

/// The rows as CSV (RFC 4180: a header line, then one line per cell; empty fields for missing
/// numbers; fields with commas, quotes or line breaks quoted by the `csv` crate).
///
/// # Errors
/// Only if serialising a row fails, which these plain types do not.
pub fn to_csv(results: &Results) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows(results) {
        w.serialize(row)?;
    }
    if results.benchmarks.is_empty() {
        // No row to take the header from: an empty file would have no columns at all.
        w.write_record(HEADER)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

/// The column names, in order (the header of [`to_csv`]).
pub const HEADER: [&str; 44] = [
    "id",
    "workload",
    "variant",
    "kind",
    "allocator",
    "size",
    "size_bytes",
    "threads",
    "status",
    "clock",
    "median_ns",
    "ci95_low_ns",
    "ci95_high_ns",
    "mad_ns",
    "throughput_bytes_per_s",
    "speedup_vs_naive_ratio",
    "speedup_ci95_low_ratio",
    "speedup_ci95_high_ratio",
    "time_vs_system_ratio",
    "time_vs_system_ci95_low_ratio",
    "time_vs_system_ci95_high_ratio",
    "vs_base_ratio",
    "vs_base_ci95_low_ratio",
    "vs_base_ci95_high_ratio",
    "aggregate_throughput_bytes_per_s",
    "scaling_vs_one_thread_ratio",
    "scaling_ci95_low_ratio",
    "scaling_ci95_high_ratio",
    "cpu_per_call_ns",
    "system_per_call_ns",
    "cpu_utilisation_ratio",
    "allocs_per_iter",
    "reallocs_per_iter",
    "bytes_allocated_per_iter",
    "peak_bytes",
    "arena_bytes",
    "rss_growth_bytes",
    "footprint_peak_live_bytes",
    "fragmentation_ratio",
    "instructions_per_iter",
    "samples",
    "iters_per_sample",
    "processes",
    "error",
];

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
        if let Some(m) = b.time.median_ns {
            let [lo, hi] = b.time.ci95_ns.unwrap_or([m, m]);
            metrics.insert(
                "latency".into(),
                json!({"value": m, "lower_value": lo, "upper_value": hi}),
            );
            if let (Some(t), true) = (b.time.throughput_bytes_per_s, hi > 0.0 && lo > 0.0) {
                let bytes = b.name.size_bytes as f64 * 1e9;
                metrics.insert(
                    "throughput".into(),
                    json!({"value": t, "lower_value": bytes / hi, "upper_value": bytes / lo}),
                );
            }
        }
        if let Some(a) = b.alloc.allocs_per_iter {
            metrics.insert("allocations".into(), json!({"value": a}));
        }
        if let Some(i) = b.instructions {
            metrics.insert("instructions".into(), json!({"value": i}));
        }
        if !metrics.is_empty() {
            doc.insert(b.name.id.clone(), Value::Object(metrics));
        }
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Benchmark, fixture};
    use perflab_core::VariantKind;

    /// A results file with `search/naive/system/4KiB` ok (set up by `fill`) and
    /// `search/simd/system/4KiB` failed (with `error`).
    fn two_cells(fill: impl FnOnce(&mut Benchmark), error: Option<&str>) -> Results {
        let mut r = fixture::empty();
        let cell =
            |variant, kind| Benchmark::empty("search", variant, kind, "system", "4KiB", 4096);
        let mut ok = cell("naive", VariantKind::Naive);
        ok.status = CellStatus::Ok;
        fill(&mut ok);
        r.upsert(ok);
        let mut failed = cell("simd", VariantKind::Simd);
        failed.error = error.map(str::to_owned);
        r.upsert(failed);
        r
    }

    #[test]
    fn exports_ok_cells_only() {
        let r = two_cells(
            |ok| {
                ok.time.median_ns = Some(1000.0);
                ok.time.ci95_ns = Some([900.0, 1100.0]);
                ok.time.throughput_bytes_per_s = Some(4.096e9);
                ok.alloc.allocs_per_iter = Some(0.0);
            },
            None,
        );
        let bmf = to_bmf(&r);
        let cell = &bmf["search/naive/system/4KiB"];
        assert_eq!(cell["latency"]["value"], 1000.0);
        assert_eq!(cell["latency"]["lower_value"], 900.0);
        assert_eq!(cell["allocations"]["value"], 0.0);
        let t = cell["throughput"]["lower_value"].as_f64().unwrap();
        assert!((t - 4096e9 / 1100.0).abs() < 1.0);
        assert!(bmf.get("search/simd/system/4KiB").is_none());
    }

    #[test]
    fn csv_has_a_row_per_cell_and_the_documented_header() {
        let r = two_cells(
            |ok| {
                ok.time.samples_ns = vec![1000.0, 1100.0];
                ok.time.median_ns = Some(1050.0);
                ok.time.ci95_ns = Some([1000.0, 1100.0]);
                ok.paired.speedup_vs_naive = Some(Estimate {
                    median: 1.0,
                    ci95: [0.98, 1.02],
                });
            },
            Some("output differs from naive: \"a, b\"\nsecond line"),
        );
        let text = to_csv(&r).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header, HEADER);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 2, "one row per cell:\n{text}");
        let col = |name: &str| HEADER.iter().position(|h| *h == name).unwrap();
        assert_eq!(&records[0][col("median_ns")], "1050.0");
        assert_eq!(&records[0][col("speedup_ci95_high_ratio")], "1.02");
        assert_eq!(&records[0][col("samples")], "2");
        assert_eq!(&records[1][col("status")], "failed");
        assert_eq!(
            &records[1][col("median_ns")],
            "",
            "missing numbers are empty"
        );
        assert!(records[1][col("error")].contains("\"a, b\"\nsecond"));
        let empty = to_csv(&fixture::empty()).unwrap();
        assert_eq!(empty.trim_end(), HEADER.join(","));
    }
}
