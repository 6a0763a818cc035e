//! `perflab merge`, as the CI workflow runs it: shards measured on different machines merge
//! into one results file and report that say so.

use crate::common::{results, small_run, stderr, tmp};
use serde_json::Value;
use std::process::Command;

/// The shell commands of the `merge` job of `.github/workflows/bench.yml`, as written there.
fn workflow_merge_step() -> String {
    let yml = include_str!("../../../../.github/workflows/bench.yml");
    let job = &yml[yml.find("\n  merge:").expect("a merge job")..];
    let block = &job[job.find("- run: |").expect("a run block") + "- run: |".len()..];
    block
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("          ") || l.trim().is_empty())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_workflow_merges_shards_measured_on_different_machines() {
    let dir = tmp("workflow");
    // Two shards as the measure jobs leave them, downloaded to shards/shard-N/results.json, one
    // from a runner with another CPU and kernel.
    for (i, cpu) in [
        (1, "AMD EPYC 7763 64-Core Processor"),
        (2, "Intel(R) Xeon(R) Platinum 8370C"),
    ] {
        let shard = dir.join(format!("shard{i}"));
        let o = small_run(&shard, &["--shard", &format!("{i}/2"), "--size", "8KiB"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mut doc = results(&shard);
        doc["environment"]["cpu_model"] = cpu.into();
        doc["environment"]["os"] = format!("linux 6.{i}").into();
        let to = dir.join("shards").join(format!("shard-{i}"));
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(to.join("results.json"), doc.to_string()).unwrap();
    }
    let bin = dir.join("target/release");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_perflab"), bin.join("perflab")).unwrap();
    let step = workflow_merge_step();
    assert!(step.contains("perflab merge"), "{step}");
    let o = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &step])
        .current_dir(&dir)
        .env_remove("PERFLAB_ALLOCATOR")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{step}\n{err}");
    assert!(
        err.contains("warning") && err.contains("different environment"),
        "{err}"
    );
    let merged = results(&dir.join("merged"));
    let envs = merged["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    let cells = merged["benchmarks"].as_array().unwrap();
    assert_eq!(cells.len(), 6);
    for b in cells {
        let k = b["environment"].as_u64().unwrap() as usize;
        let size = b["size"].as_str().unwrap();
        // Shards split by group (here: by size), so each group carries one environment.
        let want = cells
            .iter()
            .find(|c| c["size"] == size)
            .map(|c| c["environment"].clone())
            .unwrap();
        assert_eq!(b["environment"], want);
        assert!(envs[k]["cpu_model"].as_str().unwrap().len() > 10);
    }
    let page = std::fs::read_to_string(dir.join("merged/index.html")).unwrap();
    assert!(
        page.contains("2 different environments"),
        "the report says so"
    );
    assert!(page.contains("Intel(R) Xeon(R) Platinum 8370C"));
    let bmf: Value =
        serde_json::from_slice(&std::fs::read(dir.join("merged/bmf.json")).unwrap()).unwrap();
    assert_eq!(bmf.as_object().unwrap().len(), 6);
}
