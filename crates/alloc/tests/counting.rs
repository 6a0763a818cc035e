//! Exact allocation counts and allocator selection, under each of the three allocators.
//!
//! A global allocator is chosen once per process, so the driver tests re-run this test executable
//! with `PERFLAB_ALLOCATOR` set and a filter selecting the `worker_*` tests, one child process per
//! case, and assert that the child passed. Workers do nothing unless `CHILD` is set, so in the
//! normal (parallel) run they pass trivially; in the child they run alone on one thread, which
//! makes process-wide counts exact.

use std::alloc::Layout;
use std::hint::black_box;
use std::process::Command;
use std::sync::Barrier;

use perflab_alloc::{
    Allocator, BAD_NAME_CAPACITY, ENV_VAR, PerflabAllocator, measure, proof, reset_peak, selected,
    selection, snapshot,
};

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::new();

/// Set in a child: what the worker should expect (`system`, `jemalloc`, `mimalloc`, `unknown`).
const CHILD: &str = "PERFLAB_ALLOC_TEST_CHILD";

const WORKERS: [&str; 5] = [
    "worker_selection_and_proof",
    "worker_vec_is_one_allocation",
    "worker_string_growth_reallocates",
    "worker_peak_rises_and_falls",
    "worker_threads_lose_no_event",
];

/// Runs every worker in a child with `PERFLAB_ALLOCATOR` = `env_value` (unset if `None`).
fn run_child(env_value: Option<&str>, expect: &str) {
    let exe = std::env::current_exe().expect("test executable path");
    let mut cmd = Command::new(exe);
    cmd.args(["--exact", "--test-threads=1"])
        .args(WORKERS)
        .env(CHILD, expect);
    match env_value {
        Some(v) => cmd.env(ENV_VAR, v),
        None => cmd.env_remove(ENV_VAR),
    };
    let out = cmd.output().expect("spawn child test process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child ({ENV_VAR}={env_value:?}) failed:\n{stdout}\n{stderr}"
    );
    let ran = format!("{} passed", WORKERS.len());
    assert!(
        stdout.contains(&ran),
        "child did not run every worker:\n{stdout}"
    );
}

#[test]
fn system_child() {
    run_child(Some("system"), "system");
}

#[test]
fn jemalloc_child() {
    run_child(Some("jemalloc"), "jemalloc");
}

#[test]
fn mimalloc_child() {
    run_child(Some("mimalloc"), "mimalloc");
}

#[test]
fn names_are_case_insensitive_child() {
    run_child(Some("MiMalloc"), "mimalloc");
}

#[test]
fn unset_means_system_child() {
    run_child(None, "system");
}

#[test]
fn unknown_name_child() {
    run_child(Some("tcmalloc"), "unknown");
}

#[test]
fn long_unknown_name_is_truncated_child() {
    run_child(Some(&"x".repeat(BAD_NAME_CAPACITY + 10)), "unknown");
}

/// The expectation if this is a child, `None` in the normal run.
fn child() -> Option<String> {
    std::env::var(CHILD).ok()
}

#[test]
fn worker_selection_and_proof() {
    let Some(expect) = child() else { return };
    if expect == "unknown" {
        let raw = std::env::var(ENV_VAR).expect("the driver set the variable");
        let err = selection().expect_err("an unknown name is an error");
        let msg = err.to_string();
        for a in Allocator::ALL {
            assert!(msg.contains(a.name()), "{msg}");
        }
        let kept = raw.len().min(BAD_NAME_CAPACITY);
        assert_eq!(err.name(), &raw[..kept]);
        assert_eq!(err.truncated(), raw.len() > BAD_NAME_CAPACITY);
        assert_eq!(selected(), Allocator::System);
    } else {
        let want: Allocator = expect.parse().expect("driver passes a valid name");
        assert_eq!(selection(), Ok(want));
        assert_eq!(selected(), want);
    }
    let p = proof();
    assert!(p.confirmed(), "{p}");
    assert_eq!(p.owner, Some(selected()), "{p}");
}

#[test]
fn worker_vec_is_one_allocation() {
    if child().is_none() {
        return;
    }
    let (v, d) = measure(|| black_box(Vec::<u64>::with_capacity(100)));
    assert_eq!(d.allocations, 1);
    assert_eq!(d.bytes_allocated, 800);
    assert_eq!(d.deallocations, 0);
    assert_eq!(d.reallocations, 0);
    assert_eq!(d.live_bytes_change, 800);
    assert_eq!(d.peak_growth_bytes, 800);
    let ((), d) = measure(|| drop(black_box(v)));
    assert_eq!((d.allocations, d.deallocations), (0, 1));
    assert_eq!(d.live_bytes_change, -800);
    assert_eq!(d.peak_growth_bytes, 0);
}

#[test]
fn worker_string_growth_reallocates() {
    if child().is_none() {
        return;
    }
    // Capacities observed after each push (reading capacity never allocates).
    let mut caps = [0usize; 100];
    let (s, d) = measure(|| {
        let mut s = String::new();
        for cap in caps.iter_mut() {
            s.push('x');
            *cap = s.capacity();
        }
        black_box(s)
    });
    let mut distinct: Vec<usize> = caps.to_vec();
    distinct.dedup();
    // The first capacity is an allocation, every later change a growing reallocation.
    assert_eq!(d.allocations, 1);
    assert_eq!(d.reallocations as usize, distinct.len() - 1, "{distinct:?}");
    assert!(d.reallocations >= 2, "{distinct:?}");
    // Bytes allocated: the first capacity plus each growth, i.e. the final capacity.
    assert_eq!(d.bytes_allocated as usize, s.capacity());
    assert_eq!(d.live_bytes_change as usize, s.capacity());
    assert_eq!(d.peak_growth_bytes as usize, s.capacity());
    assert_eq!(d.deallocations, 0);
    // With std's doubling from 8 bytes: 8 -> 16 -> 32 -> 64 -> 128.
    assert_eq!(distinct, [8, 16, 32, 64, 128]);
    drop(s);
}

#[test]
fn worker_peak_rises_and_falls() {
    if child().is_none() {
        return;
    }
    reset_peak();
    let before = snapshot();
    assert_eq!(before.peak_live_bytes, before.live_bytes);
    let a = black_box(vec![1u8; 1000]);
    let b = black_box(vec![2u8; 2000]);
    let mid = snapshot();
    assert_eq!(mid.live_bytes - before.live_bytes, 3000);
    drop(a);
    let c = black_box(vec![3u8; 500]);
    let after_c = snapshot();
    assert_eq!(after_c.live_bytes - before.live_bytes, 2500);
    assert_eq!(after_c.peak_live_bytes - before.live_bytes, 3000);
    drop((b, c));
    let end = snapshot();
    let d = end - before;
    assert_eq!(d.live_bytes_change, 0);
    assert_eq!(d.peak_growth_bytes, 3000);
    assert_eq!((d.allocations, d.deallocations), (3, 3));
    // A new region starts at the current level.
    reset_peak();
    assert_eq!(snapshot().peak_live_bytes, end.live_bytes);
}

#[test]
fn worker_threads_lose_no_event() {
    if child().is_none() {
        return;
    }
    const THREADS: usize = 4;
    const PAIRS: u64 = 100_000;
    let layout = Layout::from_size_align(64, 8).unwrap();
    // Threads are spawned and started (which allocates) before the first snapshot and finished
    // (which frees) after the second: one reusable barrier, passed four times, brackets the
    // counted pairs, so nothing else happens between the snapshots.
    let gate = Barrier::new(THREADS + 1);
    let (before, after) = std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                gate.wait(); // ready
                gate.wait(); // go
                for _ in 0..PAIRS {
                    // SAFETY: non-zero size; each block is freed once with its layout.
                    unsafe {
                        let p = black_box(std::alloc::alloc(layout));
                        assert!(!p.is_null());
                        std::alloc::dealloc(p, layout);
                    }
                }
                gate.wait(); // finished
                gate.wait(); // may exit
            });
        }
        gate.wait();
        let before = snapshot();
        gate.wait();
        gate.wait();
        let after = snapshot();
        gate.wait();
        (before, after)
    });
    let d = after - before;
    let total = THREADS as u64 * PAIRS;
    assert_eq!(d.allocations, total);
    assert_eq!(d.deallocations, total);
    assert_eq!(d.bytes_allocated, total * 64);
    assert_eq!(d.reallocations, 0);
    assert_eq!(d.live_bytes_change, 0);
}
