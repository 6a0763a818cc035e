//! The matrix: which cells a run measures, grouped for lock-step sampling, filtered and sharded.
//!
//! A **group** is one workload at one size; its cells are every variant under every allocator
//! (and, in an A/B run, in both builds). It is the unit of lock-step sampling — every cell of a
//! group is sampled in every round, so every comparison perflab makes (variant against naive,
//! allocator against system, head against base) is of samples taken side by side — and the unit
//! of sharding. Groups are listed in a canonical order (workload in registry order, then size),
//! so `--shard I/N` is deterministic.

use perflab_core::{Registry, VariantKind, format_size};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The three allocators, in the order results list them. `system` is every allocator ratio's
/// baseline.
pub const ALLOCATORS: [&str; 3] = ["system", "jemalloc", "mimalloc"];

/// How long and how carefully to measure.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// The default: the whole matrix in about two minutes on a 2-core machine.
    #[default]
    Quick,
    /// For CI gates: fewer sizes, more samples per cell than quick.
    Ci,
    /// Tighter intervals and a larger size.
    Full,
}

impl Preset {
    /// Every preset, in the order `--help` lists them.
    pub const ALL: [Preset; 3] = [Preset::Quick, Preset::Ci, Preset::Full];

    /// The preset's name, as the command line and results files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Ci => "ci",
            Preset::Full => "full",
        }
    }

    /// The preset's measurement settings.
    pub fn settings(self) -> Settings {
        match self {
            Preset::Quick => Settings {
                warmup: Duration::from_millis(20),
                sample_target: Duration::from_micros(500),
                min_rounds: 6,
                max_rounds: 1000,
                group_budget: Duration::from_millis(2000),
                processes: 2,
                window: 8,
            },
            Preset::Ci => Settings {
                warmup: Duration::from_millis(50),
                sample_target: Duration::from_millis(1),
                min_rounds: 8,
                max_rounds: 2000,
                group_budget: Duration::from_millis(8000),
                processes: 2,
                window: 8,
            },
            Preset::Full => Settings {
                warmup: Duration::from_millis(200),
                sample_target: Duration::from_millis(5),
                min_rounds: 10,
                max_rounds: 5000,
                group_budget: Duration::from_secs(30),
                processes: 3,
                window: 8,
            },
        }
    }

    /// The thread counts measured when `--threads` is not given, besides 1, and the sizes they
    /// apply to (`None`: every size), for a machine that may run `max` threads at once.
    ///
    /// Why these: threads are where allocators differ (contention, frees from other threads,
    /// per-thread caches and arenas), so the default run shows them for every workload, but at
    /// the two middle sizes only. There a group's rounds are bounded by its time budget, so the
    /// threaded cells share the group's time instead of adding to the run's; at 16MiB the heavy
    /// groups are bounded by their minimum rounds and would take twice as long. `ci` stays on
    /// one thread (its gate was calibrated there); `full` adds two, `max` and twice `max`
    /// (oversubscription) at every size.
    pub fn threads(self, max: usize) -> (Vec<usize>, Option<Vec<usize>>) {
        let max = max.max(1);
        match self {
            Preset::Quick => (vec![max.max(2)], Some(vec![64 << 10, 1 << 20])),
            Preset::Ci => (Vec::new(), None),
            Preset::Full => (vec![2, max, 2 * max], None),
        }
    }

    /// The sizes measured when none are given.
    pub fn sizes(self) -> Vec<usize> {
        match self {
            Preset::Quick => perflab_core::DEFAULT_SIZES.to_vec(),
            Preset::Ci => vec![64 << 10, 1 << 20],
            Preset::Full => {
                let mut s = perflab_core::DEFAULT_SIZES.to_vec();
                s.push(64 << 20);
                s
            }
        }
    }
}

/// Measurement settings for one group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Warm-up per variant and peer before calibration is trusted.
    pub warmup: Duration,
    /// A sample lasts at least this long (many thousand times the timer's precision).
    pub sample_target: Duration,
    /// Rounds taken even past the budget. Every round samples every cell once in every process,
    /// so a cell gets `rounds × processes` samples.
    pub min_rounds: usize,
    /// Rounds never exceeded.
    pub max_rounds: usize,
    /// Time for the sampling rounds of one group (all its cells), once `min_rounds` are taken.
    pub group_budget: Duration,
    /// Independent peer processes per cell (fresh address spaces), at least 2 for time runs: a
    /// process is one sample of memory layout, so a cell's interval must see more than one.
    pub processes: usize,
    /// Groups sampled side by side, their rounds interleaved: each group's samples are spread
    /// over the time the window takes, not bunched in the second or two its own rounds take.
    pub window: usize,
}

/// The shortest default time limit of a cell ([`Settings::time_limit`]), and `verify`'s: far
/// beyond one call of any catalogue kernel at 64 MiB on a loaded 2-core machine (about a second),
/// short enough that a kernel stuck in a loop costs half a minute, not the run.
pub const MIN_TIME_LIMIT: Duration = Duration::from_secs(30);

impl Settings {
    /// How long a measuring process may go without answering before the cell it runs fails as
    /// hung, unless the user says otherwise: five times a group's sampling budget (quick: 30 s,
    /// ci: 40 s, full: 150 s), at least [`MIN_TIME_LIMIT`]. A sample lasts about
    /// [`Settings::sample_target`], or one call when a call is longer; so only a call that takes
    /// many times what the group may take in all is cut short.
    pub fn time_limit(&self) -> Duration {
        (self.group_budget * 5).max(MIN_TIME_LIMIT)
    }
}

/// One group of cells: one workload at one size, every selected variant under every selected
/// allocator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Workload name.
    pub workload: String,
    /// Size label: `64KiB`, or `file` for the user's input.
    pub size: String,
    /// Generated input size; `None` means the user's input file.
    pub size_bytes: Option<usize>,
    /// Variants to measure, naive first.
    pub variants: Vec<String>,
    /// Their kinds, in the same order.
    pub kinds: Vec<VariantKind>,
    /// Allocators to measure them under, `system` first when it is among them.
    pub allocators: Vec<String>,
    /// Thread counts every cell is measured at, ascending, 1 first (the baseline of every
    /// scaling figure, as naive is of every speed-up).
    #[serde(default = "one_thread")]
    pub threads: Vec<usize>,
}

fn one_thread() -> Vec<usize> {
    vec![1]
}

impl Group {
    /// The ids of the cells in this group, allocator by allocator, then thread count by thread
    /// count (one thread first), then variant by variant.
    pub fn cell_ids(&self) -> Vec<String> {
        self.allocators
            .iter()
            .flat_map(|a| {
                self.threads.iter().flat_map(move |&t| {
                    self.variants
                        .iter()
                        .map(move |v| crate::results::cell_id(&self.workload, v, a, &self.size, t))
                })
            })
            .collect()
    }

    /// The most threads any cell of the group runs on.
    pub fn max_threads(&self) -> usize {
        self.threads.iter().copied().max().unwrap_or(1)
    }

    /// The kind of variant `i`.
    pub fn kind(&self, i: usize) -> VariantKind {
        self.kinds.get(i).copied().unwrap_or(VariantKind::Naive)
    }

    /// `workload/size`, for messages.
    pub fn label(&self) -> String {
        format!("{}/{}", self.workload, self.size)
    }
}

/// What a run measures of each cell.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// Time per call, by the run's clock.
    #[default]
    Time,
    /// Instructions per call, counted by callgrind: deterministic, for CI hosts too noisy to
    /// time on.
    Instructions,
}

impl Measure {
    /// Every measure, in the order `--help` lists them.
    pub const ALL: [Measure; 2] = [Measure::Time, Measure::Instructions];

    /// The measure's name, as the command line and results files spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Time => "time",
            Measure::Instructions => "instructions",
        }
    }
}

impl std::fmt::Display for Preset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--shard I/N`: the `index`-th of `count` deterministic parts of the matrix (1-based), so
/// that N machines can each measure one and `perflab merge` join them. Recorded in results
/// files as the text `I/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1 to `count`.
    pub index: usize,
    /// How many parts.
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = PlanError;
    fn from_str(text: &str) -> Result<Self, PlanError> {
        parse_shard(text)
    }
}

impl Serialize for Shard {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Shard {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_shard(&text).map_err(serde::de::Error::custom)
    }
}

/// What a user asked to measure.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Workload names (empty: all).
    pub workloads: Vec<String>,
    /// Variant names (empty: all). Naive is always measured too: it is every speed-up's baseline.
    pub variants: Vec<String>,
    /// Kinds (empty: all).
    pub kinds: Vec<VariantKind>,
    /// Allocator names (empty: all three).
    pub allocators: Vec<String>,
    /// Generated sizes; ignored when `file_input` is set.
    pub sizes: Vec<usize>,
    /// Whether the run uses the user's file instead of generated input.
    pub file_input: bool,
    /// Measure only the groups whose index is `index - 1` modulo `count`.
    pub shard: Option<Shard>,
    /// Thread counts to measure every cell at (1 is always added); see `threaded_sizes`.
    pub threads: Vec<usize>,
    /// The generated sizes `threads` applies to (`None`: every size, and a user's file); groups
    /// of other sizes are measured on one thread only.
    pub threaded_sizes: Option<Vec<usize>>,
}

/// The thread counts of a group of `size` (`None`: the user's file) under `sel`: 1, and
/// `sel.threads` where they apply, ascending and without repeats.
fn threads_for(sel: &Selection, size: Option<usize>) -> Vec<usize> {
    let applies = match (&sel.threaded_sizes, size) {
        (None, _) | (Some(_), None) => true,
        (Some(sizes), Some(s)) => sizes.contains(&s),
    };
    let mut threads = vec![1];
    if applies {
        threads.extend(sel.threads.iter().copied().filter(|&t| t >= 1));
    }
    threads.sort_unstable();
    threads.dedup();
    threads
}

/// A selection that names something that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// No such workload.
    #[error(transparent)]
    UnknownWorkload(#[from] perflab_core::UnknownWorkload),
    /// No workload has a variant of this name.
    #[error("unknown variant `{0}` (expected one of: {1})")]
    UnknownVariant(String, String),
    /// Not one of the three allocators.
    #[error("unknown allocator `{0}` (expected one of: system, jemalloc, mimalloc)")]
    UnknownAllocator(String),
    /// `--shard` out of range.
    #[error("malformed shard `{0}` (expected I/N with 1 <= I <= N, e.g. 1/4)")]
    BadShard(String),
    /// The filters leave nothing.
    #[error("the filters select no cell to measure")]
    Empty,
}

/// Parses `I/N`.
pub fn parse_shard(text: &str) -> Result<Shard, PlanError> {
    let bad = || PlanError::BadShard(text.to_owned());
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok(Shard { index: i, count: n })
}

/// Lists the groups a selection measures, in canonical order, after sharding.
pub fn plan(registry: &Registry, sel: &Selection) -> Result<Vec<Group>, PlanError> {
    check_names(registry, sel)?;
    let allocators: Vec<&str> = if sel.allocators.is_empty() {
        ALLOCATORS.to_vec()
    } else {
        ALLOCATORS
            .into_iter()
            .filter(|a| sel.allocators.iter().any(|s| s == a))
            .collect()
    };
    let sizes: Vec<Option<usize>> = if sel.file_input {
        vec![None]
    } else {
        sel.sizes.iter().copied().map(Some).collect()
    };

    let mut groups = Vec::new();
    for w in registry.workloads() {
        if !sel.workloads.is_empty() && !sel.workloads.iter().any(|n| n == w.name()) {
            continue;
        }
        let Some((variants, kinds)) = picked_variants(w.as_ref(), sel) else {
            continue;
        };
        for size in &sizes {
            groups.push(Group {
                workload: w.name().to_owned(),
                size: size.map_or_else(|| "file".to_owned(), format_size),
                size_bytes: *size,
                variants: variants.clone(),
                kinds: kinds.clone(),
                allocators: allocators.iter().map(|a| (*a).to_owned()).collect(),
                threads: threads_for(sel, *size),
            });
        }
    }
    // An empty selection is a usage error; an empty shard (more shards than groups) is not.
    if groups.is_empty() {
        return Err(PlanError::Empty);
    }
    if let Some(shard) = sel.shard {
        groups = groups
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % shard.count == shard.index - 1)
            .map(|(_, g)| g)
            .collect();
    }
    Ok(groups)
}

/// The variants of `w` the selection picks, naive first (it always comes along: it is the
/// baseline of every speed-up), with their kinds; `None` when it picks none.
fn picked_variants(
    w: &dyn perflab_core::DynWorkload,
    sel: &Selection,
) -> Option<(Vec<String>, Vec<VariantKind>)> {
    let infos = w.variants();
    let chosen: Vec<_> = infos
        .iter()
        .enumerate()
        .filter(|(_, v)| sel.variants.is_empty() || sel.variants.iter().any(|n| n == v.name))
        .filter(|(_, v)| sel.kinds.is_empty() || sel.kinds.contains(&v.kind))
        .map(|(i, _)| i)
        .collect();
    if chosen.is_empty() {
        return None;
    }
    let picked: Vec<usize> = std::iter::once(0)
        .chain(chosen.into_iter().filter(|&i| i != 0))
        .collect();
    Some((
        picked.iter().map(|&i| infos[i].name.to_owned()).collect(),
        picked.iter().map(|&i| infos[i].kind).collect(),
    ))
}

/// Every workload, variant and allocator the selection names exists, or the error names the one
/// that does not and the valid ones.
fn check_names(registry: &Registry, sel: &Selection) -> Result<(), PlanError> {
    for w in &sel.workloads {
        registry.find(w)?;
    }
    let all_variants: Vec<&'static str> = {
        let mut v: Vec<_> = registry
            .workloads()
            .iter()
            .flat_map(|w| w.variants().into_iter().map(|v| v.name))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    for v in &sel.variants {
        if !all_variants.contains(&v.as_str()) {
            return Err(PlanError::UnknownVariant(
                v.clone(),
                all_variants.join(", "),
            ));
        }
    }
    for a in &sel.allocators {
        if !ALLOCATORS.contains(&a.as_str()) {
            return Err(PlanError::UnknownAllocator(a.clone()));
        }
    }
    Ok(())
}
