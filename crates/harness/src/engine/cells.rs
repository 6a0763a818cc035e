//! From one group's samples to its cells: pooled times, speed-ups, allocator ratios, A/B ratios,
//! scaling against one thread, contention and footprint.

use super::loss::Excluded;
use super::record::{CellKey, ColumnRecord, GroupData, Sample, Sampling};
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
    let ab = engine.builds().len() > 1;
    let mut out = BuildCells::default();
    for key in super::record::cell_keys(engine, g) {
        let cell = cell(engine, g, data, excluded, key, ab);
        match key.build {
            Build::Head => out.head.push(cell),
            Build::Base => out.base.push(cell),
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
    let column = super::record::Column {
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
    cell.time.iters_per_sample = data.iters[key.variant];
    cell.time.samples_ns = own_ns.iter().flatten().copied().collect();
    cell.process_medians_ns = own_ns.iter().filter_map(|s| stats::median(s)).collect();
    let pooled = stats::pooled(&refs);
    cell.time.median_ns = pooled.map(|e| e.median);
    cell.time.ci95_ns = pooled.map(|e| e.ci95);
    cell.time.mad_ns = stats::mad(&cell.time.samples_ns);
    cell.time.throughput_bytes_per_s = cell
        .time
        .median_ns
        .and_then(|m| stats::throughput(bytes, m));
    cell.outliers = Some(stats::outliers(&cell.time.samples_ns));
    // Counts and footprint come from the first replica's passes.
    if let Some(first) = own.first() {
        counts(first, &mut cell);
    }
    paired_ratios(engine, g, data, key, &own_ns, ab, &mut cell);
    if key.threads > 1 {
        threaded(engine, data, key, &own, &mut cell);
    }
    cell
}

/// The allocation counts and footprint of a cell, from its first replica's passes.
fn counts(first: &ColumnRecord, cell: &mut Benchmark) {
    if let Some(t) = first.tally {
        cell.alloc.allocs_per_iter = Some(t.per_iter(t.allocs));
        cell.alloc.reallocs_per_iter = Some(t.per_iter(t.reallocs));
        cell.alloc.bytes_allocated_per_iter = Some(t.per_iter(t.bytes));
        cell.alloc.peak_bytes = Some(t.peak);
        if cell.name.kind == VariantKind::Arena {
            cell.alloc.arena_bytes = Some(t.arena_peak);
        }
    }
    cell.footprint = first.footprint.as_ref().map(footprint);
}

/// A cell's ratios to the cells it is paired with round by round: naive (its speed-up), system
/// (its allocator ratio), and in an A/B run the same cell of base.
fn paired_ratios(
    engine: &Engine,
    g: &Group,
    data: &GroupData,
    key: CellKey,
    own_ns: &[Vec<f64>],
    ab: bool,
    cell: &mut Benchmark,
) {
    // Speed-up = naive time / this time at the same thread count, paired round by round in each
    // process.
    if let Some(naive) = times(engine, data, key.with(0, key.threads, key.allocator)) {
        cell.paired.speedup_vs_naive = stats::pooled_ratio(&ratios(&naive, own_ns));
    }
    // Time relative to system at the same thread count, paired round by round between the peers
    // of the same replica.
    if let Some(sys) = g.allocators.iter().position(|x| x == "system")
        && sys != key.allocator
        && let Some(system) = times(engine, data, key.with(key.variant, key.threads, sys))
    {
        cell.paired.time_vs_system = stats::pooled_ratio(&ratios(own_ns, &system));
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
        cell.ab.vs_base = stats::pooled_ratio(&ratios(own_ns, &base));
    }
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
    cell.threaded.aggregate_throughput_bytes_per_s = cell
        .time
        .median_ns
        .and_then(|m| stats::throughput(cell.name.size_bytes * key.threads as u64, m));
    if let Ok(one) = records(engine, data, key.with(key.variant, 1, key.allocator)) {
        let one_wall = series(&one, |s| s.wall_ns);
        let own_wall = series(own, |s| s.wall_ns);
        cell.threaded.scaling_vs_one_thread = stats::pooled_ratio(&ratios(&own_wall, &one_wall));
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
    cell.threaded.contention = Some(Contention {
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

#[cfg(test)]
mod tests {
    use super::super::record::{Column, ColumnRecord, PeerRecord, columns};
    use super::super::{Engine, Launch, Mode, PeerKey};
    use super::*;
    use crate::plan::Preset;
    use perflab_core::Registry;
    use std::collections::BTreeMap;

    /// Synthetic samples with known ratios, under a drift common to every column and peer in a
    /// round (a shared host, ±20%) and a bias of each process's own (7%): pairing within rounds
    /// must cancel both and find the ratios exactly, while the times themselves spread.
    #[test]
    fn threaded_cells_pool_processes_and_pair_within_rounds() {
        let engine = Engine {
            head: Launch::InProcess(Registry::new()),
            mode: Mode::Time,
            settings: Preset::Quick.settings(),
            seed: 1,
            input: None,
            cpus: Vec::new(),
            clock: Clock::Cpu,
            layout_seed: 1,
            time_limit: None,
        };
        let g = Group {
            workload: "w".into(),
            size: "4KiB".into(),
            size_bytes: Some(4096),
            variants: vec!["naive".into(), "fast".into()],
            kinds: vec![VariantKind::Naive, VariantKind::Optimized],
            allocators: vec!["system".into(), "jemalloc".into()],
            threads: vec![1, 2],
        };
        // Time per call: naive 200, fast 100 on one thread; 1.5× that at two threads; jemalloc
        // 0.8× system's at two threads and the same at one.
        let truth = |c: Column, allocator: usize| {
            let v = if c.variant == 0 { 200.0 } else { 100.0 };
            let t = if c.threads == 2 { 1.5 } else { 1.0 };
            let a = if allocator == 1 && c.threads == 2 {
                0.8
            } else {
                1.0
            };
            v * t * a
        };
        let columns = columns(&g);
        let rounds = 24;
        let mut peers = Vec::new();
        for replica in 0..2 {
            for allocator in 0..2 {
                let bias = if replica == 1 { 1.07 } else { 1.0 };
                let records = columns
                    .iter()
                    .map(|&c| {
                        let samples = (0..rounds)
                            .map(|r| {
                                let drift = 1.0 + 0.2 * ((r as f64) * 0.7).sin();
                                let ns = truth(c, allocator) * bias * drift;
                                Sample {
                                    ns,
                                    wall_ns: Some(ns),
                                    cpu_ns: (c.threads > 1).then_some(0.9 * ns),
                                    sys_ns: (c.threads > 1).then_some(2.0),
                                    skew_ns: (c.threads > 1).then_some(500.0),
                                }
                            })
                            .collect();
                        ColumnRecord {
                            sampling: Sampling::Going,
                            samples,
                            tally: None,
                            footprint: None,
                        }
                    })
                    .collect();
                peers.push(PeerRecord {
                    key: PeerKey {
                        build: Build::Head,
                        allocator,
                        replica,
                    },
                    columns: records,
                });
            }
        }
        let data = GroupData {
            columns,
            peers,
            size_bytes: BTreeMap::from([(Build::Head, 4096)]),
            iters: vec![10, 20],
            clocks: BTreeMap::new(),
        };
        let cells = build(&engine, &g, &data, &Excluded::default()).head;
        let ids: Vec<&str> = cells.iter().map(|c| c.name.id.as_str()).collect();
        assert_eq!(ids, g.cell_ids());
        let get = |id: &str| cells.iter().find(|c| c.name.id == id).unwrap();
        let near = |e: crate::stats::Estimate, want: f64| {
            let close = |x: f64| (x / want - 1.0).abs() < 1e-9;
            assert!(
                close(e.median) && close(e.ci95[0]) && close(e.ci95[1]),
                "{e:?} vs {want}"
            );
        };
        for a in ["system", "jemalloc"] {
            let two = get(&format!("w/fast/{a}/4KiB/2t"));
            assert_eq!(two.threads, 2);
            assert_eq!(two.clock, Some(Clock::Wall));
            assert_eq!(two.time.samples_ns.len(), 2 * rounds);
            assert_eq!(two.process_medians_ns.len(), 2);
            // The times themselves carry the drift and the processes' bias.
            let [lo, hi] = two.time.ci95_ns.unwrap();
            assert!(hi / lo > 1.1, "{lo} {hi}");
            near(
                two.threaded.scaling_vs_one_thread.unwrap(),
                if a == "system" { 1.5 } else { 1.2 },
            );
            near(two.paired.speedup_vs_naive.unwrap(), 2.0);
            let m = two.time.median_ns.unwrap();
            let agg = two.threaded.aggregate_throughput_bytes_per_s.unwrap();
            assert!((agg - 2.0 * 4096.0 * 1e9 / m).abs() < 1e-6 * agg);
            let c = two.threaded.contention.unwrap();
            assert!((c.cpu_utilisation.unwrap() - 0.9).abs() < 1e-9);
            assert_eq!(c.system_per_call_ns, Some(2.0));
            assert_eq!(c.start_skew_ns, Some(500.0));
            let one = get(&format!("w/fast/{a}/4KiB"));
            assert!(
                one.threaded.scaling_vs_one_thread.is_none() && one.threaded.contention.is_none()
            );
            assert_eq!(one.clock, None, "the run's own clock");
        }
        near(
            get("w/fast/jemalloc/4KiB/2t")
                .paired
                .time_vs_system
                .unwrap(),
            0.8,
        );
        near(
            get("w/fast/jemalloc/4KiB").paired.time_vs_system.unwrap(),
            1.0,
        );
        assert!(get("w/fast/system/4KiB/2t").paired.time_vs_system.is_none());
    }
}
