//! The measuring engine on a test-only registry, with in-process peers: statuses, lock-step
//! sampling, pooling over processes, allocator ratios, the window, sharding.

use perflab_core::fixture::{self, Behaviour, NAIVE, Variant};
use perflab_core::{Registry, VariantKind};
use perflab_harness::clock::Clock;
use perflab_harness::engine::{Engine, Launch, Mode, Progress, ResultsFile};
use perflab_harness::plan::{Group, Preset, Selection, Shard, parse_shard, plan};
use perflab_harness::results::{Benchmark, CellStatus, Environment, Results, RunConfig};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Four times naive's work: its speed-up must come out clearly below 1.
const SLOW: Variant = Variant::new("slow", VariantKind::Optimized, Behaviour::Slower(3));

/// Right on the peer's own thread; once `ARMED`, panics on its worker threads.
const SOLO: Variant = Variant::new("solo", VariantKind::Optimized, Behaviour::Custom(solo));

fn solo(bytes: &[u8]) -> u64 {
    let on_a_worker = std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("perflab-thread"));
    if ARMED.load(Ordering::SeqCst) && on_a_worker {
        panic!("deliberate, on a worker thread");
    }
    fixture::sum(bytes)
}

/// Arms `solo` (after verification, so that only samples panic).
static ARMED: AtomicBool = AtomicBool::new(false);

/// Right for its first two calls (verification and a warm-up of one call), wrong after.
fn drifts(bytes: &[u8]) -> u64 {
    let drift = if DRIFT_CALLS.fetch_add(1, Ordering::SeqCst) >= 2 {
        2
    } else {
        0
    };
    fixture::sum(bytes) + drift
}

/// Calls of `drifts` so far.
static DRIFT_CALLS: AtomicUsize = AtomicUsize::new(0);

fn registry() -> Registry {
    fixture::registry([
        NAIVE,
        SLOW,
        Variant::new("wrong", VariantKind::Optimized, Behaviour::Wrong(1)),
        Variant::new("panics", VariantKind::Simd, Behaviour::Panics("deliberate")),
        Variant::new("future", VariantKind::Simd, Behaviour::Unsupported),
    ])
}

fn settings() -> perflab_harness::plan::Settings {
    perflab_harness::plan::Settings {
        warmup: Duration::from_millis(2),
        sample_target: Duration::from_micros(200),
        min_rounds: 6,
        max_rounds: 6,
        group_budget: Duration::from_millis(50),
        processes: 2,
        window: 2,
    }
}

fn engine(settings: perflab_harness::plan::Settings) -> Engine {
    Engine {
        head: Launch::InProcess(registry()),
        mode: Mode::Time,
        settings,
        seed: 7,
        input: None,
        cpus: Vec::new(),
        // The peers' own CPU time: these tests run beside builds and other tests, and a sample
        // preempted for a scheduler tick would make any ratio of wall times meaningless.
        clock: Clock::preferred(),
        layout_seed: 11,
        time_limit: None,
    }
}

#[derive(Default)]
struct Seen {
    started: Vec<String>,
    finished: Vec<String>,
}

impl Progress for Seen {
    fn group_started(&mut self, g: &Group) {
        self.started.push(g.label());
    }
    fn group_finished(&mut self, g: &Group, _: &[Benchmark]) {
        self.finished.push(g.label());
    }
}

/// Measuring tests take turns: a sample's time (even by the thread's own CPU clock) depends on
/// what the other CPU is doing, and a threaded test keeps both busy, so two measuring tests side
/// by side would see each other in their ratios.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `groups` through `engine`, saving to a fresh file; returns the results and the progress.
fn measure(engine: &Engine, groups: &[Group], name: &str) -> (Results, Seen) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = std::env::temp_dir().join(format!("perflab-engine-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("results.json");
    let mut results = Results::new(Environment::default(), RunConfig::default());
    let mut seen = Seen::default();
    engine
        .run(
            groups,
            ResultsFile {
                results: &mut results,
                path: &path,
            },
            None,
            &mut seen,
        )
        .unwrap();
    let saved = Results::read(&path).unwrap();
    assert_eq!(
        saved.benchmarks.len(),
        results.benchmarks.len(),
        "saved as measured"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    (results, seen)
}

fn group(size: usize, allocators: &[&str]) -> Group {
    Group {
        workload: "sum".into(),
        size: perflab_core::format_size(size),
        size_bytes: Some(size),
        variants: ["naive", "slow", "wrong", "panics", "future"]
            .map(String::from)
            .to_vec(),
        kinds: vec![],
        allocators: allocators.iter().map(|a| (*a).to_owned()).collect(),
        threads: vec![1],
    }
}

#[test]
fn every_status_pooled_processes_and_paired_ratios() {
    let (r, seen) = measure(
        &engine(settings()),
        &[group(16 << 10, &["system", "jemalloc"])],
        "statuses",
    );
    assert_eq!(seen.finished, ["sum/16KiB"]);
    let cell = |v: &str, a: &str| r.get(&format!("sum/{v}/{a}/16KiB")).unwrap().clone();
    for a in ["system", "jemalloc"] {
        let st: Vec<_> = ["naive", "slow", "wrong", "panics", "future"]
            .iter()
            .map(|v| cell(v, a).status)
            .collect();
        assert_eq!(
            st,
            [
                CellStatus::Ok,
                CellStatus::Ok,
                CellStatus::Failed,
                CellStatus::Failed,
                CellStatus::Unsupported
            ],
            "{a}"
        );
        assert!(
            cell("wrong", a)
                .error
                .unwrap()
                .contains("differs from naive")
        );
        assert!(cell("panics", a).error.unwrap().contains("deliberate"));
        for v in ["naive", "slow"] {
            let c = cell(v, a);
            // Six rounds in each of two processes, side by side.
            assert_eq!(c.time.samples_ns.len(), 12, "{v}/{a}");
            assert_eq!(c.process_medians_ns.len(), 2);
            let m = c.time.median_ns.unwrap();
            let [lo, hi] = c.time.ci95_ns.unwrap();
            assert!(lo <= m && m <= hi && m > 0.0);
            assert_eq!(c.name.size_bytes, 16 << 10);
            assert!(c.time.iters_per_sample >= 1);
        }
        assert_eq!(
            cell("naive", a).paired.speedup_vs_naive.unwrap().median,
            1.0
        );
        // "slow" does the work four times: its speed-up must be clearly below 1 (about 0.25).
        let s = cell("slow", a).paired.speedup_vs_naive.unwrap();
        assert!(s.median < 0.8, "speed-up of the slowed variant was {s:?}");
        assert!(s.ci95[0] <= s.median && s.median <= s.ci95[1]);
        assert!(
            cell("wrong", a).time.samples_ns.is_empty()
                && cell("wrong", a).time.median_ns.is_none()
        );
    }
    // Allocator ratios: none for system; for the other, positive, its interval around its median.
    // (In-process peers share one allocator, so the ratio is about 1.)
    for v in ["naive", "slow"] {
        assert!(cell(v, "system").paired.time_vs_system.is_none());
        let t = cell(v, "jemalloc").paired.time_vs_system.unwrap();
        assert!(
            t.median > 0.0 && t.ci95[0] <= t.median && t.median <= t.ci95[1],
            "{t:?}"
        );
        assert!((0.5..2.0).contains(&t.median), "{t:?}");
    }
    assert!(cell("wrong", "jemalloc").paired.time_vs_system.is_none());
}

#[test]
fn the_window_interleaves_groups_and_saves_each_when_done() {
    let mut s = settings();
    s.window = 3;
    s.processes = 1;
    let groups: Vec<Group> = [1 << 10, 2 << 10, 4 << 10, 8 << 10]
        .iter()
        .map(|&size| group(size, &["system"]))
        .collect();
    let (r, seen) = measure(&engine(s), &groups, "window");
    // Three groups enter at once; the fourth only when one has left.
    assert_eq!(seen.started[..3], ["sum/1KiB", "sum/2KiB", "sum/4KiB"]);
    assert_eq!(seen.finished.len(), 4);
    assert_eq!(seen.started.len(), 4);
    assert_eq!(r.benchmarks.len(), 4 * 5);
    assert!(
        r.benchmarks
            .iter()
            .filter(|b| b.status == CellStatus::Ok)
            .all(|b| b.time.samples_ns.len() == 6 && b.process_medians_ns.len() == 1)
    );
}

#[test]
fn shards_partition_the_plan() {
    let r = registry();
    let sel = |shard| Selection {
        sizes: Preset::Quick.sizes(),
        shard,
        ..Selection::default()
    };
    let all = plan(&r, &sel(None)).unwrap();
    // One group per size: every allocator's cells are in it.
    assert_eq!(all.len(), 4);
    assert!(
        all.iter()
            .all(|g| g.allocators == ["system", "jemalloc", "mimalloc"])
    );
    let mut joined: Vec<Group> = (1..=3)
        .flat_map(|index| plan(&r, &sel(Some(Shard { index, count: 3 }))).unwrap())
        .collect();
    joined.sort_by_key(|g| format!("{g:?}"));
    let mut sorted = all.clone();
    sorted.sort_by_key(|g| format!("{g:?}"));
    assert_eq!(joined, sorted);
    assert_eq!(parse_shard("2/4"), Ok(Shard { index: 2, count: 4 }));
    for bad in ["0/2", "3/2", "x", "1/0", "1-2"] {
        assert!(parse_shard(bad).is_err(), "{bad}");
    }
}

#[test]
fn filters_name_the_unknown_and_keep_naive() {
    let r = registry();
    let mut sel = Selection {
        sizes: vec![1024],
        variants: vec!["slow".into()],
        allocators: vec!["jemalloc".into()],
        ..Selection::default()
    };
    let groups = plan(&r, &sel).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].variants, ["naive", "slow"]);
    assert_eq!(groups[0].allocators, ["jemalloc"]);
    let refused = |sel: &Selection| plan(&r, sel).unwrap_err().to_string();
    sel.variants = vec!["nope".into()];
    let e = refused(&sel);
    assert!(e.contains("unknown variant `nope`"), "{e}");
    sel.variants.clear();
    sel.allocators = vec!["tcmalloc".into()];
    let e = refused(&sel);
    assert!(e.contains("system, jemalloc, mimalloc"), "{e}");
    sel.allocators.clear();
    sel.workloads = vec!["nope".into()];
    let e = refused(&sel);
    assert!(e.contains("expected one of: sum"), "{e}");
}

#[test]
fn threads_are_a_dimension_of_every_cell() {
    let r = fixture::registry([NAIVE, SLOW, SOLO]);
    let mut s = settings();
    s.processes = 2;
    let engine = Engine {
        head: Launch::InProcess(r),
        ..engine(s)
    };
    let g = Group {
        variants: ["naive", "slow", "solo"].map(String::from).to_vec(),
        threads: vec![1, 2],
        ..group(16 << 10, &["system", "jemalloc"])
    };
    assert_eq!(g.cell_ids().len(), 2 * 2 * 3);
    assert!(
        g.cell_ids()
            .contains(&"sum/slow/jemalloc/16KiB/2t".to_owned())
    );
    let (r1, _) = measure(&engine, std::slice::from_ref(&g), "threads");
    let cell = |v: &str, a: &str, t: &str| r1.get(&format!("sum/{v}/{a}/16KiB{t}")).unwrap();
    for a in ["system", "jemalloc"] {
        for v in ["naive", "slow", "solo"] {
            let one = cell(v, a, "");
            let two = cell(v, a, "/2t");
            assert_eq!((one.threads, two.threads), (1, 2));
            assert_eq!(two.status, CellStatus::Ok, "{v}/{a}: {:?}", two.error);
            assert_eq!(
                two.time.samples_ns.len(),
                12,
                "six rounds in each of two processes"
            );
            assert!(
                one.threaded.scaling_vs_one_thread.is_none() && one.threaded.contention.is_none()
            );
            let scaling = two.threaded.scaling_vs_one_thread.unwrap();
            assert!(scaling.median > 0.0 && scaling.ci95[0] <= scaling.median);
            let tp = two.threaded.aggregate_throughput_bytes_per_s.unwrap();
            let per_thread = two.time.throughput_bytes_per_s.unwrap();
            assert!((tp / per_thread - 2.0).abs() < 1e-9, "{tp} vs {per_thread}");
            let c = two.threaded.contention.unwrap();
            assert!(c.cpu_per_call_ns.unwrap() > 0.0);
            assert!(c.cpu_utilisation.unwrap() > 0.0);
            assert!(c.system_per_call_ns.unwrap() >= 0.0);
            // Speed-ups are at the same thread count: "slow" does four times the work there too.
            assert!(
                cell("slow", a, "/2t")
                    .paired
                    .speedup_vs_naive
                    .unwrap()
                    .median
                    < 0.8
            );
        }
        assert!(
            cell("naive", "system", "/2t")
                .paired
                .time_vs_system
                .is_none()
        );
        assert!(
            cell("naive", "jemalloc", "/2t")
                .paired
                .time_vs_system
                .is_some()
        );
    }
    ARMED.store(true, Ordering::SeqCst);
    let (r2, _) = measure(&engine, std::slice::from_ref(&g), "threads-armed");
    ARMED.store(false, Ordering::SeqCst);
    let cell = |v: &str, a: &str, t: &str| r2.get(&format!("sum/{v}/{a}/16KiB{t}")).unwrap();
    for a in ["system", "jemalloc"] {
        // Armed, "solo" panics on the worker thread (first when the worker verifies it): its
        // two-thread cell fails with the panic's message, and nothing else does.
        let failed = cell("solo", a, "/2t");
        assert_eq!(failed.status, CellStatus::Failed);
        assert!(
            failed.error.as_deref().unwrap_or("").contains("deliberate"),
            "{:?}",
            failed.error
        );
        assert_eq!(cell("solo", a, "").status, CellStatus::Ok);
        for v in ["naive", "slow"] {
            assert_eq!(cell(v, a, "").status, CellStatus::Ok);
            assert_eq!(cell(v, a, "/2t").status, CellStatus::Ok);
        }
    }
}

#[test]
fn a_variant_that_goes_wrong_after_verification_fails_in_the_round_it_did() {
    let r = fixture::registry([
        NAIVE,
        Variant::new("drifts", VariantKind::Optimized, Behaviour::Custom(drifts)),
    ]);
    // One process and no warm-up to speak of (one call): the third call of `drifts` is the
    // last of round 1's sample.
    let mut s = settings();
    s.processes = 1;
    s.warmup = Duration::ZERO;
    let engine = Engine {
        head: Launch::InProcess(r),
        ..engine(s)
    };
    let g = Group {
        variants: ["naive", "drifts"].map(String::from).to_vec(),
        ..group(16 << 10, &["system"])
    };
    let (results, _) = measure(&engine, std::slice::from_ref(&g), "drifts");
    let naive = results.get("sum/naive/system/16KiB").unwrap();
    assert_eq!(naive.status, CellStatus::Ok);
    let drifted = results.get("sum/drifts/system/16KiB").unwrap();
    assert_eq!(drifted.status, CellStatus::Failed);
    assert!(drifted.time.samples_ns.is_empty() && drifted.time.median_ns.is_none());
    let error = drifted.error.as_deref().unwrap();
    assert!(
        error.starts_with("in a timed sample, output differs from naive")
            && error.ends_with("(it agreed when verified) (round 1)"),
        "{error}"
    );
}
