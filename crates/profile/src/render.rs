//! inferno's SVG flamegraphs, plain or differential, from [`Folded`] stacks.
//!
//! One place renders for `perflab flame` and for the criterion profiler in `benches/`, so both
//! draw the same picture from the same format.

use crate::{Folded, ProfileError};
use std::io::BufWriter;
use std::path::Path;

/// What a flamegraph shows, for its title and tooltips.
#[derive(Clone, Debug)]
pub struct Labels {
    /// The title at the top, e.g. `wordfreq/naive/64KiB/system (pprof 999 Hz)`.
    pub title: String,
    /// A line under the title, e.g. how long and on what was sampled.
    pub subtitle: Option<String>,
    /// The unit of the counts: `samples` or `ns`.
    pub count_name: String,
}

/// Creates the directory that will hold `path`.
///
/// # Errors
/// The directory cannot be created.
pub fn create_parent(path: &Path) -> Result<(), ProfileError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|e| ProfileError::io("create", dir, e))
        }
        _ => Ok(()),
    }
}

fn options(labels: &Labels) -> inferno::flamegraph::Options<'static> {
    let mut options = inferno::flamegraph::Options::default();
    options.title.clone_from(&labels.title);
    options.subtitle.clone_from(&labels.subtitle);
    options.count_name.clone_from(&labels.count_name);
    // The same function gets the same colour in every graph, so two graphs compare at a glance.
    options.hash = true;
    options
}

/// Renders `folded` as an interactive SVG at `path` (directory created). An empty profile
/// still gives a picture that says so, rather than no file.
///
/// # Errors
/// The file cannot be written or inferno rejects the stacks.
pub fn write_svg(labels: &Labels, folded: &Folded, path: &Path) -> Result<(), ProfileError> {
    let lines = if folded.is_empty() {
        vec!["no-samples 1".to_owned()]
    } else {
        folded.lines()
    };
    render(labels, lines.iter().map(String::as_str), path)
}

/// Renders the differential flamegraph of `head` against `base`: frames are as wide as in
/// `head` and coloured by how their share changed (red: grew, blue: shrank). `base` is
/// normalised to `head`'s total, so a longer or shorter run does not paint everything one colour.
///
/// # Errors
/// The file cannot be written or inferno rejects the stacks.
pub fn write_diff_svg(
    labels: &Labels,
    base: &Folded,
    head: &Folded,
    path: &Path,
) -> Result<(), ProfileError> {
    let mut diff = Vec::new();
    let opts = inferno::differential::Options {
        normalize: true,
        strip_hex: false,
    };
    inferno::differential::from_readers(
        opts,
        base.to_text().as_bytes(),
        head.to_text().as_bytes(),
        &mut diff,
    )
    .map_err(|e| ProfileError::Render {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let text = String::from_utf8_lossy(&diff);
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return write_svg(labels, head, path);
    }
    render(labels, lines.into_iter(), path)
}

fn render<'a>(
    labels: &Labels,
    lines: impl Iterator<Item = &'a str>,
    path: &Path,
) -> Result<(), ProfileError> {
    create_parent(path)?;
    let file = std::fs::File::create(path).map_err(|e| ProfileError::io("create", path, e))?;
    inferno::flamegraph::from_lines(&mut options(labels), lines, BufWriter::new(file)).map_err(
        |e| ProfileError::Render {
            path: path.to_owned(),
            message: e.to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_become_svgs_naming_the_frames() {
        let dir = std::env::temp_dir().join(format!("perflab-render-{}", std::process::id()));
        let labels = Labels {
            title: "search/simd-avx2".into(),
            subtitle: None,
            count_name: "samples".into(),
        };
        let mut head = Folded::new();
        head.add(["main", "bench", "count_generic"], 7);
        head.add(["main", "bench", "find_generic"], 3);
        let mut base = Folded::new();
        base.add(["main", "bench", "count_generic"], 3);
        base.add(["main", "bench", "find_generic"], 7);
        write_svg(&labels, &head, &dir.join("a/flame.svg")).unwrap();
        write_svg(&labels, &Folded::new(), &dir.join("empty.svg")).unwrap();
        write_diff_svg(&labels, &base, &head, &dir.join("diff.svg")).unwrap();
        let svg = std::fs::read_to_string(dir.join("a/flame.svg")).unwrap();
        let diff = std::fs::read_to_string(dir.join("diff.svg")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(svg.contains("count_generic") && svg.contains("simd-avx2"));
        assert!(diff.contains("find_generic"));
    }
}
