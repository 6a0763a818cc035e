//! From one group's samples to its cells: pooled times, speed-ups, allocator ratios, A/B ratios,
//! scaling against one thread, contention and footprint.

use super::group::{CellKey, ColumnRecord, GroupData, Sample, Sampling};
use super::recover::Excluded;
use super::{Build, Engine};
use crate::clock::Clock;
use crate::plan::Group;
use crate::results::{AllocatorHeld, Benchmark, CellStatus, Contention, Footprint};
use crate::stats;
use perflab_core::VariantKind;

/// Head's cells and, in an A/B run, base's, of one attempt at a group: one list per build.
#[derive(Clone, Debug, Default)]
pub(crate) struct BuildCells {
    /// This build's cells.
    pub(crate) head: Vec<Benchmark>,
    /// The other build's, in the same order (empty unless A/B).
    pub(crate) base: Vec<Benchmark>,
}

/// The head cells and (in an A/B run) the base cells of `g`, in the order of
/// [`Group::cell_ids`]: allocator by allocator, thread count by thread count, variant by variant.
pub(crate) fn build(
    engine: &Engine,
    g: &Group,
    data: &GroupData,
    excluded: &Excluded,
) -> BuildCells {
    let builds: Vec<Build> = engine.builds().iter().map(|(b, _)| *b).collect();
    let mut out = BuildCells::default();
    for &build in &builds {
        let cells = if build == Build::Head {
            &mut out.head
        } else {
            &mut out.base
        };
        for allocator in 0..g.allocators.len() {
            for &threads in &g.threads {
                for variant in 0..g.variants.len() {
                    let key = CellKey {
                        build,
                        allocator,
                        variant,
                        threads,
                    };
                    cells.push(cell(engine, g, data, excluded, key, builds.len() > 1));
                }
            }
        }
    }
    out
}

/// The per-process records of `key`'s cell (one per replica), or why it has none.
fn records<'d>(
    engine: &Engine,
    data: &'d GroupData,
    key: CellKey,
) -> Result<Vec<&'d ColumnRecord>, (CellStatus, String)> {
    let column = super::group::Column {
        variant: key.variant,
        threads: key.threads,
    };
    let mut out = Vec::new();
    for replica in 0..engine.processes() {
        let Some(r) = data.record(&key.peer(replica), column) else {
            return Err((CellStatus::Failed, "not measured".to_owned()));
        };
        match &r.sampling {
            Sampling::Stopped(status, error) => return Err((*status, error.clone())),
            Sampling::Going if r.samples.is_empty() => {
                return Err((CellStatus::Failed, "no sample was taken".to_owned()));
            }
            Sampling::Going => out.push(r),
        }
    }
    Ok(out)
}

/// Per process, one figure of every sample.
fn series(records: &[&ColumnRecord], figure: impl Fn(&Sample) -> Option<f64>) -> Vec<Vec<f64>> {
    records
        .iter()
        .map(|r| r.samples.iter().filter_map(&figure).collect())
        .collect()
}

/// The per-process sample times of `key`'s cell.
fn times(engine: &Engine, data: &GroupData, key: CellKey) -> Option<Vec<Vec<f64>>> {
    records(engine, data, key)
        .ok()
        .map(|r| series(&r, |s| Some(s.ns)))
}

/// Per process, the paired ratios `num_i / den_i` of two series of equal rounds.
fn ratios(num: &[Vec<f64>], den: &[Vec<f64>]) -> Vec<Vec<f64>> {
    num.iter()
        .zip(den)
        .map(|(n, d)| {
            n.iter()
                .zip(d.iter())
                .filter(|&(&x, &y)| x > 0.0 && y > 0.0)
                .map(|(&x, &y)| x / y)
                .collect()
        })
        .collect()
}

fn cell(
    engine: &Engine,
    g: &Group,
    data: &GroupData,
    excluded: &Excluded,
    key: CellKey,
    ab: bool,
) -> Benchmark {
    let allocator = &g.allocators[key.allocator];
    let bytes = data
        .size_bytes
        .get(&key.build)
        .copied()
        .unwrap_or(g.size_bytes.unwrap_or(0) as u64);
    let mut cell = Benchmark::empty(
        &g.workload,
        &g.variants[key.variant],
        g.kind(key.variant),
        allocator,
        &g.size,
        bytes,
    )
    .at_threads(key.threads);
    if let Some(msg) = excluded.cells.get(&key) {
        cell.error = Some(msg.clone());
        return cell;
    }
    let own = match records(engine, data, key) {
        Ok(r) => r,
        Err((status, error)) => {
            cell.status = status;
            cell.error = (!error.is_empty()).then_some(error);
            return cell;
        }
    };
    let own_ns = series(&own, |s| Some(s.ns));
    let refs: Vec<&[f64]> = own_ns.iter().map(Vec::as_slice).collect();
    cell.status = CellStatus::Ok;
    // Say so where the samples are not of the run's clock.
    let clock = if key.threads > 1 {
        Some(Clock::Wall)
    } else {
        data.clocks.get(&key.build).copied()
    };
    cell.clock = clock.filter(|&c| c != engine.clock);
    cell.iters_per_sample = data.iters[key.variant];
    cell.samples_ns = own_ns.iter().flatten().copied().collect();
    cell.process_medians_ns = own_ns.iter().filter_map(|s| stats::median(s)).collect();
    let pooled = stats::pooled(&refs);
    cell.median_ns = pooled.map(|e| e.median);
    cell.ci95_ns = pooled.map(|e| e.ci95);
    cell.mad_ns = stats::mad(&cell.samples_ns);
    cell.throughput_bytes_per_s = cell.median_ns.and_then(|m| stats::throughput(bytes, m));
    cell.outliers = Some(stats::outliers(&cell.samples_ns));
    // Counts and footprint come from the first replica's passes.
    if let Some(t) = own.first().and_then(|r| r.tally) {
        cell.allocs_per_iter = Some(t.per_iter(t.allocs));
        cell.reallocs_per_iter = Some(t.per_iter(t.reallocs));
        cell.bytes_allocated_per_iter = Some(t.per_iter(t.bytes));
        cell.peak_bytes = Some(t.peak);
        if cell.kind == VariantKind::Arena {
            cell.arena_bytes = Some(t.arena_peak);
        }
    }
    cell.footprint = own
        .first()
        .and_then(|r| r.footprint.as_ref())
        .map(footprint);
    // Speed-up = naive time / this time at the same thread count, paired round by round in each
    // process.
    if let Some(naive) = times(engine, data, key.with(0, key.threads, key.allocator)) {
        cell.speedup_vs_naive = stats::pooled_ratio(&ratios(&naive, &own_ns));
    }
    // Time relative to system at the same thread count, paired round by round between the peers
    // of the same replica.
    if let Some(sys) = g.allocators.iter().position(|x| x == "system")
        && sys != key.allocator
        && let Some(system) = times(engine, data, key.with(key.variant, key.threads, sys))
    {
        cell.time_vs_system = stats::pooled_ratio(&ratios(&own_ns, &system));
    }
    if ab
        && key.build == Build::Head
        && let Some(base) = times(
            engine,
            data,
            CellKey {
                build: Build::Base,
                ..key
            },
        )
    {
        cell.vs_base = stats::pooled_ratio(&ratios(&own_ns, &base));
    }
    if key.threads > 1 {
        threaded(engine, data, key, &own, &mut cell);
    }
    cell
}

/// The figures only a cell at more than one thread has: aggregate throughput, scaling against
/// one thread (wall time against wall time, paired within rounds in each process) and where the
/// threads' time went.
fn threaded(
    engine: &Engine,
    data: &GroupData,
    key: CellKey,
    own: &[&ColumnRecord],
    cell: &mut Benchmark,
) {
    cell.aggregate_throughput_bytes_per_s = cell
        .median_ns
        .and_then(|m| stats::throughput(cell.size_bytes * key.threads as u64, m));
    if let Ok(one) = records(engine, data, key.with(key.variant, 1, key.allocator)) {
        let one_wall = series(&one, |s| s.wall_ns);
        let own_wall = series(own, |s| s.wall_ns);
        cell.scaling_vs_one_thread = stats::pooled_ratio(&ratios(&own_wall, &one_wall));
    }
    let samples: Vec<&Sample> = own.iter().flat_map(|r| &r.samples).collect();
    let cpu: Vec<f64> = samples.iter().filter_map(|s| s.cpu_ns).collect();
    let utilisation: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.cpu_ns.zip(s.wall_ns))
        .filter(|&(_, w)| w > 0.0)
        .map(|(c, w)| c / w)
        .collect();
    let sys: Vec<f64> = samples.iter().filter_map(|s| s.sys_ns).collect();
    let skew: Vec<f64> = samples.iter().filter_map(|s| s.skew_ns).collect();
    cell.contention = Some(Contention {
        cpu_per_call_ns: stats::median(&cpu),
        // Charged by ticks: a mean over every sample, never one sample's figure.
        system_per_call_ns: (!sys.is_empty()).then(|| sys.iter().sum::<f64>() / sys.len() as f64),
        cpu_utilisation: stats::median(&utilisation),
        start_skew_ns: stats::median(&skew),
    });
}

/// A results cell's footprint from the peer's footprint pass.
fn footprint(t: &crate::footprint::FootprintTally) -> Footprint {
    let fragmentation = match (t.rss_growth, t.peak_live) {
        (Some(rss), Some(live)) if live > 0 => Some(rss as f64 / live as f64),
        _ => None,
    };
    let allocator = match (&t.allocator_before, &t.allocator_after) {
        (Some(b), Some(a)) if a.source == b.source => Some(AllocatorHeld {
            source: b.source.clone(),
            before_bytes: b.bytes,
            after_bytes: a.bytes,
        }),
        _ => None,
    };
    Footprint {
        iters: t.iters,
        rss_growth_bytes: t.rss_growth,
        peak_live_bytes: t.peak_live,
        fragmentation,
        allocator,
    }
}
