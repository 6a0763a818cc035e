//! What the selection and counting layers cost: ns per 64-byte `alloc` + `dealloc` pair.
//!
//! `cargo run --release -p perflab-alloc --example cost` re-runs itself once per allocator (the
//! global allocator is fixed per process) and prints a Markdown table of "median (minimum)" ns
//! of thread CPU time over 41 batches of 250 000 pairs. Per allocator it times,
//! interleaved batch by batch so that drift on a shared machine hits every column alike:
//! - raw: the allocator called directly (`System`, `Jemalloc`, `MiMalloc`), no layer at all;
//! - dispatch: `perflab_alloc::Selected`, the env-selected forwarding without counting;
//! - off / on: through the `#[global_allocator]` (`PerflabAllocator`) with counting switched
//!   off / on;
//! - 2 thr off / on: the same pair on two threads at once, ns per pair per thread (the shared
//!   counters' cache line then bounces between cores).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::process::Command;

use mimalloc::MiMalloc;
use perflab_alloc::{Allocator, ENV_VAR, PerflabAllocator, Selected, set_counting};
use tikv_jemallocator::Jemalloc;

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::new();

const CHILD: &str = "PERFLAB_COST_CHILD";
const PAIRS: u32 = 250_000;
const BATCHES: usize = 41;
const LAYOUT: Layout = match Layout::from_size_align(64, 8) {
    Ok(l) => l,
    Err(_) => panic!("valid layout"),
};

/// CPU time of the calling thread: unlike wall time it stops while the thread is preempted, which
/// on a shared, overloaded 2-core machine is most of the noise.
struct CpuTimer(libc::timespec);

impl CpuTimer {
    fn now() -> libc::timespec {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux supports.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        ts
    }

    fn start() -> Self {
        CpuTimer(Self::now())
    }

    /// ns of CPU time since `start`, per pair.
    fn per_pair(&self) -> f64 {
        let end = Self::now();
        let ns = (end.tv_sec - self.0.tv_sec) as f64 * 1e9 + (end.tv_nsec - self.0.tv_nsec) as f64;
        ns / f64::from(PAIRS)
    }
}

/// ns per pair through one allocator value, called directly.
fn pairs_with<A: GlobalAlloc>(a: &A) -> f64 {
    let t = CpuTimer::start();
    for _ in 0..PAIRS {
        // SAFETY: non-zero size; each block is freed once, by the allocator that made it.
        unsafe {
            let p = black_box(a.alloc(LAYOUT));
            a.dealloc(p, LAYOUT);
        }
    }
    t.per_pair()
}

/// ns per pair through the global allocator (`PerflabAllocator`).
fn pairs_global() -> f64 {
    let t = CpuTimer::start();
    for _ in 0..PAIRS {
        // SAFETY: non-zero size; each block is freed once with its layout.
        unsafe {
            let p = black_box(std::alloc::alloc(LAYOUT));
            std::alloc::dealloc(p, LAYOUT);
        }
    }
    t.per_pair()
}

/// ns per pair per thread with two threads allocating through the global allocator at once.
fn pairs_global_two_threads() -> f64 {
    let times: Vec<f64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2).map(|_| s.spawn(pairs_global)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    times.iter().sum::<f64>() / times.len() as f64
}

/// "median (minimum)" of the batches: the median is the typical cost on this (shared) machine,
/// the minimum the cost when no other process got in the way.
fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("{:.1} ({:.1})", v[v.len() / 2], v[0])
}

fn child(allocator: Allocator) {
    let raw: fn() -> f64 = match allocator {
        Allocator::System => || pairs_with(&System),
        Allocator::Jemalloc => || pairs_with(&Jemalloc),
        Allocator::Mimalloc => || pairs_with(&MiMalloc),
    };
    let modes: [(&str, &dyn Fn() -> f64); 6] = [
        ("raw", &raw),
        ("dispatch", &|| pairs_with(&Selected)),
        ("off", &|| {
            set_counting(false);
            let t = pairs_global();
            set_counting(true);
            t
        }),
        ("on", &pairs_global),
        ("2thr_off", &|| {
            set_counting(false);
            let t = pairs_global_two_threads();
            set_counting(true);
            t
        }),
        ("2thr_on", &pairs_global_two_threads),
    ];
    let mut samples = vec![Vec::with_capacity(BATCHES); modes.len()];
    for _ in 0..BATCHES {
        for (i, (_, run)) in modes.iter().enumerate() {
            samples[i].push(run());
        }
    }
    let cells: Vec<String> = samples.into_iter().map(summary).collect();
    println!("| {allocator} | {} |", cells.join(" | "));
    eprintln!("{}", perflab_alloc::proof());
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        match perflab_alloc::selection() {
            Ok(a) => child(a),
            Err(e) => {
                eprintln!("cost: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    println!("| allocator | raw | dispatch | counting off | counting on | 2 thr off | 2 thr on |");
    println!("|---|---|---|---|---|---|---|");
    let exe = std::env::current_exe().expect("own executable");
    for a in Allocator::ALL {
        let status = Command::new(&exe)
            .env(ENV_VAR, a.name())
            .env(CHILD, "1")
            .status()
            .expect("spawn child");
        assert!(status.success(), "{a} child failed");
    }
}
