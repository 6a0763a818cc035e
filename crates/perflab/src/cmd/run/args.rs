//! The arguments of `perflab run`, and the parsers of their values.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use perflab_core::VariantKind;
use perflab_harness::clock::Clock;
use perflab_harness::engine::Pinning;
use perflab_harness::plan::{Measure, Preset, Shard};
use std::path::PathBuf;

/// Arguments of `perflab run`.
#[derive(clap::Args)]
pub struct Args {
    /// Only these workloads (repeatable).
    #[arg(long = "workload", short = 'w', value_name = "W")]
    pub(super) workloads: Vec<String>,
    /// Only these variants (repeatable); naive is always measured as the baseline.
    #[arg(long = "variant", value_name = "V")]
    pub(super) variants: Vec<String>,
    /// Only these kinds (repeatable): naive, optimized, simd, arena, reference.
    #[arg(long = "kind", value_name = "K")]
    pub(super) kinds: Vec<VariantKind>,
    /// Only these allocators (repeatable): system, jemalloc, mimalloc.
    #[arg(long = "allocator", value_name = "A")]
    pub(super) allocators: Vec<String>,
    /// Generated input sizes (repeatable), e.g. 64KiB. Default: the preset's sizes.
    #[arg(long = "size", value_name = "S", value_parser = super::super::parse_size_arg)]
    pub(super) sizes: Vec<usize>,
    /// Measure on this file instead of generated input.
    #[arg(long, value_name = "FILE", conflicts_with = "sizes")]
    pub(super) input: Option<PathBuf>,
    /// Thread counts to measure every cell at, e.g. `1,2` or `1,max` (`max`: this machine's
    /// available parallelism; more threads than CPUs are allowed, to show oversubscription).
    /// One thread is always measured: it is every scaling figure's baseline. Default: the
    /// preset's (quick: 1 and max(2, cores) at 64KiB and 1MiB; ci: 1; full: 1, 2, cores and
    /// twice the cores at every size).
    #[arg(
        long,
        value_name = "N,...",
        value_delimiter = ',',
        value_parser = parse_threads_arg
    )]
    pub(super) threads: Vec<usize>,
    /// quick (default: the whole matrix in about two minutes), ci, or full.
    #[arg(long, value_parser = choice(&Preset::ALL, Preset::as_str))]
    pub(super) preset: Option<Preset>,
    /// Time budget for the whole run, seconds; each group gets an equal share.
    #[arg(long, value_name = "SECS", value_parser = super::super::parse_seconds)]
    pub(super) budget: Option<f64>,
    /// What to measure: time (default) or instructions (callgrind).
    #[arg(long, value_parser = choice(&Measure::ALL, Measure::as_str))]
    pub(super) measure: Option<Measure>,
    /// Measure only shard I of N (deterministic), e.g. 1/4; join shards with `perflab merge`.
    #[arg(long, value_name = "I/N")]
    pub(super) shard: Option<Shard>,
    /// Output directory.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "reports/latest",
        conflicts_with = "resume"
    )]
    pub(super) out: PathBuf,
    /// Continue an interrupted run in DIR: the run recorded in DIR/results.json (its workloads,
    /// variants, kinds, allocators, sizes, input, preset, seed, measure and shard), measuring only
    /// the groups with a cell missing. A filter given again must agree with the recorded one.
    #[arg(long, value_name = "DIR")]
    pub(super) resume: Option<PathBuf>,
    /// Seed of the generated inputs (default: perflab's fixed seed).
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// A/B run: measure this build (head) and the perflab binary at PATH (base) in lock step,
    /// sample by sample; writes results.json (head) and base.json, prints the comparison and
    /// exits 1 on a regression.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["resume", "measure"])]
    pub(super) compare_with: Option<PathBuf>,
    /// Regression threshold of an A/B run, percent: a cell regressed when its whole 95%
    /// interval lies above it. 2% was chosen from A/A and 5%-slowdown runs on a shared 2-core
    /// host (METHODOLOGY.md §7); separate runs compared with `perflab compare` need 5%.
    #[arg(
        long,
        value_name = "PCT",
        default_value_t = perflab_harness::compare::PAIRED_TIME_THRESHOLD * 100.0,
        requires = "compare_with",
        value_parser = super::super::parse_percent
    )]
    pub(super) threshold: f64,
    /// The CPU the measuring processes run on (`auto`: each replica on its own CPU, the last
    /// first; `N`: all on CPU N; `off`: let the scheduler place them). The processes whose samples
    /// are compared are always on one CPU: pinning removes a bias between processes that unpinned
    /// A/A runs showed (METHODOLOGY.md §7).
    #[arg(long, value_name = "CPU", default_value = "auto")]
    pub(super) pin_cpu: Pinning,
    /// Time samples by the measuring thread's CPU time (`cpu`, robust to preemption on a loaded
    /// machine) or by elapsed time (`wall`). See METHODOLOGY.md §4.
    #[arg(long, default_value = "cpu", value_parser = choice(&Clock::ALL, Clock::as_str))]
    pub(super) clock: Clock,
    /// Independent processes per cell (default: the preset's, 2 or 3). Each is a fresh draw of
    /// address-space layout; a cell's interval includes the variation between them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=16))]
    pub(super) processes: Option<u16>,
    /// Groups sampled side by side, their rounds interleaved (default: the preset's, 8). Each
    /// group's samples are spread over the time the window takes; a group is saved when it is
    /// done, so a larger window spreads samples wider but saves later.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(super) window: Option<u16>,
    /// After measuring, profile each workload's naive variant and its fastest cell at the
    /// largest size measured (pprof samples, under the fastest cell's allocator), and write
    /// their flamegraphs, folded stacks and a differential flamegraph of the two to DIR/flame/;
    /// the report shows them in each workload's section. On by default with `--preset full`.
    #[arg(long, overrides_with = "no_flame", conflicts_with = "compare_with")]
    pub(super) flame: bool,
    /// No profiles, even with `--preset full`.
    #[arg(long, overrides_with = "flame")]
    pub(super) no_flame: bool,
    /// How long each profiled cell runs under the sampler, seconds.
    #[arg(long, value_name = "N", default_value_t = 3.0, value_parser = super::super::parse_seconds)]
    pub(super) flame_seconds: f64,
    /// Seconds a measuring process may go without answering (one sample, one variant's
    /// verification or warm-up, one counting pass) before it is killed: the cell it ran fails
    /// with "did not return within N s" and the run goes on without it. Default: five times a
    /// group's sampling budget, at least 30 (instructions: twenty times that, as callgrind runs
    /// code 20-100 times slower).
    #[arg(long, value_name = "SECS", value_parser = super::super::parse_seconds)]
    pub(super) timeout: Option<f64>,
    /// A/B runs: do not re-measure a group that shows a change beyond the threshold with fresh
    /// processes (by default up to two more attempts, and a cell is reported only when every
    /// attempt's interval lies beyond the threshold; see METHODOLOGY.md §7).
    #[arg(long, requires = "compare_with")]
    pub(super) no_confirm: bool,
}

impl Args {
    /// The seed of the generated inputs: `--seed`, else perflab's fixed one. The recorded run
    /// and the engine both take it from here.
    pub(super) fn seed(&self) -> u64 {
        self.seed.unwrap_or(perflab_core::DEFAULT_SEED)
    }
}

/// A parser of one of the harness's named values (`Preset`, `Measure`, `Clock`): the command
/// line takes the very types results files record, so no copy of them needs converting back,
/// and `--help` lists `all` by `name`.
fn choice<T: Copy + Send + Sync + 'static>(
    all: &'static [T],
    name: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(all.iter().map(|&v| name(v))).map(move |text| {
        *all.iter()
            .find(|&&v| name(v) == text)
            .expect("clap passes only a possible value")
    })
}

/// The most threads `--threads` accepts: a cell at N threads holds N copies of its input.
const MAX_THREADS: usize = 256;

/// How many times the default time limit a cell gets under callgrind, which runs code 20 to 100
/// times slower than the CPU does.
pub(super) const CALLGRIND_SLOWDOWN: u32 = 20;

/// Parses one `--threads` value for clap: a count from 1 to [`MAX_THREADS`], or `max`.
pub fn parse_threads_arg(text: &str) -> Result<usize, String> {
    match text.trim() {
        "max" => Ok(available_threads()),
        n => match n.parse::<usize>() {
            Ok(t) if (1..=MAX_THREADS).contains(&t) => Ok(t),
            _ => Err(format!(
                "malformed thread count `{text}` (expected 1 to {MAX_THREADS}, or `max`)"
            )),
        },
    }
}

/// How many threads this process can run at once (its CPU set): what `max` means.
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
