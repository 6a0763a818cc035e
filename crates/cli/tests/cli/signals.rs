//! Runs that are stopped: SIGINT, SIGTERM and SIGKILL keep the cells already measured (also when
//! SIGINT was inherited ignored), and the measuring peers die with a killed parent.

use crate::common::{HANG_GUARD, perflab, results, tmp, wait_for};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// Starts a long run, waits until it has saved at least one group, sends `signal`, and checks the
/// file it leaves.
fn interrupted(signal: &str) {
    interrupted_with(signal, "DEFAULT");
}

/// The perflab command, started with SIGINT's disposition set to `disposition` (`DEFAULT` or
/// `IGNORE`) whatever this test process inherited: a suite started as a background job
/// inherits SIGINT ignored, and so would every child it spawns. perl (part of every Debian and
/// most Unix systems) resets it and execs perflab, keeping the pid; without perl, perflab is
/// started directly.
fn perflab_with_sigint(disposition: &str) -> Command {
    let perl = ["/usr/bin/perl", "/bin/perl"]
        .into_iter()
        .find(|p| Path::new(p).exists());
    match perl {
        Some(perl) => {
            let mut c = Command::new(perl);
            c.env_remove("PERFLAB_ALLOCATOR")
                .arg("-e")
                .arg(format!(
                    "$SIG{{INT}} = '{disposition}'; exec {{$ARGV[0]}} @ARGV or die \"exec: $!\""
                ))
                .arg(env!("CARGO_BIN_EXE_perflab"));
            c
        }
        None => perflab(),
    }
}

/// [`interrupted`], with the run's SIGINT disposition at start set to `disposition`.
fn interrupted_with(signal: &str, disposition: &str) {
    let dir = tmp(&format!("signal-{signal}-{disposition}"));
    let mut child = perflab_with_sigint(disposition)
        .args([
            "run", "-w", "search", "-w", "selftest", "--kind", "naive", "--size", "1KiB", "--size",
            "8KiB", "--size", "64KiB", "--budget", "60",
        ])
        // One group at a time: side by side, groups finish within milliseconds of each other
        // (their rounds are spread evenly), so the signal could land after the last one.
        .args(["--window", "1"])
        .args(["--out", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("a saved cell", HANG_GUARD, || {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be interrupted"
        );
        std::fs::read(dir.join("results.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .filter(|v| v["benchmarks"].as_array().is_some_and(|c| !c.is_empty()))
    });
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let _ = child.wait();
    let r = results(&dir);
    let cells = r["benchmarks"].as_array().unwrap();
    assert!(!cells.is_empty());
    assert!(cells.len() < 18, "the run finished before the signal");
    for b in cells {
        assert!(["ok", "failed", "unsupported"].contains(&b["status"].as_str().unwrap()));
    }
}

#[test]
fn sigint_keeps_finished_cells() {
    interrupted("-INT");
}

#[test]
fn sigkill_keeps_finished_cells() {
    interrupted("-KILL");
}

#[test]
fn sigterm_keeps_finished_cells() {
    interrupted("-TERM");
}

/// A run started with SIGINT ignored (a background job's inheritance) still stops on SIGINT:
/// `perflab run` installs its own handler.
#[test]
fn sigint_stops_a_run_that_inherited_it_ignored() {
    interrupted_with("-INT", "IGNORE");
}

/// The state letter and parent pid of process `pid`, from `/proc/PID/stat`; `None` once it is
/// gone.
#[cfg(target_os = "linux")]
fn state_and_parent(pid: u32) -> Option<(String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`; comm may hold spaces, so split after its closing paren.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let mut fields = rest.split_whitespace();
    Some((fields.next()?.to_owned(), fields.next()?.parse().ok()?))
}

/// Whether `pid` is a live process (not gone, not a zombie).
#[cfg(target_os = "linux")]
fn alive(pid: u32) -> bool {
    state_and_parent(pid).is_some_and(|(state, _)| state != "Z")
}

/// The pids of the live processes whose parent is `parent`.
#[cfg(target_os = "linux")]
fn children_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|&pid| state_and_parent(pid).is_some_and(|(s, ppid)| s != "Z" && ppid == parent))
        .collect()
}

/// A peer stuck in a kernel that never returns reads no command, so it cannot notice that its
/// parent is gone by its input closing: only the death signal the peer asked for ends it. So the
/// run is killed while a peer is stuck in `selftest/hangs` (which says so in a file), under a
/// time limit too long to end it within the test; without the signal that peer would live on.
#[cfg(target_os = "linux")]
#[test]
fn measuring_peers_die_with_a_killed_parent() {
    let dir = tmp("orphans");
    let mark = dir.join("hung");
    let mut child = perflab()
        .env("PERFLAB_SELFTEST_HANG_OVER", "1000")
        .env("PERFLAB_SELFTEST_HANG_MARK", &mark)
        .args([
            "run",
            "-w",
            "selftest",
            "--variant",
            "hangs",
            "--size",
            "4KiB",
        ])
        .args(["--allocator", "system", "--timeout", "3600"])
        .args(["--out", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let hung: u32 = wait_for("a peer stuck in `hangs`", HANG_GUARD, || {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::fs::read_to_string(&mark).ok()?.parse().ok()
    });
    let peers = children_of(child.id());
    assert!(peers.contains(&hung), "{hung} is not among {peers:?}");
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    let what = format!("peers {peers:?} (stuck: {hung}) end with their killed parent");
    wait_for(&what, HANG_GUARD, || {
        (!peers.iter().any(|&p| alive(p))).then_some(())
    });
}
