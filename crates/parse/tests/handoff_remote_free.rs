//! What `handoff` exists to show, checked with a counting global allocator: `naive`'s records are
//! freed on another thread than the producer that allocated them, one remote free per record,
//! while `optimized` and `arena` at steady state free (almost) nothing remotely; and what every
//! variant holds at once stays small, whatever the input's size (the channels are bounded).
//!
//! One test in this file on purpose: the counters are global, and tests run in parallel.

use perflab_core::{ByteInput, Ctx, Kernel, Workload};
use perflab_parse::handoff::{Arena, Handoff, HandoffOutput, Naive, Optimized};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

/// The system allocator, counting while [`ARMED`].
struct Watching;

#[global_allocator]
static GLOBAL: Watching = Watching;

static ARMED: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static LOCAL_FREES: AtomicU64 = AtomicU64::new(0);
static REMOTE_FREES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

thread_local! {
    /// Set on the thread that runs the kernels (the producer).
    static PRODUCER: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: every call goes unchanged to `System`, which upholds `GlobalAlloc`'s contract; the
// counting around it only touches atomics and a const-initialised thread-local `Cell<bool>` (no
// destructor, no lazy initialisation), so it never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract (a non-zero size), passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if ARMED.load(Relaxed) && !ptr.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            let live = LIVE.fetch_add(layout.size() as i64, Relaxed) + layout.size() as i64;
            PEAK.fetch_max(live, Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Relaxed) {
            if PRODUCER.try_with(Cell::get).unwrap_or(false) {
                LOCAL_FREES.fetch_add(1, Relaxed);
            } else {
                REMOTE_FREES.fetch_add(1, Relaxed);
            }
            LIVE.fetch_sub(layout.size() as i64, Relaxed);
        }
        // SAFETY: `ptr` came from `System.alloc` with this `layout` (every allocation goes
        // through `alloc` above), as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// What one call did to the allocator.
#[derive(Debug)]
struct Counts {
    allocations: u64,
    local_frees: u64,
    remote_frees: u64,
    /// The most bytes held at once above what was held when the call started.
    peak_bytes: i64,
}

fn counted(f: impl FnOnce() -> HandoffOutput) -> (HandoffOutput, Counts) {
    for c in [&ALLOCATIONS, &LOCAL_FREES, &REMOTE_FREES] {
        c.store(0, Relaxed);
    }
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ARMED.store(true, Relaxed);
    let out = f();
    ARMED.store(false, Relaxed);
    let counts = Counts {
        allocations: ALLOCATIONS.load(Relaxed),
        local_frees: LOCAL_FREES.load(Relaxed),
        remote_frees: REMOTE_FREES.load(Relaxed),
        peak_bytes: PEAK.load(Relaxed),
    };
    (out, counts)
}

#[test]
fn naive_frees_every_record_remotely_and_the_recycling_variants_do_not() {
    PRODUCER.set(true);
    let input: ByteInput = Handoff::generate(4 << 20, 7);
    let ctx = Ctx::new();
    // Warm-up calls: start the consumers, make the batches and arenas.
    let want = Naive.run(&input, &ctx);
    assert_eq!(Optimized.run(&input, &ctx), want);
    assert_eq!(Arena.run(&input, &ctx), want);
    let records = want.records;
    assert!(records > 25_000, "{want:?}");

    let (out, naive) = counted(|| Naive.run(&input, &ctx));
    eprintln!("naive over {records} records: {naive:?}");
    assert_eq!(out, want);
    assert!(naive.allocations >= records, "{naive:?}");
    assert!(
        naive.remote_frees >= records,
        "every record must be freed by the consumer: {naive:?}"
    );
    // 256 records of at most 256 bytes in the channel, a few more in the producer's and the
    // consumer's hands: far below the 4 MiB a producer running ahead would hold.
    assert!(naive.peak_bytes < 256 << 10, "{naive:?}");

    let (out, optimized) = counted(|| Optimized.run(&input, &ctx));
    eprintln!("optimized over {records} records: {optimized:?}");
    assert_eq!(out, want);
    assert!(optimized.remote_frees <= 8, "{optimized:?}");
    assert!(optimized.allocations <= 8, "{optimized:?}");
    assert!(optimized.peak_bytes < 64 << 10, "{optimized:?}");

    let (out, arena) = counted(|| Arena.run(&input, &ctx));
    eprintln!("arena over {records} records: {arena:?}");
    assert_eq!(out, want);
    assert!(arena.remote_frees <= 8, "{arena:?}");
    // One small cell per batch of up to 64 records, made and freed by the producer.
    assert!(arena.allocations <= records / 32, "{arena:?}");
    assert!(arena.local_frees + 8 >= arena.allocations, "{arena:?}");
    assert!(arena.peak_bytes < 64 << 10, "{arena:?}");
}
