//! The progress a run shows while it measures: a bar on a terminal, a line per group elsewhere.

use indicatif::{ProgressBar, ProgressStyle};
use perflab_harness::engine::Progress;
use perflab_harness::plan::Group;
use perflab_harness::results::{Benchmark, CellStatus};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A progress bar on a terminal; one quiet line per group otherwise (CI logs).
pub(super) struct RunProgress {
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
    /// When each group in the window started (groups are measured side by side).
    started: std::collections::HashMap<String, Instant>,
}

impl RunProgress {
    pub(super) fn new(total: usize) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} groups, {elapsed} elapsed, ~{eta} left  {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        RunProgress {
            bar,
            total,
            done: 0,
            started: std::collections::HashMap::new(),
        }
    }

    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for RunProgress {
    fn group_started(&mut self, g: &Group) {
        self.started.insert(g.label(), Instant::now());
        if let Some(b) = &self.bar {
            b.set_message(format!("{} {}", g.workload, g.size));
        }
    }

    fn group_finished(&mut self, g: &Group, cells: &[Benchmark]) {
        self.done += 1;
        let failed = cells
            .iter()
            .filter(|c| c.status == CellStatus::Failed)
            .count();
        match &self.bar {
            Some(b) => {
                b.inc(1);
                for c in cells.iter().filter(|c| c.status == CellStatus::Failed) {
                    b.println(format!(
                        "failed: {}: {}",
                        c.name.id,
                        c.error.as_deref().unwrap_or("")
                    ));
                }
            }
            None => errln!(
                "[{}/{}] {} {} ({}): {} cells over {:.1?}{}",
                self.done,
                self.total,
                g.workload,
                g.size,
                g.allocators.join(", "),
                cells.len(),
                self.started
                    .remove(&g.label())
                    .map_or(Duration::ZERO, |t| t.elapsed()),
                if failed > 0 {
                    format!(", {failed} failed")
                } else {
                    String::new()
                }
            ),
        }
    }

    fn warn(&mut self, message: &str) {
        match &self.bar {
            Some(b) => b.println(format!("warning: {message}")),
            None => errln!("warning: {message}"),
        }
    }
}
