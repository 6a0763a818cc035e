//! perflab's HTML report: one self-contained page that a person opens offline to see which
//! variant wins each workload, under which allocator, by how much and how surely.
//!
//! The page inlines everything: CSS, SVG charts (plotters), and a few lines of plain JavaScript
//! that only add table sorting and filtering — with JavaScript off every number is still there.
//! It makes no request of any kind (no CDN, no web fonts). The samples arrays are not copied
//! into the page, so the default matrix stays well under 2 MB.
//!
//! Cells at more than one thread are kept out of the one-thread views (winners, throughput
//! charts, the allocator table) and shown in each workload's threads view, laid out from the
//! harness's one model of it ([`perflab_harness::summary::threads_views`]), which the terminal
//! shows too.
//!
//! [`render`] turns results (and optionally a baseline) into the page; [`write_report_of`] writes
//! it atomically beside the run's profiles, and [`write_report`] does so from the files.
//! [`change::classify`] is the rule that calls a baseline change a regression or an improvement.
#![forbid(unsafe_code)]

pub mod change;
mod charts;
pub mod flames;
pub mod fmt;
mod view;

use askama::Template;
use perflab_harness::results::{Results, ResultsError, write_file_atomic};
use std::path::{Path, PathBuf};

/// How to render a report beyond what the results say.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// The directory the page is written to (the run directory). A cell links to its
    /// flamegraph `flame/<workload>-<variant>-<allocator>-<size>.svg` (relative to the page)
    /// when that file exists there; `None`: no profile links.
    pub page_dir: Option<PathBuf>,
    /// The run's profiles (`flame/index.json` in the page's directory), shown in each
    /// workload's section.
    pub flames: Option<flames::FlameIndex>,
}

/// Why a report could not be made. Each file error names the path.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The results or baseline file could not be read, parsed, or is of another schema.
    #[error(transparent)]
    Results(#[from] ResultsError),
    /// The run's profile index exists but cannot be used.
    #[error(transparent)]
    Flames(#[from] flames::FlameIndexError),
    /// The page could not be rendered from its template.
    #[error("cannot render the report: {0}")]
    Template(#[from] askama::Error),
    /// The page could not be written.
    #[error("cannot write report {}", path.display())]
    Write {
        /// The page's path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

#[derive(Template)]
#[template(path = "report.html")]
struct PageTemplate<'a> {
    page: &'a view::Page,
}

/// The threads view's verdict in words — which allocator wins at a workload's most threads, by
/// how much and how surely, and the memory each took — as the page says it, for the terminal to
/// say the same (`perflab run` prints it under its threads table).
pub fn threads_verdict(view: &perflab_harness::summary::ThreadsView) -> Option<String> {
    let v = view::verdict_text(view.verdict.as_ref()?);
    Some(
        format!(
            "{} ({}): {} {}",
            view.workload, view.size, v.sentence, v.memory
        )
        .trim_end()
        .to_owned(),
    )
}

/// Renders the report page for `results`, comparing each cell with `baseline` when given.
pub fn render(
    results: &Results,
    baseline: Option<&Results>,
    opts: &RenderOptions,
) -> Result<String, ReportError> {
    let page = view::build(results, baseline, opts)?;
    Ok(PageTemplate { page: &page }.render()?)
}

/// Reads `results_path` (and `baseline_path`) and writes their page to `out` as
/// [`write_report_of`] does: for a reader of files (`perflab report`).
pub fn write_report(
    results_path: &Path,
    baseline_path: Option<&Path>,
    out: &Path,
) -> Result<(), ReportError> {
    let results = Results::read(results_path)?;
    let baseline = baseline_path.map(Results::read).transpose()?;
    write_report_of(&results, baseline.as_ref(), out)
}

/// Renders the page of `results` (compared with `baseline` when given) and writes it to `out`
/// atomically: a reader sees the previous page or the new one, never half of one. The profiles
/// of `run --flame` are shown when they are in `flame/` beside `out` (the run directory, where
/// `run` writes the page), so every link is relative and the directory can be copied anywhere.
///
/// Why it takes the results themselves: a run that has them in memory renders its page without
/// writing and reading its own file back.
pub fn write_report_of(
    results: &Results,
    baseline: Option<&Results>,
    out: &Path,
) -> Result<(), ReportError> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let opts = RenderOptions {
        page_dir: Some(dir.to_owned()),
        flames: flames::FlameIndex::read_in(dir)?,
    };
    let html = render(results, baseline, &opts)?;
    write_file_atomic(out, html.as_bytes()).map_err(|source| ReportError::Write {
        path: out.to_owned(),
        source,
    })
}
