//! The report's SVG charts (throughput by variant, against size, and against threads), drawn with plotters' SVG backend into strings that are inlined in
//! the page.
//!
//! Text is emitted as SVG `<text>` elements (plotters is built without `ttf`), so no font file is
//! read or shipped: the browser lays the labels out with its own sans-serif. Throughputs span
//! orders of magnitude (a naive byte loop next to memchr), so both charts use a log scale.
//! Colours match the HTML legends, which come from [`allocator_color`] and [`series_color`].

use crate::fmt;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

type ChartResult = Result<(), Box<dyn std::error::Error>>;

/// A throughput with its 95% interval, bytes per second.
#[derive(Clone, Copy, Debug)]
pub struct Bar {
    /// Median throughput.
    pub value: f64,
    /// Throughput at the slow end of the time interval.
    pub lo: f64,
    /// Throughput at the fast end of the time interval.
    pub hi: f64,
}

/// One row of the bar chart: a variant, with one optional bar per allocator (in legend order).
#[derive(Clone, Debug)]
pub struct BarRow {
    /// Variant name (the row label).
    pub label: String,
    /// One entry per allocator; `None` where that cell has no time.
    pub bars: Vec<Option<Bar>>,
}

/// One line of the scaling chart: a variant's throughput at each size.
#[derive(Clone, Debug)]
pub struct Line {
    /// Index into the series palette (stable per variant within a workload).
    pub color: usize,
    /// `(size_bytes, throughput)` points, ascending by size.
    pub points: Vec<(f64, Bar)>,
}

const FONT: &str = "sans-serif";
const TEXT: RGBColor = RGBColor(0x33, 0x3a, 0x44);
const GRID: RGBColor = RGBColor(0xe3, 0xe6, 0xea);

const ALLOCATOR_COLORS: [(&str, RGBColor); 3] = [
    ("system", RGBColor(0x4e, 0x79, 0xa7)),
    ("jemalloc", RGBColor(0xf2, 0x8e, 0x2b)),
    ("mimalloc", RGBColor(0x59, 0xa1, 0x4f)),
];

const PALETTE: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x79, 0x70, 0x6e),
];

/// The colour of an allocator: fixed for the three known ones, from the palette otherwise.
pub fn allocator_color(name: &str, index: usize) -> RGBColor {
    ALLOCATOR_COLORS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
        .unwrap_or(PALETTE[(index + 4) % PALETTE.len()])
}

/// The colour of the `index`th series.
pub fn series_color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// A colour as CSS `#rrggbb`, for the HTML legends.
pub fn css(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// Horizontal bars of throughput per variant (rows) and allocator (bars within a row), with 95%
/// whiskers and the median written at the end of each bar. `None` when nothing has a time.
pub fn throughput_bars(rows: &[BarRow], allocators: &[String]) -> Option<String> {
    let all: Vec<Bar> = rows
        .iter()
        .flat_map(|r| r.bars.iter().flatten())
        .copied()
        .collect();
    let lo = all
        .iter()
        .map(|b| b.lo.min(b.value))
        .fold(f64::INFINITY, f64::min);
    let hi = all.iter().map(|b| b.hi.max(b.value)).fold(0.0, f64::max);
    if all.is_empty() || !(lo > 0.0 && hi.is_finite()) {
        return None;
    }
    let per_row = allocators.len().max(1);
    let bar_px = 13;
    let row_px = per_row * bar_px + 12;
    let height = 50 + rows.len() * row_px;
    let width = 600;
    let label_w = 8 * rows
        .iter()
        .map(|r| r.label.len())
        .max()
        .unwrap_or(4)
        .clamp(4, 22) as u32
        + 14;
    let x_range = (lo / 1.5)..(hi * 3.5);
    let mut svg = String::new();
    let drawn: ChartResult = (|| {
        let root = SVGBackend::with_string(&mut svg, (width, height as u32)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(8)
            .margin_right(14)
            .x_label_area_size(36)
            .y_label_area_size(label_w)
            .build_cartesian_2d(x_range.clone().log_scale(), 0f64..rows.len() as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .set_all_tick_mark_size(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .axis_style(TEXT.mix(0.6))
            .x_desc("throughput (log scale) — longer is faster")
            .axis_desc_style((FONT, 12).into_font().color(&TEXT))
            .draw()?;
        let y_top = rows.len() as f64;
        for x in binary_ticks(x_range.start, x_range.end, 7) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, y_top)],
                GRID.stroke_width(1),
            )))?;
            let (px, py) = chart.backend_coord(&(x, 0.0));
            if px + 34 > width as i32 {
                continue; // the label would be cut off at the right edge
            }
            root.draw(&Text::new(
                fmt::throughput_tick(x),
                (px, py + 6),
                (FONT, 12)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        let n = rows.len() as f64;
        let value_font = (FONT, 11)
            .into_font()
            .color(&TEXT)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, row) in rows.iter().enumerate() {
            let top = n - i as f64;
            let slot = (1.0 - 12.0 / row_px as f64) / per_row as f64;
            let pad = 6.0 / row_px as f64;
            for (j, bar) in row.bars.iter().enumerate() {
                let Some(b) = bar else { continue };
                let y1 = top - pad - j as f64 * slot;
                let y0 = y1 - slot * 0.85;
                let ym = (y0 + y1) / 2.0;
                let color = allocator_color(allocators.get(j).map_or("", String::as_str), j);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x_range.start, y0), (b.value, y1)],
                    color.filled(),
                )))?;
                let whisker = TEXT.stroke_width(1);
                let cap = slot * 0.25;
                chart.draw_series([
                    PathElement::new(vec![(b.lo, ym), (b.hi, ym)], whisker),
                    PathElement::new(vec![(b.lo, ym - cap), (b.lo, ym + cap)], whisker),
                    PathElement::new(vec![(b.hi, ym - cap), (b.hi, ym + cap)], whisker),
                ])?;
                let (px, py) = chart.backend_coord(&(b.hi.max(b.value), ym));
                root.draw(&Text::new(
                    fmt::throughput(b.value),
                    (px + 5, py),
                    value_font.clone(),
                ))?;
            }
            let (px, py) = chart.backend_coord(&(x_range.start, top - 0.5));
            root.draw(&Text::new(
                row.label.clone(),
                (px - 8, py),
                (FONT, 13)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        root.present()?;
        Ok(())
    })();
    drawn.ok().map(|()| svg)
}

/// Throughput against input size, one line per variant, both axes logarithmic, ticks at the
/// measured sizes (labelled with `size_labels`). `None` when nothing has a time.
pub fn scaling_lines(lines: &[Line], size_labels: &[(f64, String)]) -> Option<String> {
    let pts: Vec<&(f64, Bar)> = lines.iter().flat_map(|l| l.points.iter()).collect();
    let ylo = pts
        .iter()
        .map(|p| p.1.lo.min(p.1.value))
        .fold(f64::INFINITY, f64::min);
    let yhi = pts
        .iter()
        .map(|p| p.1.hi.max(p.1.value))
        .fold(0.0, f64::max);
    let xlo = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let xhi = pts.iter().map(|p| p.0).fold(0.0, f64::max);
    if pts.is_empty() || !(ylo > 0.0 && xlo > 0.0 && yhi.is_finite()) {
        return None;
    }
    let (width, height) = (600u32, 380u32);
    let x_range = (xlo / 1.6)..(xhi * 1.6);
    let y_range = (ylo / 1.6)..(yhi * 1.6);
    let mut svg = String::new();
    let drawn: ChartResult = (|| {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(8)
            .margin_right(14)
            .x_label_area_size(36)
            .y_label_area_size(96)
            .build_cartesian_2d(x_range.clone().log_scale(), y_range.clone().log_scale())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .set_all_tick_mark_size(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .axis_style(TEXT.mix(0.6))
            .x_desc("input size (log scale)")
            .y_desc("throughput (log scale)")
            .axis_desc_style((FONT, 12).into_font().color(&TEXT))
            .draw()?;
        for y in binary_ticks(y_range.start, y_range.end, 7) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x_range.start, y), (x_range.end, y)],
                GRID.stroke_width(1),
            )))?;
            let (px, py) = chart.backend_coord(&(x_range.start, y));
            root.draw(&Text::new(
                fmt::throughput_tick(y),
                (px - 6, py),
                (FONT, 12)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        // The measured sizes are the ticks: a grid line and a label at each.
        for (x, label) in size_labels {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(*x, y_range.start), (*x, y_range.end)],
                GRID.stroke_width(1),
            )))?;
            let (px, py) = chart.backend_coord(&(*x, y_range.start));
            root.draw(&Text::new(
                label.clone(),
                (px, py + 6),
                (FONT, 12)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        for line in lines {
            let color = series_color(line.color);
            chart.draw_series(LineSeries::new(
                line.points.iter().map(|(x, b)| (*x, b.value)),
                color.stroke_width(2),
            ))?;
            chart.draw_series(line.points.iter().map(|(x, b)| {
                ErrorBar::new_vertical(*x, b.lo, b.value, b.hi, color.stroke_width(1), 6)
            }))?;
            chart.draw_series(
                line.points
                    .iter()
                    .map(|(x, b)| Circle::new((*x, b.value), 3, color.filled())),
            )?;
        }
        root.present()?;
        Ok(())
    })();
    drawn.ok().map(|()| svg)
}

/// One line of a threads chart: aggregate throughput at each thread count.
#[derive(Clone, Debug)]
pub struct ThreadsLine {
    /// The line's colour (an allocator's, or a variant's).
    pub color: RGBColor,
    /// `(threads, aggregate throughput)` points, ascending by threads.
    pub points: Vec<(f64, Bar)>,
}

/// The y axis of a threads chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadsAxis {
    /// From 0, linear: how far each line climbs towards perfect scaling (small charts of one
    /// variant under each allocator, whose lines are of one magnitude).
    Linear,
    /// Logarithmic, and twice as wide: variants whose throughputs differ by orders of magnitude.
    Log,
}

/// A chart of aggregate throughput against thread count, one line per series, with (on a
/// linear axis) a dashed line of perfect scaling from `ideal_from` (the reference line's
/// one-thread throughput, times the thread count). Ticks at the measured `threads`. `None` when
/// nothing has a throughput.
pub fn threads_lines(
    lines: &[ThreadsLine],
    threads: &[u32],
    ideal_from: Option<f64>,
    axis: ThreadsAxis,
) -> Option<String> {
    let pts: Vec<&(f64, Bar)> = lines.iter().flat_map(|l| l.points.iter()).collect();
    let usable = |x: f64| x.is_finite() && x > 0.0;
    if pts.is_empty() || !pts.iter().all(|p| usable(p.0) && usable(p.1.value)) {
        return None;
    }
    let tmax = threads.iter().copied().max().unwrap_or(1).max(1) as f64;
    let tmin = threads.iter().copied().min().unwrap_or(1).max(1) as f64;
    let ideal = ideal_from
        .filter(|x| usable(*x) && axis == ThreadsAxis::Linear && tmax > tmin)
        .map(|one| [(tmin, one * tmin), (tmax, one * tmax)]);
    let yhi = pts
        .iter()
        .map(|p| p.1.hi.max(p.1.value))
        .chain(ideal.iter().map(|i| i[1].1))
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let ylo = pts
        .iter()
        .map(|p| p.1.lo.min(p.1.value))
        .filter(|x| usable(*x))
        .fold(f64::INFINITY, f64::min);
    if !usable(yhi) || !usable(ylo) {
        return None;
    }
    // Drawn in `y` space: the throughput itself, or its log2 on a log axis.
    let (y, ticks, y_range, (width, height)) = match axis {
        ThreadsAxis::Linear => {
            let (ticks, step) = linear_ticks(yhi * 1.08, 4);
            let top = (ticks.last().copied().unwrap_or(yhi) + step * 0.15).max(yhi * 1.08);
            let y: fn(f64) -> f64 = |v| v;
            (y, ticks, 0.0..top, (300u32, 210u32))
        }
        ThreadsAxis::Log => {
            let (lo, hi) = (ylo / 1.5, yhi * 1.5);
            let y: fn(f64) -> f64 = f64::log2;
            (y, binary_ticks(lo, hi, 6), lo.log2()..hi.log2(), (600, 250))
        }
    };
    let pad = ((tmax - tmin) * 0.12).max(0.25);
    let x_range = (tmin - pad)..(tmax + pad);
    let mut svg = String::new();
    let drawn: ChartResult = (|| {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .margin_top(8)
            .margin_right(12)
            .x_label_area_size(34)
            .y_label_area_size(80)
            .build_cartesian_2d(x_range.clone(), y_range.clone())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .set_all_tick_mark_size(0)
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .axis_style(TEXT.mix(0.6))
            .x_desc("threads")
            .axis_desc_style((FONT, 13).into_font().color(&TEXT))
            .draw()?;
        for tick in &ticks {
            let ty = y(*tick);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x_range.start, ty), (x_range.end, ty)],
                GRID.stroke_width(1),
            )))?;
            let (px, py) = chart.backend_coord(&(x_range.start, ty));
            root.draw(&Text::new(
                fmt::throughput_tick(*tick),
                (px - 5, py),
                (FONT, 13)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        for t in threads {
            let x = f64::from(*t);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, y_range.start), (x, y_range.end)],
                GRID.stroke_width(1),
            )))?;
            let (px, py) = chart.backend_coord(&(x, y_range.start));
            root.draw(&Text::new(
                t.to_string(),
                (px, py + 5),
                (FONT, 13)
                    .into_font()
                    .color(&TEXT)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        if let Some(ideal) = ideal {
            let faint = TEXT.mix(0.45);
            chart.draw_series(DashedLineSeries::new(
                ideal.map(|(x, v)| (x, y(v))),
                4,
                4,
                faint.stroke_width(1),
            ))?;
            // Above the line, left of its end: the measured lines run below it.
            let (px, py) = chart.backend_coord(&(ideal[1].0, y(ideal[1].1)));
            root.draw(&Text::new(
                "ideal",
                (px - 10, py - 2),
                (FONT, 12)
                    .into_font()
                    .color(&faint)
                    .pos(Pos::new(HPos::Right, VPos::Bottom)),
            ))?;
        }
        for line in lines {
            chart.draw_series(LineSeries::new(
                line.points.iter().map(|(x, b)| (*x, y(b.value))),
                line.color.stroke_width(2),
            ))?;
            chart.draw_series(line.points.iter().map(|(x, b)| {
                ErrorBar::new_vertical(
                    *x,
                    y(b.lo),
                    y(b.value),
                    y(b.hi),
                    line.color.stroke_width(1),
                    6,
                )
            }))?;
            chart.draw_series(
                line.points
                    .iter()
                    .map(|(x, b)| Circle::new((*x, y(b.value)), 3, line.color.filled())),
            )?;
        }
        root.present()?;
        Ok(())
    })();
    drawn.ok().map(|()| svg)
}

/// At most about `max` round ticks from 0 to `hi` (`hi` > 0), round in the binary unit of
/// `hi` (`0`, `200 MiB/s`, `400 MiB/s`, …), and their step.
fn linear_ticks(hi: f64, max: usize) -> (Vec<f64>, f64) {
    let mut unit = 1.0;
    while hi / unit >= 1024.0 && unit < 1024f64.powi(5) {
        unit *= 1024.0;
    }
    let raw = hi / unit / max.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        * unit;
    let ticks = (0..)
        .map(|k| k as f64 * step)
        .take_while(|y| *y <= hi)
        .collect();
    (ticks, step)
}

/// Powers of two within `lo..=hi`, every `step`th one so that at most `max` remain: binary
/// units make these round numbers (`256 MiB/s`, `1 GiB/s`, `4 GiB/s`).
fn binary_ticks(lo: f64, hi: f64, max: usize) -> Vec<f64> {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return Vec::new();
    }
    let (a, b) = (lo.log2().ceil() as i32, hi.log2().floor() as i32);
    let count = (b - a + 1).max(1) as usize;
    let step = count.div_ceil(max.max(1)).max(1) as i32;
    (a..=b)
        .filter(|k| k.rem_euclid(step) == 0)
        .map(|k| 2f64.powi(k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(v: f64) -> Bar {
        Bar {
            value: v,
            lo: v * 0.9,
            hi: v * 1.1,
        }
    }

    #[test]
    fn ticks_are_round_binary_numbers() {
        let t = binary_ticks(3e8, 2e10, 7);
        assert!(t.len() <= 7 && !t.is_empty(), "{t:?}");
        assert!(
            t.contains(&2f64.powi(30)) || t.contains(&2f64.powi(31)),
            "{t:?}"
        );
        assert!(binary_ticks(0.0, 1.0, 5).is_empty());
    }

    #[test]
    fn charts_are_svg_with_text_labels() {
        let rows = vec![
            BarRow {
                label: "naive".into(),
                bars: vec![Some(bar(1e8)), None],
            },
            BarRow {
                label: "simd-<avx2>".into(),
                bars: vec![Some(bar(1e10)), Some(bar(2e10))],
            },
        ];
        let allocs = vec!["system".to_owned(), "jemalloc".to_owned()];
        let svg = throughput_bars(&rows, &allocs).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..50]);
        assert!(svg.contains("<text") && svg.contains("naive"));
        assert!(svg.contains("simd-&lt;avx2&gt;"), "labels are escaped");
        let lines = vec![Line {
            color: 0,
            points: vec![(4096.0, bar(1e9)), (65536.0, bar(2e9))],
        }];
        let labels = vec![(4096.0, "4KiB".to_owned()), (65536.0, "64KiB".to_owned())];
        let svg = scaling_lines(&lines, &labels).unwrap();
        assert!(svg.contains("4KiB") && svg.contains("<polyline"));
        assert!(throughput_bars(&[], &allocs).is_none());
        assert!(scaling_lines(&[], &labels).is_none());
    }

    #[test]
    fn threads_chart_has_its_thread_ticks_and_an_ideal_line() {
        let lines = vec![ThreadsLine {
            color: series_color(0),
            points: vec![(1.0, bar(1e9)), (2.0, bar(1.6e9)), (4.0, bar(2.2e9))],
        }];
        let svg = threads_lines(&lines, &[1, 2, 4], Some(1e9), ThreadsAxis::Linear).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
        for label in ["1", "2", "4", "ideal", "threads"] {
            assert!(svg.contains(&format!(">\n{label}\n</text>")), "{label}");
        }
        // The y axis starts at 0 and its ticks are round in the unit of the largest value.
        assert!(svg.contains("0 B/s") && svg.contains("2 GiB/s"), "{svg}");
        assert!(threads_lines(&[], &[1, 2], None, ThreadsAxis::Linear).is_none());
        // On a log axis: no ideal line, ticks at powers of two.
        let svg = threads_lines(&lines, &[1, 2, 4], Some(1e9), ThreadsAxis::Log).unwrap();
        assert!(!svg.contains("ideal") && svg.contains("1 GiB/s"), "{svg}");
        let nan = vec![ThreadsLine {
            color: series_color(0),
            points: vec![(1.0, bar(f64::NAN))],
        }];
        assert!(threads_lines(&nan, &[1], None, ThreadsAxis::Log).is_none());
    }

    #[test]
    fn linear_ticks_are_round() {
        let gib = 1024f64.powi(3);
        let (t, step) = linear_ticks(3.9 * gib, 4);
        assert_eq!(step, gib);
        assert_eq!(t, [0.0, gib, 2.0 * gib, 3.0 * gib]);
        let (t, _) = linear_ticks(300.0, 4);
        assert_eq!(t, [0.0, 100.0, 200.0, 300.0]);
    }
}
