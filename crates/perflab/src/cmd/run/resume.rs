//! `--resume DIR`: the run recorded in `DIR/results.json` becomes this run's arguments; what the
//! user gives again must agree with it.

use super::args::{Args, MeasureArg, PresetArg};
use anyhow::{Context, Result};
use clap::ValueEnum as _;
use perflab_core::VariantKind;
use perflab_harness::plan;
use perflab_harness::results::RunConfig;
use std::path::{Path, PathBuf};

/// How a value is spelled on the command line.
fn value_name(v: impl clap::ValueEnum) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_owned())
}

/// Makes `args` the run recorded in `dir` (`config` of its results.json): what the user gave
/// again must agree with it, what they left out is taken from it.
pub(super) fn adopt_recorded(args: &mut Args, dir: &Path, recorded: &RunConfig) -> Result<()> {
    let file = dir.join("results.json");
    let conflict = |flag: &str, given: String, kept: String| -> anyhow::Error {
        anyhow::anyhow!(
            "{flag} {given} conflicts with the run being resumed ({kept} in {}); leave it out, or start a new run with --out",
            file.display()
        )
    };
    let show = |v: &[String]| {
        if v.is_empty() {
            "all".to_owned()
        } else {
            v.join(",")
        }
    };
    let same_set = |a: &[String], b: &[String]| {
        let (mut a, mut b) = (a.to_vec(), b.to_vec());
        a.sort();
        a.dedup();
        b.sort();
        b.dedup();
        a == b
    };
    for (flag, given, kept) in [
        ("--workload", &mut args.workloads, &recorded.workloads),
        ("--variant", &mut args.variants, &recorded.variants),
        ("--allocator", &mut args.allocators, &recorded.allocators),
    ] {
        if !given.is_empty() && !same_set(given, kept) {
            return Err(conflict(flag, show(given), show(kept)));
        }
        given.clone_from(kept);
    }
    let kinds: Vec<String> = args.kinds.iter().map(|k| k.as_str().to_owned()).collect();
    if !kinds.is_empty() && !same_set(&kinds, &recorded.kinds) {
        return Err(conflict("--kind", show(&kinds), show(&recorded.kinds)));
    }
    args.kinds = recorded
        .kinds
        .iter()
        .map(|k| k.parse::<VariantKind>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("the kinds recorded in {}", file.display()))?;
    let recorded_input = recorded.input.as_ref().map(PathBuf::from);
    match (&args.input, &recorded_input) {
        (Some(given), kept) if Some(given) != kept.as_ref() => {
            return Err(conflict(
                "--input",
                given.display().to_string(),
                kept.as_ref()
                    .map_or("generated inputs".to_owned(), |p| p.display().to_string()),
            ));
        }
        _ => args.input = recorded_input,
    }
    let label = |s: &[u64]| {
        s.iter()
            .map(|&b| perflab_core::format_size(b as usize))
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut given: Vec<u64> = args.sizes.iter().map(|&s| s as u64).collect();
    let mut kept = recorded.sizes.clone();
    given.sort_unstable();
    given.dedup();
    kept.sort_unstable();
    if !given.is_empty() && given != kept {
        return Err(conflict("--size", label(&given), label(&kept)));
    }
    args.sizes = recorded.sizes.iter().map(|&s| s as usize).collect();

    let preset = PresetArg::from_str(&recorded.preset, true).map_err(|_| {
        anyhow::anyhow!("unknown preset `{}` in {}", recorded.preset, file.display())
    })?;
    if let Some(given) = args.preset.filter(|&p| p != preset) {
        return Err(conflict(
            "--preset",
            value_name(given),
            format!("preset {}", value_name(preset)),
        ));
    }
    args.preset = Some(preset);
    if let Some(seed) = args.seed.filter(|&s| s != recorded.seed) {
        return Err(conflict(
            "--seed",
            seed.to_string(),
            format!("seed {}", recorded.seed),
        ));
    }
    args.seed = Some(recorded.seed);
    let measure = match recorded.measure.as_str() {
        "instructions" => MeasureArg::Instructions,
        _ => MeasureArg::Time,
    };
    if let Some(given) = args.measure.filter(|&m| m != measure) {
        return Err(conflict(
            "--measure",
            value_name(given),
            format!("measure {}", recorded.measure),
        ));
    }
    args.measure = Some(measure);
    let recorded_threads: Vec<usize> = recorded.threads.iter().map(|&t| t as usize).collect();
    let wanted = |t: &[usize]| {
        let mut t: Vec<usize> = t.iter().copied().chain([1]).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    if !args.threads.is_empty() && wanted(&args.threads) != wanted(&recorded_threads) {
        let show = |t: &[usize]| {
            t.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        return Err(conflict(
            "--threads",
            show(&args.threads),
            if recorded_threads.is_empty() {
                "the preset's thread counts".to_owned()
            } else {
                format!("threads {}", show(&recorded_threads))
            },
        ));
    }
    args.threads = recorded_threads;
    let shard = args.shard.map(|(i, n)| format!("{i}/{n}"));
    if shard.is_some() && shard != recorded.shard {
        return Err(conflict(
            "--shard",
            shard.unwrap_or_default(),
            recorded
                .shard
                .as_ref()
                .map_or("no shard".to_owned(), |s| format!("shard {s}")),
        ));
    }
    args.shard = match &recorded.shard {
        Some(s) => {
            Some(plan::parse_shard(s).with_context(|| format!("the shard in {}", file.display()))?)
        }
        None => None,
    };
    Ok(())
}
