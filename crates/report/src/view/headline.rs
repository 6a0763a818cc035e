//! The page's summary at the top: per workload, its fastest cell at the largest size, how surely
//! it beats naive, and who wins across sizes.

use crate::fmt;
use perflab_harness::compare::{Shift, shift};
use perflab_harness::results::Benchmark;
use perflab_harness::summary;

/// One workload's headline: its fastest cell at the largest size.
pub struct Headline {
    pub workload: String,
    pub variant: String,
    pub kind: String,
    pub allocator: String,
    pub size: String,
    pub throughput: String,
    pub time: String,
    /// The time is wall time, where the run's clock is another.
    pub wall: bool,
    /// `6.87×`, when a speed-up was measured.
    pub speedup: Option<String>,
    speedup_value: Option<f64>,
    /// `sure`, `unsure` or `slower`: how the interval sits against 1.
    pub verdict_class: &'static str,
    pub verdict: String,
    /// Width of the speed-up bar, percent of the widest (log scale).
    pub bar_pct: u32,
    /// The geometric-mean winners across sizes, condensed to one line.
    pub across_sizes: String,
    pub failed: usize,
    pub unsupported: usize,
}

/// The headline of a workload whose fastest cell at its largest measured size is `best`;
/// `winners` are the workload's geometric-mean winners, one per allocator.
pub(super) fn headline(
    best: &Benchmark,
    winners: &[&summary::Winner],
    failed: usize,
    unsupported: usize,
) -> Headline {
    let s = best.paired.speedup_vs_naive;
    // A speed-up is certain when its whole interval lies beyond 1 (perflab's one rule, with no
    // threshold).
    let (verdict_class, verdict) = match s {
        _ if best.name.kind == perflab_core::VariantKind::Naive => {
            ("unsure", "naive itself is fastest".to_owned())
        }
        Some(e) if shift(&e, 0.0) == Some(Shift::Up) => (
            "sure",
            format!("faster than naive; 95% CI {}", fmt::ratio_ci(e.ci95)),
        ),
        Some(e) if shift(&e, 0.0) == Some(Shift::Down) => (
            "slower",
            format!("slower than naive; 95% CI {}", fmt::ratio_ci(e.ci95)),
        ),
        Some(e) => (
            "unsure",
            format!(
                "not clearly faster than naive; 95% CI {}",
                fmt::ratio_ci(e.ci95)
            ),
        ),
        None => ("unsure", "no speed-up over naive measured".to_owned()),
    };
    Headline {
        workload: best.name.workload.clone(),
        variant: best.name.variant.clone(),
        kind: best.name.kind.as_str().to_owned(),
        allocator: best.name.allocator.clone(),
        size: best.name.size.clone(),
        throughput: best
            .time
            .throughput_bytes_per_s
            .map(fmt::throughput)
            .unwrap_or_default(),
        time: best.time.median_ns.map(fmt::time_ns).unwrap_or_default(),
        wall: false,
        speedup: s.map(|e| fmt::ratio(e.median)),
        speedup_value: s.map(|e| e.median).filter(|x| x.is_finite()),
        verdict_class,
        verdict,
        bar_pct: 0,
        across_sizes: across_sizes(winners),
        failed,
        unsupported,
    }
}

/// Scales the headline bars: the log of each speed-up against the largest, so a 100× win does
/// not flatten every 2× one to nothing.
pub(super) fn scale_bars(headlines: &mut [Headline]) {
    let max_log = headlines
        .iter()
        .filter_map(|h| h.speedup_value)
        .map(|s| s.max(1.0).ln())
        .fold(0.0, f64::max);
    for h in headlines {
        let s = h.speedup_value.unwrap_or(1.0).max(1.0).ln();
        h.bar_pct = if max_log > 0.0 {
            (4.0 + 96.0 * s / max_log).round() as u32
        } else {
            4
        };
    }
}

/// `simd-avx2 under every allocator, 16.7–19.4× (geo-mean over 4 sizes)`, or one
/// `allocator: variant ratio` per allocator when they disagree; `winners` are one workload's.
fn across_sizes(ws: &[&summary::Winner]) -> String {
    let Some(first) = ws.first() else {
        return String::new();
    };
    let sizes = ws.iter().map(|w| w.sizes).max().unwrap_or(0);
    let plural = if sizes == 1 { "" } else { "s" };
    if ws.iter().all(|w| w.variant == first.variant) {
        let lo = ws.iter().map(|w| w.speedup).fold(f64::INFINITY, f64::min);
        let hi = ws.iter().map(|w| w.speedup).fold(0.0, f64::max);
        let range = if fmt::sig3(lo) == fmt::sig3(hi) {
            fmt::ratio(lo)
        } else {
            format!("{}–{}", fmt::sig3(lo), fmt::ratio(hi))
        };
        let under = if ws.len() == 1 {
            format!("under {}", first.allocator)
        } else {
            "under every allocator".to_owned()
        };
        format!(
            "{} {under}, {range} (geo-mean over {sizes} size{plural})",
            first.variant
        )
    } else {
        let each: Vec<String> = ws
            .iter()
            .map(|w| {
                format!(
                    "{} under {} {}",
                    w.variant,
                    w.allocator,
                    fmt::ratio(w.speedup)
                )
            })
            .collect();
        format!("{} (geo-mean over {sizes} size{plural})", each.join(" · "))
    }
}
