//! `--resume DIR`: the run recorded in `DIR/results.json` becomes this run's arguments; what the
//! user gives again must agree with it.
//!
//! [`adopt_recorded`] reads and writes nothing but its arguments, so every rule is tested below
//! without starting a run.

use super::args::Args;
use perflab_harness::results::RunConfig;
use std::fmt::Display;
use std::path::{Path, PathBuf};

/// A flag given again with `--resume` whose value is not the recorded run's: resuming would
/// measure something else than the cells already in the file.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Conflict {
    /// The flag, e.g. `--seed`.
    pub flag: &'static str,
    /// Its value as given.
    pub given: String,
    /// What the recorded run has instead, in words.
    pub kept: String,
}

impl Conflict {
    /// The one-line message, naming the results file the recorded run is in.
    pub(super) fn in_file(self, file: &Path) -> anyhow::Error {
        anyhow::anyhow!(
            "{} {} conflicts with the run being resumed ({} in {}); leave it out, or start a new run with --out",
            self.flag,
            self.given,
            self.kept,
            file.display()
        )
    }
}

/// Makes `args` the run `recorded` (the `config` of the results file being resumed): what the
/// user gave again must agree with it, what they left out is taken from it.
pub(super) fn adopt_recorded(args: &mut Args, recorded: &RunConfig) -> Result<(), Conflict> {
    adopt_set("--workload", &mut args.workloads, &recorded.workloads)?;
    adopt_set("--variant", &mut args.variants, &recorded.variants)?;
    adopt_set("--allocator", &mut args.allocators, &recorded.allocators)?;
    adopt_set("--kind", &mut args.kinds, &recorded.kinds)?;
    let sizes: Vec<Size> = recorded.sizes.iter().map(|&s| Size(s as usize)).collect();
    let mut given: Vec<Size> = args.sizes.iter().map(|&s| Size(s)).collect();
    adopt_set("--size", &mut given, &sizes)?;
    args.sizes = given.into_iter().map(|s| s.0).collect();

    let recorded_input = recorded.input.as_ref().map(PathBuf::from);
    if let Some(given) = args
        .input
        .as_ref()
        .filter(|&g| Some(g) != recorded_input.as_ref())
    {
        return Err(Conflict {
            flag: "--input",
            given: given.display().to_string(),
            kept: recorded_input.map_or("generated inputs".to_owned(), |p| p.display().to_string()),
        });
    }
    args.input = recorded_input;

    adopt_value("--preset", &mut args.preset, recorded.preset, "preset")?;
    adopt_value("--seed", &mut args.seed, recorded.seed, "seed")?;
    adopt_value("--measure", &mut args.measure, recorded.measure, "measure")?;
    adopt_threads(&mut args.threads, &recorded.threads)?;
    if let Some(given) = args.shard.filter(|&s| Some(s) != recorded.shard) {
        return Err(Conflict {
            flag: "--shard",
            given: given.to_string(),
            kept: recorded
                .shard
                .map_or("no shard".to_owned(), |s| format!("shard {s}")),
        });
    }
    args.shard = recorded.shard;
    Ok(())
}

/// A generated size, shown as the command line spells it (`64KiB`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Size(usize);

impl Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&perflab_core::format_size(self.0))
    }
}

/// A filter (names, kinds, sizes): given again, it must be the recorded set (in any order,
/// repeats aside); the recorded one is adopted in its recorded order.
fn adopt_set<T: Ord + Clone + Display>(
    flag: &'static str,
    given: &mut Vec<T>,
    kept: &[T],
) -> Result<(), Conflict> {
    let set = |v: &[T]| {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    };
    let show = |v: &[T]| {
        if v.is_empty() {
            "all".to_owned()
        } else {
            join(&set(v))
        }
    };
    if !given.is_empty() && set(given) != set(kept) {
        return Err(Conflict {
            flag,
            given: show(given),
            kept: show(kept),
        });
    }
    *given = kept.to_vec();
    Ok(())
}

/// A single value (preset, seed, measure): given again, it must be the recorded one.
fn adopt_value<T: Copy + PartialEq + Display>(
    flag: &'static str,
    given: &mut Option<T>,
    kept: T,
    what: &str,
) -> Result<(), Conflict> {
    if let Some(g) = given.filter(|&g| g != kept) {
        return Err(Conflict {
            flag,
            given: g.to_string(),
            kept: format!("{what} {kept}"),
        });
    }
    *given = Some(kept);
    Ok(())
}

/// `--threads`: one thread is always measured, so `1,2` and `2` ask for the same run; an empty
/// record means the preset's thread counts.
fn adopt_threads(given: &mut Vec<usize>, recorded: &[u64]) -> Result<(), Conflict> {
    let kept: Vec<usize> = recorded.iter().map(|&t| t as usize).collect();
    let with_one = |t: &[usize]| {
        let mut t: Vec<usize> = t.iter().copied().chain([1]).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    if !given.is_empty() && with_one(given) != with_one(&kept) {
        return Err(Conflict {
            flag: "--threads",
            given: join(given),
            kept: if kept.is_empty() {
                "the preset's thread counts".to_owned()
            } else {
                format!("threads {}", join(&kept))
            },
        });
    }
    *given = kept;
    Ok(())
}

fn join<T: Display>(v: &[T]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use perflab_core::VariantKind;
    use perflab_harness::plan::{Measure, Preset, Shard};

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        args: Args,
    }

    fn args(flags: &[&str]) -> Args {
        let argv = std::iter::once("run").chain(flags.iter().copied());
        Command::try_parse_from(argv).expect("valid flags").args
    }

    fn recorded() -> RunConfig {
        RunConfig {
            preset: Preset::Ci,
            measure: Measure::Time,
            workloads: vec!["search".into(), "checksum".into()],
            kinds: vec![VariantKind::Naive, VariantKind::Simd],
            allocators: vec!["system".into()],
            sizes: vec![65536, 4096],
            seed: 9,
            shard: Some(Shard { index: 2, count: 3 }),
            threads: vec![2],
            ..RunConfig::default()
        }
    }

    #[test]
    fn what_is_left_out_is_taken_from_the_record() {
        let mut a = args(&[]);
        adopt_recorded(&mut a, &recorded()).unwrap();
        assert_eq!(a.workloads, ["search", "checksum"]);
        assert!(a.variants.is_empty());
        assert_eq!(a.kinds, [VariantKind::Naive, VariantKind::Simd]);
        assert_eq!(a.allocators, ["system"]);
        assert_eq!(a.sizes, [65536, 4096]);
        assert_eq!(a.input, None);
        assert_eq!(a.preset, Some(Preset::Ci));
        assert_eq!(a.seed, Some(9));
        assert_eq!(a.measure, Some(Measure::Time));
        assert_eq!(a.threads, [2]);
        assert_eq!(a.shard, Some(Shard { index: 2, count: 3 }));
    }

    #[test]
    fn what_is_given_again_may_be_in_another_order_or_repeated() {
        let mut a = args(&[
            "-w",
            "checksum",
            "-w",
            "search",
            "--size",
            "4KiB",
            "--size",
            "64KiB",
            "--size",
            "4KiB",
            "--kind",
            "simd",
            "--kind",
            "naive",
            "--threads",
            "1,2",
            "--preset",
            "ci",
            "--seed",
            "9",
            "--shard",
            "2/3",
            "--measure",
            "time",
        ]);
        adopt_recorded(&mut a, &recorded()).unwrap();
        // The recorded order wins: it is the order the file's groups were planned in.
        assert_eq!(a.workloads, ["search", "checksum"]);
        assert_eq!(a.sizes, [65536, 4096]);
        assert_eq!(a.threads, [2]);
    }

    #[test]
    fn a_conflicting_flag_is_named_with_both_values() {
        let cases: [(&[&str], &str, &str, &str); 9] = [
            (&["-w", "search"], "--workload", "search", "checksum,search"),
            (&["--variant", "sse2"], "--variant", "sse2", "all"),
            (&["--kind", "arena"], "--kind", "arena", "naive,simd"),
            (&["--size", "1MiB"], "--size", "1MiB", "4KiB,64KiB"),
            (&["--preset", "full"], "--preset", "full", "preset ci"),
            (&["--seed", "7"], "--seed", "7", "seed 9"),
            (
                &["--measure", "instructions"],
                "--measure",
                "instructions",
                "measure time",
            ),
            (&["--threads", "3"], "--threads", "3", "threads 2"),
            (&["--shard", "1/3"], "--shard", "1/3", "shard 2/3"),
        ];
        for (flags, flag, given, kept) in cases {
            let err = adopt_recorded(&mut args(flags), &recorded()).unwrap_err();
            let want = Conflict {
                flag,
                given: given.into(),
                kept: kept.into(),
            };
            assert_eq!(err, want, "{flags:?}");
        }
    }

    #[test]
    fn an_input_file_must_be_the_recorded_one() {
        let err = adopt_recorded(&mut args(&["--input", "a.bin"]), &recorded()).unwrap_err();
        assert_eq!(err.kept, "generated inputs");
        let file = RunConfig {
            input: Some("a.bin".into()),
            sizes: vec![],
            ..recorded()
        };
        let mut a = args(&["--input", "a.bin"]);
        adopt_recorded(&mut a, &file).unwrap();
        assert_eq!(a.input, Some(PathBuf::from("a.bin")));
        let err = adopt_recorded(&mut args(&["--input", "b.bin"]), &file).unwrap_err();
        assert_eq!((err.given.as_str(), err.kept.as_str()), ("b.bin", "a.bin"));
    }

    #[test]
    fn an_unsharded_record_and_the_presets_threads_say_so() {
        let plain = RunConfig {
            shard: None,
            threads: vec![],
            ..recorded()
        };
        let err = adopt_recorded(&mut args(&["--shard", "1/2"]), &plain).unwrap_err();
        assert_eq!(err.kept, "no shard");
        let err = adopt_recorded(&mut args(&["--threads", "2"]), &plain).unwrap_err();
        assert_eq!(err.kept, "the preset's thread counts");
    }

    #[test]
    fn the_message_names_the_file() {
        let err = adopt_recorded(&mut args(&["--seed", "7"]), &recorded()).unwrap_err();
        assert_eq!(
            err.in_file(Path::new("out/results.json")).to_string(),
            "--seed 7 conflicts with the run being resumed (seed 9 in out/results.json); leave it out, or start a new run with --out"
        );
    }
}
