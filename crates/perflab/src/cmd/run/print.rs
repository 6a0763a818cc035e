//! What a finished run prints: the summary table, the threads table, instruction counts.

use perflab_harness::results::Results;

/// Instructions per iteration, and per byte, of every counted cell.
pub(super) fn print_instructions(results: &Results) {
    use perflab_harness::table::{Column, Table};
    let mut table = Table::new([
        Column::left("cell"),
        Column::right("instructions/iter"),
        Column::right("per byte"),
    ]);
    for b in &results.benchmarks {
        let Some(i) = b.instructions else { continue };
        let per_byte = i / b.name.size_bytes.max(1) as f64;
        table.push_row([
            b.name.id.clone(),
            format!("{i:.0}"),
            format!("{per_byte:.3}"),
        ]);
    }
    outln!("{}", table.terminal());
}

/// Per workload and allocator: the variant with the best geometric-mean speed-up over naive;
/// then, for the variants that allocate, each allocator's time relative to system.
pub(super) fn print_summary(results: &Results) {
    use perflab_harness::table::{Column, Table};
    let winners = perflab_harness::summary::winners(results);
    if winners.is_empty() {
        return;
    }
    let mut table = Table::new([
        Column::left("workload"),
        Column::left("allocator"),
        Column::left("fastest"),
        Column::right("vs naive"),
        Column::right("sizes"),
    ]);
    for w in winners {
        let speedup = format!("{:.2}×", w.speedup);
        table.push_row([
            w.workload,
            w.allocator,
            w.variant,
            speedup,
            w.sizes.to_string(),
        ]);
    }
    outln!("{}", table.terminal());
    print_allocator_ratios(results);
    print_threads(results);
    print_controls(results);
}

/// For the variants that allocate, each allocator's time relative to system at the largest size.
fn print_allocator_ratios(results: &Results) {
    use perflab_harness::table::{Column, Table};
    let rows = perflab_harness::summary::allocator_ratios(results);
    if rows.iter().any(|r| !r.ratios.is_empty()) {
        outln!(
            "\ntime relative to system (paired within rounds; median [95% interval]), for variants that allocate (largest size):"
        );
        // A column per allocator compared with system, in the order the results have them.
        let mut allocators: Vec<&str> = Vec::new();
        for (a, _) in rows.iter().flat_map(|r| &r.ratios) {
            if !allocators.contains(&a.as_str()) {
                allocators.push(a);
            }
        }
        let mut table = Table::new(
            [
                Column::left("workload"),
                Column::left("variant"),
                Column::right("size"),
                Column::right("allocs/iter"),
            ]
            .into_iter()
            .chain(allocators.iter().map(|&a| Column::right(a))),
        );
        for r in &rows {
            let ratio =
                |a: &str| estimate(r.ratios.iter().find(|(name, _)| name == a).map(|(_, e)| *e));
            let mut cells = vec![
                r.workload.clone(),
                r.variant.clone(),
                r.size.clone(),
                format!("{:.1}", r.allocs_per_iter),
            ];
            cells.extend(allocators.iter().map(|&a| ratio(a)));
            table.push_row(cells);
        }
        outln!("{}", table.terminal());
    }
}

/// The allocator comparison's negative control: how many cells that make no allocation still
/// show an allocator effect, so a reader sees how far the allocator columns can be trusted.
fn print_controls(results: &Results) {
    for c in results
        .allocator_control
        .iter()
        .chain(&results.allocator_control_threaded)
    {
        outln!(
            "{}negative control{}: {} of {} cells that make no allocation show an allocator effect beyond {}%{}",
            if c.threads == 1 { "\n" } else { "" },
            if c.threads == 1 {
                String::new()
            } else {
                format!(" at {} threads", c.threads)
            },
            c.beyond,
            c.cells,
            c.threshold * 100.0,
            if c.beyond > 0 {
                format!(" ({})", c.ids.join(", "))
            } else {
                String::new()
            }
        );
    }
}

/// A paired ratio as the closing tables print it: `0.93 [0.88, 0.97]`, or a dash.
pub(super) fn estimate(e: Option<perflab_harness::stats::Estimate>) -> String {
    e.map_or_else(
        || "—".to_owned(),
        |e| format!("{:.2} [{:.2}, {:.2}]", e.median, e.ci95[0], e.ci95[1]),
    )
}

/// The threads view of each workload measured at more than one thread: for the variants that
/// allocate, throughput at one thread and at the most threads, scaling, the allocator ratio and
/// the memory taken from the OS; then which allocator wins there.
pub(super) fn print_threads(results: &Results) {
    use perflab_harness::table::{Column, Table};
    use perflab_report::fmt;
    let views = perflab_harness::summary::threads_views(results);
    if views.is_empty() {
        return;
    }
    outln!(
        "\nthreads: N threads of one process run the variant at once, each on its own input; time is wall time per call; scaling = time at N ÷ time at 1 thread (1.00 = perfect); memory = peak RSS growth / peak live bytes, for variants that allocate:"
    );
    let mut table = Table::new([
        Column::left("workload"),
        Column::left("variant"),
        Column::left("allocator"),
        Column::right("size"),
        Column::right("threads"),
        Column::right("throughput"),
        Column::right("scaling"),
        Column::right("vs system"),
        Column::right("memory"),
    ]);
    for v in &views {
        for r in v.rows.iter().filter(|r| r.allocates) {
            let Some(top) = r.points.last().and_then(Option::as_ref) else {
                continue;
            };
            let one = r.points.first().and_then(Option::as_ref);
            let tput = |p: Option<&perflab_harness::summary::ThreadsPoint>| {
                p.and_then(|p| p.aggregate_throughput)
                    .map_or_else(|| "—".to_owned(), fmt::throughput)
            };
            let memory = match (top.rss_growth, top.peak_live) {
                (Some(rss), Some(live)) => {
                    format!("{} / {}", fmt::bytes(rss as f64), fmt::bytes(live as f64))
                }
                (Some(rss), None) => fmt::bytes(rss as f64),
                _ => "—".to_owned(),
            };
            table.push_row([
                v.workload.clone(),
                r.variant.clone(),
                r.allocator.clone(),
                v.size.clone(),
                format!("1 → {}", top.threads),
                format!("{} → {}", tput(one), tput(Some(top))),
                estimate(top.scaling),
                estimate(top.time_vs_system),
                memory,
            ]);
        }
    }
    if !table.is_empty() {
        outln!("{}", table.terminal());
    }
    for v in &views {
        if let Some(line) = perflab_report::threads_verdict(v) {
            outln!("{line}");
        }
    }
}
