//! Runs the gungraun bench and checks that its JSON summary has an instruction count for every
//! supported variant in the registry, so a kernel that gungraun silently skipped (or a case list
//! that drifted from the registry) fails a normal `cargo test`.
//!
//! It needs valgrind and `gungraun-runner` 0.20.0 (`scripts/install-gungraun-runner.sh`). Where
//! either is missing the test passes after printing `SKIPPED` and why, so a plain
//! `cargo test` works on any machine while CI, which installs both, really runs it. The bench is
//! built with the `test` profile into this test's own target directory, reusing the test build's
//! dependencies: the counts are then unoptimised ones, fine for "is every variant there", and
//! they go to `<target>/gungraun-test`, away from the real bench's baselines.

use perflab_benches::instructions::{cases, describe};
use perflab_catalog::register;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

const RUNNER_VERSION: &str = "0.20.0";

/// Why the test cannot run here, if it cannot.
fn missing_tools() -> Option<String> {
    let runner = Command::new("gungraun-runner").arg("--version").output();
    match runner {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .trim()
                .ends_with(RUNNER_VERSION) => {}
        Ok(out) => {
            return Some(format!(
                "gungraun-runner is {}, not {RUNNER_VERSION}",
                String::from_utf8_lossy(&out.stdout).trim()
            ));
        }
        Err(_) => return Some("gungraun-runner is not installed".to_owned()),
    }
    match Command::new("valgrind").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        _ => Some("valgrind is not installed".to_owned()),
    }
}

/// `<target>` for the `<target>/<profile>/deps/` directory this test runs from.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.ancestors()
        .nth(3)
        .expect("test runs from <target>/<profile>/deps")
        .to_owned()
}

/// The instruction count (callgrind `Ir`) in one gungraun summary (schema v6):
/// `profiles[i].data.total.metrics.Ir.values.new` of the profile that has one.
fn instructions(summary: &Value) -> Option<u64> {
    summary["profiles"]
        .as_array()?
        .iter()
        .find_map(|p| p.pointer("/data/total/metrics/Ir/values/new")?.as_u64())
}

#[test]
fn every_supported_variant_has_an_instruction_count() {
    if let Some(why) = missing_tools() {
        eprintln!(
            "SKIPPED every_supported_variant_has_an_instruction_count: {why}; \
             install with scripts/install-gungraun-runner.sh (and apt-get install valgrind)"
        );
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "bench",
            "--profile",
            "test",
            "--bench",
            "instructions",
            "--manifest-path",
        ])
        .arg(&manifest)
        .args(["--", "--output-format=json", "--save-summary=json"])
        .env("CARGO_TARGET_DIR", target_dir())
        // Its own output directory, so these unoptimised counts never become the baseline that
        // a user's `cargo bench --bench instructions` compares against.
        .env("GUNGRAUN_HOME", target_dir().join("gungraun-test"))
        .output()
        .expect("run cargo bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo bench --bench instructions failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // One JSON summary per line, in case order; ids are `all_<n>`.
    let mut counts = std::collections::BTreeMap::new();
    for line in stdout.lines().filter(|l| l.trim_start().starts_with('{')) {
        let summary: Value = serde_json::from_str(line).expect("gungraun summary is JSON");
        let id = summary["id"].as_str().unwrap_or_default().to_owned();
        let ir = instructions(&summary);
        counts.insert(id, ir);
    }
    eprintln!("{}", describe(register));
    let cases = cases(register);
    let mut missing = Vec::new();
    for (n, case) in cases.iter().enumerate() {
        match counts.get(&format!("all_{n}")) {
            Some(Some(ir)) if *ir > 0 => eprintln!("all_{n}  {case}: {ir} instructions"),
            _ => missing.push(format!("all_{n} ({case})")),
        }
    }
    assert!(
        missing.is_empty(),
        "no instruction count for {missing:?}; summaries: {counts:?}"
    );
    assert_eq!(
        counts.len(),
        cases.len(),
        "unexpected extra summaries: {counts:?}"
    );
}
