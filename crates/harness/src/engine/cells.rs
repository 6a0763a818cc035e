//! From one group's samples to its cells: pooled times, speed-ups, allocator ratios, A/B ratios.

use super::group::{GroupData, State};
use super::recover::Excluded;
use super::{Build, Engine, PeerKey};
use crate::plan::Group;
use crate::results::{Benchmark, CellStatus};
use crate::stats;
use perflab_core::VariantKind;

/// The head cells and (in an A/B run) the base cells of `g`, allocator by allocator.
pub(crate) fn build(
    engine: &Engine,
    g: &Group,
    data: &GroupData,
    excluded: &Excluded,
) -> (Vec<Benchmark>, Vec<Benchmark>) {
    let builds: Vec<Build> = engine.builds().iter().map(|(b, _)| *b).collect();
    let mut out: (Vec<Benchmark>, Vec<Benchmark>) = (Vec::new(), Vec::new());
    for &b in &builds {
        let cells = if b == Build::Head {
            &mut out.0
        } else {
            &mut out.1
        };
        for a in 0..g.allocators.len() {
            for v in 0..g.variants.len() {
                cells.push(cell(engine, g, data, excluded, (b, a, v), builds.len() > 1));
            }
        }
    }
    out
}

/// The per-process sample series of cell `(b, a, v)`, or why it has none.
fn series<'d>(
    engine: &Engine,
    data: &'d GroupData,
    (b, a, v): (Build, usize, usize),
) -> Result<Vec<&'d [f64]>, (CellStatus, String)> {
    let mut out = Vec::new();
    for replica in 0..engine.processes() {
        let key = PeerKey {
            build: b,
            allocator: a,
            replica,
        };
        let Some(p) = data.peer(&key) else {
            return Err((CellStatus::Failed, "not measured".to_owned()));
        };
        match &data.states[p][v] {
            State::Out(status, error) => return Err((*status, error.clone())),
            State::Live if data.samples[p][v].is_empty() => {
                return Err((CellStatus::Failed, "no sample was taken".to_owned()));
            }
            State::Live => out.push(data.samples[p][v].as_slice()),
        }
    }
    Ok(out)
}

/// Per process, the paired ratios `num_i / den_i` of two series of equal rounds.
fn ratios(num: &[&[f64]], den: &[&[f64]]) -> Vec<Vec<f64>> {
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
    (b, a, v): (Build, usize, usize),
    ab: bool,
) -> Benchmark {
    let allocator = &g.allocators[a];
    let bytes = data
        .size_bytes
        .get(&b)
        .copied()
        .unwrap_or(g.size_bytes.unwrap_or(0) as u64);
    let mut cell = Benchmark::empty(
        &g.workload,
        &g.variants[v],
        g.kind(v),
        allocator,
        &g.size,
        bytes,
    );
    if let Some(msg) = excluded.cells.get(&(b, a, v)) {
        cell.error = Some(msg.clone());
        return cell;
    }
    let own = match series(engine, data, (b, a, v)) {
        Ok(s) => s,
        Err((status, error)) => {
            cell.status = status;
            cell.error = (!error.is_empty()).then_some(error);
            return cell;
        }
    };
    cell.status = CellStatus::Ok;
    cell.iters_per_sample = data.iters[v];
    cell.samples_ns = own.iter().flat_map(|s| s.iter().copied()).collect();
    cell.process_medians_ns = own.iter().filter_map(|s| stats::median(s)).collect();
    let pooled = stats::pooled(&own);
    cell.median_ns = pooled.map(|e| e.median);
    cell.ci95_ns = pooled.map(|e| e.ci95);
    cell.mad_ns = stats::mad(&cell.samples_ns);
    cell.throughput_bytes_per_s = cell.median_ns.and_then(|m| stats::throughput(bytes, m));
    cell.outliers = Some(stats::outliers(&cell.samples_ns));
    if let Some(t) = data.tallies.get(&(b, a, v)) {
        cell.allocs_per_iter = Some(t.per_iter(t.allocs));
        cell.reallocs_per_iter = Some(t.per_iter(t.reallocs));
        cell.bytes_allocated_per_iter = Some(t.per_iter(t.bytes));
        cell.peak_bytes = Some(t.peak);
        if cell.kind == VariantKind::Arena {
            cell.arena_bytes = Some(t.arena_peak);
        }
    }
    // Speed-up = naive time / this time, paired round by round in each process.
    if let Ok(naive) = series(engine, data, (b, a, 0)) {
        cell.speedup_vs_naive = stats::pooled_ratio(&ratios(&naive, &own));
    }
    // Time relative to system, paired round by round between the peers of the same replica.
    if let Some(sys) = g.allocators.iter().position(|x| x == "system")
        && sys != a
        && let Ok(system) = series(engine, data, (b, sys, v))
    {
        cell.time_vs_system = stats::pooled_ratio(&ratios(&own, &system));
    }
    if ab
        && b == Build::Head
        && let Ok(base) = series(engine, data, (Build::Base, a, v))
    {
        cell.vs_base = stats::pooled_ratio(&ratios(&own, &base));
    }
    cell
}
