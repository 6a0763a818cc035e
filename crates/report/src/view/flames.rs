//! A workload's profiles in its section: from the number to the why on one page.
//!
//! The pictures are the SVGs `run --flame` wrote under `flame/` (shown as images, each a link to
//! the interactive SVG); the words are the frames whose time per iteration changed most from
//! naive to the fastest variant, as `flame/index.json` lists them.

use crate::flames::{FrameChange, WorkloadFlames};
use crate::fmt;

/// What a workload section shows of its profiles.
pub struct FlameView {
    /// `16MiB under system`.
    pub at: String,
    /// The pictures: naive, the winner, the differential graph.
    pub figures: Vec<FlameFigure>,
    /// Which frames shrank and grew most, in words.
    pub sentence: String,
    /// The frames that changed most, largest change first.
    pub changes: Vec<FrameRow>,
    /// Why a profile is missing.
    pub error: String,
    /// How the stacks were taken, e.g. `pprof 999 Hz, 3 s per cell`.
    pub how: String,
}

/// One flamegraph picture.
pub struct FlameFigure {
    pub title: String,
    /// The SVG, relative to the page.
    pub svg: String,
    /// Its folded stacks, relative to the page (absent for the differential graph).
    pub folded: Option<String>,
    pub note: String,
}

/// One frame whose cost changed.
pub struct FrameRow {
    pub short: String,
    pub frame: String,
    pub naive: String,
    pub winner: String,
    pub delta: String,
    pub class: &'static str,
}

/// How many frames the table lists per direction (shrank, grew).
const ROWS: usize = 5;

/// `seconds`: how long each cell was sampled (for the achieved sample rate, which the kernel's
/// timer tick can hold below the rate asked for).
pub fn flame_view(w: &WorkloadFlames, how: String, seconds: f64) -> FlameView {
    let mut figures = Vec::new();
    let winner_name = w
        .winner
        .as_ref()
        .map_or("the winner", |c| c.variant.as_str());
    for (title, cell) in [("naive", &w.naive), (winner_name, &w.winner)] {
        if let Some(c) = cell {
            figures.push(FlameFigure {
                title: format!("{title} ({})", c.cell),
                svg: c.svg.clone(),
                folded: Some(c.folded.clone()),
                note: if seconds > 0.0 {
                    format!(
                        "{} samples ({:.0} a second)",
                        c.samples,
                        c.samples as f64 / seconds
                    )
                } else {
                    format!("{} samples", c.samples)
                },
            });
        }
    }
    if let Some(diff) = &w.diff_svg {
        figures.push(FlameFigure {
            title: format!("{winner_name} against naive (differential)"),
            svg: diff.clone(),
            folded: None,
            note: format!(
                "{winner_name}'s frames; red: a larger share than in naive, blue: smaller"
            ),
        });
    }
    // The table: what shrank most (most first), then what grew most.
    let mut shrank: Vec<&FrameChange> = w.changes.iter().filter(|c| c.delta_ns() < 0.0).collect();
    shrank.sort_by(|a, b| a.delta_ns().total_cmp(&b.delta_ns()));
    let mut grew: Vec<&FrameChange> = w.changes.iter().filter(|c| c.delta_ns() > 0.0).collect();
    grew.sort_by(|a, b| b.delta_ns().total_cmp(&a.delta_ns()));
    let changes = shrank
        .into_iter()
        .take(ROWS)
        .chain(grew.into_iter().take(ROWS))
        .map(|c| FrameRow {
            short: c.name().to_owned(),
            frame: c.frame.clone(),
            naive: cost(c.naive_ns, c.naive_share),
            winner: cost(c.winner_ns, c.winner_share),
            delta: fmt::signed_time(c.delta_ns()),
            class: if c.delta_ns() > 0.0 {
                "regression"
            } else {
                "improvement"
            },
        })
        .collect();
    FlameView {
        at: format!("{} under {}", w.size, w.allocator),
        figures,
        sentence: w.sentence(),
        changes,
        error: w.error.clone().unwrap_or_default(),
        how,
    }
}

fn cost(ns: f64, s: f64) -> String {
    if s <= 0.0 {
        "–".to_owned()
    } else {
        format!("{} ({})", fmt::time_ns(ns), fmt::share(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flames::CellFlame;

    #[test]
    fn the_sentence_names_what_shrank_and_grew_most() {
        let cell = |v: &str| CellFlame {
            cell: format!("w/{v}/system/4KiB"),
            variant: v.into(),
            svg: format!("flame/w-{v}-system-4KiB.svg"),
            folded: format!("flame/w-{v}-system-4KiB.folded"),
            samples: 100,
        };
        let change = |f: &str, n: f64, w: f64| FrameChange {
            frame: f.into(),
            short: String::new(),
            naive_share: n,
            winner_share: w,
            naive_ns: n * 1000.0,
            winner_ns: w * 100.0,
        };
        let w = WorkloadFlames {
            workload: "w".into(),
            size: "4KiB".into(),
            allocator: "system".into(),
            naive: Some(cell("naive")),
            winner: Some(cell("simd")),
            diff_svg: Some("flame/w-simd-vs-naive-system-4KiB.svg".into()),
            changes: vec![
                change("lower", 0.6, 0.0),
                change("hash", 0.4, 0.2),
                change("scan", 0.0, 0.8),
            ],
            error: None,
        };
        let v = flame_view(&w, String::new(), 2.0);
        assert_eq!(
            v.sentence,
            w.sentence(),
            "the report's words are the terminal's"
        );
        assert_eq!(v.figures[0].note, "100 samples (50 a second)");
        assert_eq!(v.figures.len(), 3);
        assert!(
            v.sentence
                .starts_with("From naive to simd, time per iteration shrank most in lower (−600 ns: 60.0% → none) and hash"),
            "{}",
            v.sentence
        );
        assert!(
            v.sentence.contains("grew most in scan (+80"),
            "{}",
            v.sentence
        );
        assert_eq!(v.changes[0].short, "lower");
        assert_eq!(v.changes[0].class, "improvement");
        assert_eq!(v.changes.last().unwrap().short, "scan");
        assert_eq!(v.changes.last().unwrap().class, "regression");
    }
}
