//! `perflab run --shard` and `--resume`: shards merge into the whole run, a resumed run measures
//! what is missing with the recorded configuration, refuses flags that contradict it, and
//! measures a cut group whole so that its ratios stay paired.

use crate::common::{
    assert_one_line_error, edit_cells, results, run, run_ok, small_run, stderr, tmp,
};
use serde_json::Value;
use std::path::Path;

#[test]
fn shards_merge_into_the_whole_and_resume_fills_gaps() {
    let base = tmp("shards");
    let common = [
        "run", "-w", "search", "-w", "selftest", "--kind", "naive", "--size", "1KiB", "--size",
        "2KiB", "--budget", "2",
    ];
    let ids = |dir: &Path| {
        let mut v: Vec<String> = results(dir)["benchmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect();
        v.sort();
        v
    };
    let mut dirs = Vec::new();
    for shard in ["1/2", "2/2", ""] {
        let dir = base.join(if shard.is_empty() {
            "all".to_owned()
        } else {
            shard.replace('/', "of")
        });
        let mut args: Vec<&str> = common.to_vec();
        let d = dir.to_str().unwrap().to_owned();
        if !shard.is_empty() {
            args.extend(["--shard", shard]);
        }
        args.extend(["--out", &d]);
        run_ok(&args);
        dirs.push(dir);
    }
    let merged = base.join("merged.json");
    run_ok(&[
        "merge",
        dirs[0].join("results.json").to_str().unwrap(),
        dirs[1].join("results.json").to_str().unwrap(),
        "-o",
        merged.to_str().unwrap(),
    ]);
    let m = base.join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::rename(&merged, m.join("results.json")).unwrap();
    assert_eq!(ids(&m), ids(&dirs[2]));
    assert_eq!(ids(&dirs[2]).len(), 2 * 2 * 3);

    // Resume: drop two cells from the whole run; --resume measures just those.
    let dropped: Vec<String> = edit_cells(&dirs[2], |cells| {
        cells
            .drain(..2)
            .map(|b| b["id"].as_str().unwrap().to_owned())
            .collect()
    });
    let mut args: Vec<&str> = common.to_vec();
    let d = dirs[2].to_str().unwrap().to_owned();
    args.extend(["--resume", &d]);
    let o = run_ok(&args);
    // Both dropped cells were in one group (search at 1KiB, system and jemalloc), and a group is
    // measured whole: its three cells, one per allocator, and nothing else.
    assert!(
        stderr(&o).contains("measuring 3 cells in 1 groups"),
        "{}",
        stderr(&o)
    );
    let after = ids(&dirs[2]);
    assert_eq!(after.len(), 12);
    for id in dropped {
        assert!(after.contains(&id));
    }
}

#[test]
fn resume_continues_the_recorded_run_and_refuses_conflicting_flags() {
    let dir = tmp("resume-config");
    let o = small_run(&dir, &["--seed", "7", "--preset", "ci", "--size", "8KiB"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = edit_cells(&dir, |cells| {
        let all = cells.len();
        cells.truncate(1);
        all
    });
    let d = dir.to_str().unwrap();
    for (args, needles) in [
        (vec!["--seed", "42"], ["--seed 42", "seed 7"]),
        (vec!["--preset", "quick"], ["--preset quick", "preset ci"]),
        (vec!["-w", "checksum"], ["--workload checksum", "search"]),
        (vec!["--size", "64KiB"], ["--size 64KiB", "4KiB,8KiB"]),
    ] {
        let o = run(&[&["run", "--resume", d][..], &args].concat());
        for n in needles {
            assert_one_line_error(&o, 2, &args, n);
        }
    }
    // Without flags (or with the same ones) it measures the recorded matrix, seed and preset.
    let o = run_ok(&["run", "--resume", d, "--seed", "7"]);
    assert!(stderr(&o).contains("(ci preset)"), "{}", stderr(&o));
    let after = results(&dir);
    assert_eq!(after["benchmarks"].as_array().unwrap().len(), all);
    assert_eq!(after["config"]["seed"], 7);
    assert_eq!(after["config"]["preset"], "ci");

    // A directory that does not exist is an error, and is not created.
    let missing = dir.join("missing");
    let o = run(&["run", "--resume", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("missing"), "{}", stderr(&o));
    assert!(!missing.exists());
}

#[test]
fn a_resumed_group_is_measured_whole_so_speedups_stay_paired() {
    let dir = tmp("resume-whole");
    let d = dir.to_str().unwrap().to_owned();
    run_ok(&[
        "run",
        "-w",
        "search",
        "--kind",
        "naive",
        "--kind",
        "optimized",
        "--size",
        "4KiB",
        "--allocator",
        "system",
        "--budget",
        "2",
        "--out",
        &d,
    ]);
    // Cut the group half way: its naive cell is missing.
    let before = edit_cells(&dir, |cells| {
        let before = cells.len();
        cells.retain(|b| b["variant"] != "naive");
        assert!(cells.len() < before && !cells.is_empty());
        before
    });
    run_ok(&["run", "--resume", &d]);
    let after = results(&dir);
    let cells = after["benchmarks"].as_array().unwrap();
    assert_eq!(cells.len(), before);
    let fast: Vec<&Value> = cells
        .iter()
        .filter(|b| b["status"] == "ok" && b["variant"] != "naive")
        .collect();
    assert!(!fast.is_empty(), "no measured optimized cell to check");
    for b in fast {
        assert!(
            b["speedup_vs_naive"].is_object(),
            "{} lost its pairing",
            b["id"]
        );
    }
}
