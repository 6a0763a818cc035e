//! The profiles `perflab run --flame` leaves beside its results, as the report reads them.
//!
//! A run directory with profiles has `flame/index.json` (a [`FlameIndex`]) next to
//! `results.json`, and the SVG and `.folded` files it names, all under `flame/`. Paths in the
//! index are relative to the run directory, so the directory can be copied anywhere and the
//! page's links still work. The report shows each workload's profiles in its section and says
//! in words which frames grew and shrank most; it never runs a profiler itself.

use crate::fmt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The schema tag of `flame/index.json`.
pub const FLAME_SCHEMA: &str = "perflab/flame/v1";

/// Where the index lives in a run directory.
pub const INDEX_PATH: &str = "flame/index.json";

/// Every workload's profiles from one run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FlameIndex {
    /// Always [`FLAME_SCHEMA`].
    pub schema: String,
    /// How stacks were taken, e.g. `pprof 999 Hz`.
    pub source: String,
    /// How long each cell was profiled, seconds.
    pub seconds: f64,
    /// One entry per profiled workload, in the results' order.
    pub workloads: Vec<WorkloadFlames>,
}

/// One workload's profiles: naive and the fastest variant at the largest size measured, under
/// the fastest cell's allocator, and the differential flamegraph between them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadFlames {
    /// The workload.
    pub workload: String,
    /// The size label profiled (the largest measured), e.g. `16MiB`, or `file`.
    pub size: String,
    /// The allocator both cells ran under (the fastest cell's).
    pub allocator: String,
    /// The naive cell's profile, when it was made.
    pub naive: Option<CellFlame>,
    /// The fastest cell's profile (absent when naive itself is the fastest).
    pub winner: Option<CellFlame>,
    /// The differential flamegraph: the winner's frames, red where their share of the time grew
    /// against naive, blue where it shrank. Relative to the run directory.
    pub diff_svg: Option<String>,
    /// Frames whose time per iteration changed most from naive to the winner (self time share ×
    /// the cell's measured median time), largest change first; at most a dozen.
    pub changes: Vec<FrameChange>,
    /// Why a profile is missing (the profiler failed, the cell could not be prepared).
    pub error: Option<String>,
}

/// One profiled cell.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CellFlame {
    /// The results file's cell id, e.g. `wordfreq/naive/system/16MiB`.
    pub cell: String,
    /// The variant.
    pub variant: String,
    /// The interactive SVG, relative to the run directory.
    pub svg: String,
    /// Its folded stacks, relative to the run directory.
    pub folded: String,
    /// Stack samples taken.
    pub samples: u64,
}

/// How much of a cell's time per iteration one frame accounts for, in naive and in the winner.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameChange {
    /// The frame (the leaf of the stacks it is the leaf of, with its caller when the leaf's
    /// name has no path).
    pub frame: String,
    /// The same, short enough for a sentence (`HashMap::insert`, `walk_block › add`); the page
    /// shows `frame` as its tooltip. Empty in an index that lacks it: `frame` is shown.
    #[serde(default)]
    pub short: String,
    /// Its share of naive's self samples, 0–1.
    pub naive_share: f64,
    /// Its share of the winner's self samples, 0–1.
    pub winner_share: f64,
    /// `naive_share` × naive's median time per iteration, ns.
    pub naive_ns: f64,
    /// `winner_share` × the winner's median time per iteration, ns.
    pub winner_ns: f64,
}

/// How many frames [`WorkloadFlames::sentence`] names per direction (shrank, grew).
const NAMED: usize = 3;

impl WorkloadFlames {
    /// In words, which frames' time per iteration shrank and grew most from naive to the
    /// winner (the report's sentence); empty when there is nothing to compare.
    ///
    /// `From naive to simd, time per iteration shrank most in a (−1.2 ms: 41% of naive's samples →
    /// none), b (…) and c (…); it grew most in d (+120 µs: none → 62%).`
    pub fn sentence(&self) -> String {
        let (Some(_), Some(winner)) = (&self.naive, &self.winner) else {
            return String::new();
        };
        let winner = winner.variant.as_str();
        let mut ranked: Vec<&FrameChange> = self.changes.iter().collect();
        ranked.sort_by(|a, b| b.delta_ns().abs().total_cmp(&a.delta_ns().abs()));
        let named = |grew: bool| -> Vec<String> {
            ranked
                .iter()
                .filter(|c| (c.delta_ns() > 0.0) == grew && c.delta_ns() != 0.0)
                .take(NAMED)
                .map(|c| {
                    format!(
                        "{} ({}: {} → {})",
                        c.name(),
                        fmt::signed_time(c.delta_ns()),
                        fmt::share(c.naive_share),
                        fmt::share(c.winner_share)
                    )
                })
                .collect()
        };
        let list = |items: Vec<String>| match items.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
        };
        let shrank = list(named(false));
        let grew = list(named(true));
        let mut s = format!("From naive to {winner}, time per iteration ");
        match (shrank, grew) {
            (Some(d), Some(u)) => s.push_str(&format!("shrank most in {d}; it grew most in {u}.")),
            (Some(d), None) => s.push_str(&format!("shrank most in {d}; no frame grew.")),
            (None, Some(u)) => s.push_str(&format!("grew most in {u}; no frame shrank.")),
            (None, None) => return String::new(),
        }
        s.push_str(
            " (Each frame's self time: its share of the cell's samples × the cell's median time.)",
        );
        s
    }
}

impl FrameChange {
    /// The name to show: `short`, or `frame` when there is none.
    pub fn name(&self) -> &str {
        if self.short.is_empty() {
            &self.frame
        } else {
            &self.short
        }
    }

    /// The change in time per iteration, ns: positive when the frame costs more in the winner.
    pub fn delta_ns(&self) -> f64 {
        self.winner_ns - self.naive_ns
    }
}

/// Why an index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FlameIndexError {
    /// Reading failed.
    #[error("cannot read profile index {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not an index of this version.
    #[error("malformed profile index {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl FlameIndex {
    /// Reads `dir/flame/index.json`: `Ok(None)` when the run made no profiles.
    ///
    /// # Errors
    /// The index exists but cannot be read, is not JSON of this shape, is of another schema,
    /// or names a file outside `flame/` (a link the page must not make).
    pub fn read_in(dir: &Path) -> Result<Option<FlameIndex>, FlameIndexError> {
        let path = dir.join(INDEX_PATH);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(FlameIndexError::Read { path, source }),
        };
        let parse = |message: String| FlameIndexError::Parse {
            path: path.clone(),
            message,
        };
        let index: FlameIndex = serde_json::from_str(&text).map_err(|e| parse(e.to_string()))?;
        if index.schema != FLAME_SCHEMA {
            return Err(parse(format!(
                "schema `{}`, this perflab reads `{FLAME_SCHEMA}`",
                index.schema
            )));
        }
        for w in &index.workloads {
            let files = [w.naive.as_ref(), w.winner.as_ref()]
                .into_iter()
                .flatten()
                .flat_map(|c| [&c.svg, &c.folded])
                .chain(w.diff_svg.as_ref());
            for f in files {
                if !is_flame_path(f) {
                    return Err(parse(format!(
                        "{}: `{f}` is not a file under flame/",
                        w.workload
                    )));
                }
            }
        }
        Ok(Some(index))
    }

    /// The entry of `workload`.
    pub fn of(&self, workload: &str) -> Option<&WorkloadFlames> {
        self.workloads.iter().find(|w| w.workload == workload)
    }
}

/// `flame/NAME` with a plain file name: what the page may link to (relative, inside the run
/// directory, so a copied directory keeps working and a crafted index cannot point elsewhere).
pub fn is_flame_path(path: &str) -> bool {
    path.strip_prefix("flame/").is_some_and(|name| {
        !name.is_empty()
            && !name.starts_with('.')
            && !name.contains(['/', '\\', '"', '<', '>', '?', '#'])
    })
}

/// The file name a cell's profile gets under `flame/`: its id with `/` as `-`, e.g.
/// `wordfreq-naive-system-16MiB.svg`.
pub fn file_name(cell_id: &str, extension: &str) -> String {
    format!("{}.{extension}", cell_id.replace('/', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_under_flame_are_links() {
        assert!(is_flame_path("flame/wordfreq-naive-system-16MiB.svg"));
        assert!(!is_flame_path("flame/../x.svg"));
        assert!(!is_flame_path("/etc/passwd"));
        assert!(!is_flame_path("https://example.com/x.svg"));
        assert!(!is_flame_path("flame/"));
        assert_eq!(
            file_name("wordfreq/naive/system/16MiB", "svg"),
            "wordfreq-naive-system-16MiB.svg"
        );
    }

    #[test]
    fn index_reads_back_and_bad_ones_are_errors() {
        let dir = std::env::temp_dir().join(format!("perflab-flames-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("flame")).unwrap();
        assert_eq!(FlameIndex::read_in(&dir).unwrap(), None);
        let index = FlameIndex {
            schema: FLAME_SCHEMA.into(),
            source: "pprof 999 Hz".into(),
            seconds: 1.0,
            workloads: vec![WorkloadFlames {
                workload: "w".into(),
                size: "4KiB".into(),
                allocator: "system".into(),
                naive: Some(CellFlame {
                    cell: "w/naive/system/4KiB".into(),
                    variant: "naive".into(),
                    svg: "flame/w-naive-system-4KiB.svg".into(),
                    folded: "flame/w-naive-system-4KiB.folded".into(),
                    samples: 10,
                }),
                ..WorkloadFlames::default()
            }],
        };
        let path = dir.join(INDEX_PATH);
        std::fs::write(&path, serde_json::to_string(&index).unwrap()).unwrap();
        assert_eq!(FlameIndex::read_in(&dir).unwrap(), Some(index.clone()));
        let mut bad = index;
        bad.workloads[0].diff_svg = Some("../elsewhere.svg".into());
        std::fs::write(&path, serde_json::to_string(&bad).unwrap()).unwrap();
        let err = FlameIndex::read_in(&dir).unwrap_err().to_string();
        assert!(
            err.contains("elsewhere.svg") && err.contains("index.json"),
            "{err}"
        );
        std::fs::write(&path, "{").unwrap();
        assert!(FlameIndex::read_in(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
