//! What the selection and counting layers cost: ns per 64-byte `alloc` + `dealloc` pair.
//!
//! `cargo run --release -p perflab-alloc --example cost` re-runs itself once per allocator (the
//! global allocator is fixed per process) and prints a Markdown table. Per allocator it times,
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
use std::time::Instant;

use mimalloc::MiMalloc;
use perflab_alloc::{Allocator, ENV_VAR, PerflabAllocator, Selected, set_counting};
use tikv_jemallocator::Jemalloc;

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::new();

const CHILD: &str = "PERFLAB_COST_CHILD";
const PAIRS: u32 = 1_000_000;
const BATCHES: usize = 15;
const LAYOUT: Layout = match Layout::from_size_align(64, 8) {
    Ok(l) => l,
    Err(_) => panic!("valid layout"),
};

/// ns per pair through one allocator value, called directly.
fn pairs_with<A: GlobalAlloc>(a: &A) -> f64 {
    let t = Instant::now();
    for _ in 0..PAIRS {
        // SAFETY: non-zero size; each block is freed once, by the allocator that made it.
        unsafe {
            let p = black_box(a.alloc(LAYOUT));
            a.dealloc(p, LAYOUT);
        }
    }
    t.elapsed().as_nanos() as f64 / f64::from(PAIRS)
}

/// ns per pair through the global allocator (`PerflabAllocator`).
fn pairs_global() -> f64 {
    let t = Instant::now();
    for _ in 0..PAIRS {
        // SAFETY: non-zero size; each block is freed once with its layout.
        unsafe {
            let p = black_box(std::alloc::alloc(LAYOUT));
            std::alloc::dealloc(p, LAYOUT);
        }
    }
    t.elapsed().as_nanos() as f64 / f64::from(PAIRS)
}

/// ns per pair per thread with two threads allocating through the global allocator at once.
fn pairs_global_two_threads() -> f64 {
    let times: Vec<f64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2).map(|_| s.spawn(pairs_global)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    times.iter().sum::<f64>() / times.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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
    let cells: Vec<String> = samples
        .into_iter()
        .map(|s| format!("{:.1}", median(s)))
        .collect();
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
