//! The report's SVG charts (throughput by variant, against size, and against threads), drawn with plotters' SVG backend into strings that are inlined in
//! the page.
//!
//! Text is emitted as SVG `<text>` elements (plotters is built without `ttf`), so no font file is
//! read or shipped: the browser lays the labels out with its own sans-serif. Throughputs span
//! orders of magnitude (a naive byte loop next to memchr), so both charts use a log scale.
//! Colours match the HTML legends, which come from [`allocator_color`] and [`series_color`].

use crate::fmt;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
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

/// The drawing area of a chart's whole SVG.
type Area<'s> = DrawingArea<SVGBackend<'s>, Shift>;

/// A chart on an SVG drawing area, over coordinates of `f64`s.
type Chart<'c, 's, X, Y> = ChartContext<'c, SVGBackend<'s>, Cartesian2d<X, Y>>;

/// Draws an SVG of `size` pixels, white, with `draw`, into a string; `None` when plotters fails.
fn svg_of(size: (u32, u32), draw: impl FnOnce(&Area) -> ChartResult) -> Option<String> {
    let mut svg = String::new();
    let drawn: ChartResult = (|| {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    drawn.ok().map(|()| svg)
}

/// The margins a chart leaves around its plot: right, below (for the x labels) and left (for
/// the y labels), pixels.
struct Margins {
    right: u32,
    below: u32,
    left: u32,
}

/// A chart on `root` over `x` and `y`, with its axes and their descriptions (`desc_px` high)
/// but no plotters labels: every tick is drawn by [`grid`] and [`label`], in binary units
/// plotters does not know.
fn chart_on<'c, 's, X, Y>(
    root: &'c Area<'s>,
    m: &Margins,
    (x, y): (X, Y),
    (x_desc, y_desc): (&str, Option<&str>),
    desc_px: u32,
) -> Result<Chart<'c, 's, X::CoordDescType, Y::CoordDescType>, Box<dyn std::error::Error>>
where
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(root)
        .margin_top(8)
        .margin_right(m.right)
        .x_label_area_size(m.below)
        .y_label_area_size(m.left)
        .build_cartesian_2d(x, y)?;
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .set_all_tick_mark_size(0)
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|_| String::new())
        .axis_style(TEXT.mix(0.6))
        .x_desc(x_desc);
    if let Some(y_desc) = y_desc {
        mesh.y_desc(y_desc);
    }
    mesh.axis_desc_style((FONT, desc_px).into_font().color(&TEXT))
        .draw()?;
    Ok(chart)
}

/// A grid line from `from` to `to`; returns where `from` is on the SVG, for its label.
fn grid<X, Y>(
    chart: &mut Chart<X, Y>,
    from: (f64, f64),
    to: (f64, f64),
) -> Result<(i32, i32), Box<dyn std::error::Error>>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart.draw_series(std::iter::once(PathElement::new(
        vec![from, to],
        GRID.stroke_width(1),
    )))?;
    Ok(chart.backend_coord(&from))
}

/// `text` in the chart's colour, `px` high, anchored at `at` by `pos`.
fn label(root: &Area, text: String, at: (i32, i32), px: u32, pos: Pos) -> ChartResult {
    root.draw(&Text::new(
        text,
        at,
        (FONT, px).into_font().color(&TEXT).pos(pos),
    ))?;
    Ok(())
}

/// A line of throughputs with their 95% intervals as vertical whiskers and a dot at each point;
/// `y` maps a throughput to the chart's y (itself, or its log on a linear axis).
fn line_with_whiskers<X, Y>(
    chart: &mut Chart<X, Y>,
    points: &[(f64, Bar)],
    color: RGBColor,
    y: fn(f64) -> f64,
) -> ChartResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart.draw_series(LineSeries::new(
        points.iter().map(|(x, b)| (*x, y(b.value))),
        color.stroke_width(2),
    ))?;
    chart.draw_series(points.iter().map(|(x, b)| {
        ErrorBar::new_vertical(*x, y(b.lo), y(b.value), y(b.hi), color.stroke_width(1), 6)
    }))?;
    chart.draw_series(
        points
            .iter()
            .map(|(x, b)| Circle::new((*x, y(b.value)), 3, color.filled())),
    )?;
    Ok(())
}

/// The pixels of one variant's row in the bar chart: a bar of 13 per allocator, and 12 between
/// rows.
fn bar_row_px(allocators: usize) -> usize {
    allocators.max(1) * 13 + 12
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
    let height = 50 + rows.len() * bar_row_px(allocators.len());
    let width = 600;
    let label_w = 8 * rows
        .iter()
        .map(|r| r.label.len())
        .max()
        .unwrap_or(4)
        .clamp(4, 22) as u32
        + 14;
    let x_range = (lo / 1.5)..(hi * 3.5);
    svg_of((width, height as u32), |root| {
        let margins = Margins {
            right: 14,
            below: 36,
            left: label_w,
        };
        let axes = (x_range.clone().log_scale(), 0f64..rows.len() as f64);
        let desc = ("throughput (log scale) — longer is faster", None);
        let mut chart = chart_on(root, &margins, axes, desc, 12)?;
        let y_top = rows.len() as f64;
        for x in binary_ticks(x_range.start, x_range.end, 7) {
            let (px, py) = grid(&mut chart, (x, 0.0), (x, y_top))?;
            if px + 34 > width as i32 {
                continue; // the label would be cut off at the right edge
            }
            let top = Pos::new(HPos::Center, VPos::Top);
            label(root, fmt::throughput_tick(x), (px, py + 6), 12, top)?;
        }
        for (i, row) in rows.iter().enumerate() {
            bar_row(
                root,
                &mut chart,
                rows.len() - i,
                row,
                allocators,
                x_range.start,
            )?;
        }
        Ok(())
    })
}

/// The bars of `row`, whose top is at `top` on the y axis, drawn from `x0`.
fn bar_row<X, Y>(
    root: &Area,
    chart: &mut Chart<X, Y>,
    top: usize,
    row: &BarRow,
    allocators: &[String],
    x0: f64,
) -> ChartResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let top = top as f64;
    let row_px = bar_row_px(allocators.len()) as f64;
    let slot = (1.0 - 12.0 / row_px) / allocators.len().max(1) as f64;
    let pad = 6.0 / row_px;
    let value_font = (FONT, 11)
        .into_font()
        .color(&TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (j, bar) in row.bars.iter().enumerate() {
        let Some(b) = bar else { continue };
        let y1 = top - pad - j as f64 * slot;
        let y0 = y1 - slot * 0.85;
        let ym = (y0 + y1) / 2.0;
        let color = allocator_color(allocators.get(j).map_or("", String::as_str), j);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, y0), (b.value, y1)],
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
    let (px, py) = chart.backend_coord(&(x0, top - 0.5));
    let right = Pos::new(HPos::Right, VPos::Center);
    label(root, row.label.clone(), (px - 8, py), 13, right)
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
    let x_range = (xlo / 1.6)..(xhi * 1.6);
    let y_range = (ylo / 1.6)..(yhi * 1.6);
    svg_of((600, 380), |root| {
        let margins = Margins {
            right: 14,
            below: 36,
            left: 96,
        };
        let axes = (x_range.clone().log_scale(), y_range.clone().log_scale());
        let desc = ("input size (log scale)", Some("throughput (log scale)"));
        let mut chart = chart_on(root, &margins, axes, desc, 12)?;
        for y in binary_ticks(y_range.start, y_range.end, 7) {
            let (px, py) = grid(&mut chart, (x_range.start, y), (x_range.end, y))?;
            let right = Pos::new(HPos::Right, VPos::Center);
            label(root, fmt::throughput_tick(y), (px - 6, py), 12, right)?;
        }
        // The measured sizes are the ticks: a grid line and a label at each.
        for (x, text) in size_labels {
            let (px, py) = grid(&mut chart, (*x, y_range.start), (*x, y_range.end))?;
            let top = Pos::new(HPos::Center, VPos::Top);
            label(root, text.clone(), (px, py + 6), 12, top)?;
        }
        for line in lines {
            line_with_whiskers(&mut chart, &line.points, series_color(line.color), |v| v)?;
        }
        Ok(())
    })
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

/// How a threads chart draws its y axis, from the throughputs it shows.
struct ThreadsY {
    /// A throughput in the chart's y space: itself, or its log2 on a log axis (plotters' log
    /// coordinates would not take the dashed ideal line's values as they are).
    y: fn(f64) -> f64,
    /// Throughputs to label.
    ticks: Vec<f64>,
    /// The axis, in `y` space.
    range: std::ops::Range<f64>,
    /// The chart's size, pixels.
    size: (u32, u32),
}

impl ThreadsY {
    fn new(axis: ThreadsAxis, ylo: f64, yhi: f64) -> Self {
        match axis {
            ThreadsAxis::Linear => {
                let (ticks, step) = linear_ticks(yhi * 1.08, 4);
                let top = (ticks.last().copied().unwrap_or(yhi) + step * 0.15).max(yhi * 1.08);
                ThreadsY {
                    y: |v| v,
                    ticks,
                    range: 0.0..top,
                    size: (300, 210),
                }
            }
            ThreadsAxis::Log => {
                let (lo, hi) = (ylo / 1.5, yhi * 1.5);
                ThreadsY {
                    y: f64::log2,
                    ticks: binary_ticks(lo, hi, 6),
                    range: lo.log2()..hi.log2(),
                    size: (600, 250),
                }
            }
        }
    }
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
    let ty = ThreadsY::new(axis, ylo, yhi);
    let y = ty.y;
    let pad = ((tmax - tmin) * 0.12).max(0.25);
    let x_range = (tmin - pad)..(tmax + pad);
    svg_of(ty.size, |root| {
        let margins = Margins {
            right: 12,
            below: 34,
            left: 80,
        };
        let axes = (x_range.clone(), ty.range.clone());
        let mut chart = chart_on(root, &margins, axes, ("threads", None), 13)?;
        for tick in &ty.ticks {
            let (from, to) = ((x_range.start, y(*tick)), (x_range.end, y(*tick)));
            let (px, py) = grid(&mut chart, from, to)?;
            let right = Pos::new(HPos::Right, VPos::Center);
            label(root, fmt::throughput_tick(*tick), (px - 5, py), 13, right)?;
        }
        for t in threads {
            let x = f64::from(*t);
            let (px, py) = grid(&mut chart, (x, ty.range.start), (x, ty.range.end))?;
            let top = Pos::new(HPos::Center, VPos::Top);
            label(root, t.to_string(), (px, py + 5), 13, top)?;
        }
        if let Some(ideal) = ideal {
            ideal_line(root, &mut chart, ideal, y)?;
        }
        for line in lines {
            line_with_whiskers(&mut chart, &line.points, line.color, y)?;
        }
        Ok(())
    })
}

/// The dashed line of perfect scaling from `ideal[0]` to `ideal[1]`, labelled above its end.
fn ideal_line<X, Y>(
    root: &Area,
    chart: &mut Chart<X, Y>,
    ideal: [(f64, f64); 2],
    y: fn(f64) -> f64,
) -> ChartResult
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
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
    Ok(())
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
