//! The threads of a threaded cell: at N threads, N threads of one peer run the same variant at
//! once, each on its own copy of the input with its own context and arena.
//!
//! Why like this (divan's `threads` is the model; what it lacks is the allocator matrix):
//!
//! - **Started once per peer, not per sample.** Spawning a thread costs tens of microseconds,
//!   as much as a small sample; a [`Crew`] is started when the peer prepares its group and lives
//!   as long as the peer. The peer's own measuring thread is thread 0; the crew's workers are
//!   threads 1 to N−1, so a one-thread sample runs exactly where it always did.
//! - **Each thread its own input and arena.** A worker builds its own copy of the group's input
//!   (the same generator and seed, or the same file) and its own [`perflab_core::Ctx`], and
//!   re-draws their layout with the peer's every round: threads share the allocator, nothing else.
//!   The workload is whatever the registry holds, the user's own included; kernels need no change.
//! - **Checked before timed.** Every worker verifies every variant against naive on its own copy
//!   before the first sample, as thread 0 did on its own. (It is also where kernels that keep
//!   threads of their own start them: before the worker pins itself, so that those threads inherit
//!   every CPU rather than the worker's one.)
//! - **Released together.** A threaded sample hands every thread its job, and every thread waits
//!   on one barrier before it reads its clocks: no thread's first call starts before all are
//!   ready. Each thread then stamps its own start and end on the monotonic clock; the sample's wall
//!   time is the last end minus the first start, and the engine waits for every thread's answer
//!   before anything else happens in the peer (the barrier at the end).

use crate::probe::AllocProbe;
use crate::subject::{Readiness, Subject, ThreadRun};
use perflab_core::{InputSource, Placement, Registry};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Instant;

/// What a run of a variant on several threads at once came to.
#[derive(Clone, Copy, Debug)]
pub struct CrewRun<'a> {
    /// Every thread's part, thread 0 (the peer's own) first.
    pub threads: &'a [ThreadRun],
}

impl CrewRun<'_> {
    /// The run's wall time: from the first thread's start to the last thread's end, ns.
    pub fn wall_ns(&self) -> u64 {
        self.span(|t| t.start, |t| t.end)
    }

    /// From the first thread's start to the last thread's start, ns: how "together" the barrier
    /// released them.
    pub fn start_skew_ns(&self) -> u64 {
        self.span(|t| t.start, |t| t.start)
    }

    /// From the earliest `from` of any thread to the latest `to`, ns (0 for no thread).
    fn span(
        &self,
        from: impl Fn(&ThreadRun) -> Instant,
        to: impl Fn(&ThreadRun) -> Instant,
    ) -> u64 {
        match (
            self.threads.iter().map(from).min(),
            self.threads.iter().map(to).max(),
        ) {
            (Some(f), Some(t)) => t.saturating_duration_since(f).as_nanos() as u64,
            _ => 0,
        }
    }

    /// The mean CPU time of the threads, ns; `None` when a thread's is unknown.
    pub fn mean_cpu_ns(&self) -> Option<f64> {
        let total: u64 = self.threads.iter().map(|t| t.cpu_ns).sum::<Option<u64>>()?;
        (!self.threads.is_empty()).then(|| total as f64 / self.threads.len() as f64)
    }

    /// Bytes held by all the threads' arenas at their fullest.
    pub fn arena_peak(&self) -> u64 {
        self.threads.iter().map(|t| t.arena_peak).sum()
    }
}

enum Job {
    Relocate {
        place: Placement,
        depth: usize,
    },
    Release(&'static dyn AllocProbe),
    Run {
        slot: usize,
        iters: u64,
        fresh_ctx: bool,
        start: Arc<StartLine>,
    },
}

enum Done {
    Ready(Vec<Readiness>),
    Unprepared(String),
    Relocated,
    Released,
    Ran(Result<ThreadRun, String>),
}

/// What passes between the peer's thread and one worker: one job and one answer at a time.
///
/// Why not channels: `std::sync::mpsc` allocates a block every few dozen messages, and a
/// threaded counting pass runs with allocation counting on for the whole process, so the
/// harness's own messages would have shown up as the kernel's allocations (0.06–1 per call,
/// seen). A slot behind a mutex never allocates.
#[derive(Default)]
struct Mailbox {
    post: Mutex<Post>,
    bell: Condvar,
}

#[derive(Default)]
struct Post {
    job: Option<Job>,
    done: Option<Done>,
    /// The peer is done with the worker: it should return.
    closed: bool,
    /// The worker has returned (or unwound): nothing more will come.
    gone: bool,
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, Post> {
        self.post.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the worker has returned (or unwound).
    fn is_gone(&self) -> bool {
        self.lock().gone
    }

    /// Hands the worker a job; false when it is gone.
    fn send(&self, job: Job) -> bool {
        let mut post = self.lock();
        if post.gone {
            return false;
        }
        post.job = Some(job);
        self.bell.notify_all();
        true
    }

    /// Waits for the worker's answer; `None` when it is gone without one.
    fn receive(&self) -> Option<Done> {
        self.wait_for(|post| post.done.take(), |post| post.gone)
    }

    /// The worker's side: waits for the next job; `None` when the peer closed the mailbox.
    fn next_job(&self) -> Option<Job> {
        self.wait_for(|post| post.job.take(), |post| post.closed)
    }

    /// Waits until `take` finds something, or `over` says nothing will come.
    fn wait_for<T>(
        &self,
        take: impl Fn(&mut Post) -> Option<T>,
        over: impl Fn(&Post) -> bool,
    ) -> Option<T> {
        let mut post = self.lock();
        loop {
            if let Some(found) = take(&mut post) {
                return Some(found);
            }
            if over(&post) {
                return None;
            }
            post = self.bell.wait(post).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// The worker's side: answers.
    fn answer(&self, done: Done) {
        let mut post = self.lock();
        post.done = Some(done);
        self.bell.notify_all();
    }

    fn close(&self) {
        self.lock().closed = true;
        self.bell.notify_all();
    }
}

/// Marks the worker gone however it ends, so that the peer never waits for it in vain.
struct Leaving(Arc<Mailbox>);

impl Drop for Leaving {
    fn drop(&mut self) {
        self.0.lock().gone = true;
        self.0.bell.notify_all();
    }
}

struct Worker {
    mailbox: Arc<Mailbox>,
    handle: Option<JoinHandle<()>>,
}

/// The worker threads of a peer (threads 1 to N−1 of its threaded samples), each with its own
/// [`Subject`].
pub struct Crew {
    workers: Vec<Worker>,
    /// Per slot: whether every worker verified it, or the first worker's reason why not.
    ready: Vec<Result<(), String>>,
    /// One barrier per thread count, made once: a run must not allocate (see [`Mailbox`]).
    barriers: Vec<Arc<StartLine>>,
    /// The last run's threads, reused for the same reason.
    runs: Vec<ThreadRun>,
    /// Set when a worker stopped answering: nothing threaded can run any more.
    broken: Option<String>,
}

impl Crew {
    /// Starts `count` workers that each build `workload`'s input from `source`, verify `variants`
    /// against naive, and then pin themselves to `cpus[i]` (worker `i`; none when absent).
    /// Returns when every worker is ready.
    ///
    /// # Errors
    /// A worker that cannot build its input (the message of the first).
    pub fn start(
        registry: &Registry,
        workload: &str,
        source: &InputSource,
        variants: &[String],
        count: usize,
        cpus: &[usize],
    ) -> Result<Crew, String> {
        let mut workers = Vec::with_capacity(count);
        for i in 0..count {
            let mailbox = Arc::new(Mailbox::default());
            let (registry, workload, source, variants) = (
                registry.clone(),
                workload.to_owned(),
                source.clone(),
                variants.to_vec(),
            );
            let cpu = cpus.get(i).copied();
            let theirs = Arc::clone(&mailbox);
            let handle = std::thread::Builder::new()
                .name(format!("perflab-thread-{}", i + 1))
                .spawn(move || work(&registry, &workload, &source, &variants, cpu, theirs))
                .map_err(|e| format!("cannot start measuring thread {}: {e}", i + 1))?;
            workers.push(Worker {
                mailbox,
                handle: Some(handle),
            });
        }
        let mut ready: Vec<Result<(), String>> = vec![Ok(()); variants.len()];
        for (i, w) in workers.iter().enumerate() {
            match w.mailbox.receive() {
                Some(Done::Ready(r)) => {
                    for (slot, readiness) in r.iter().enumerate() {
                        if let (Some(verdict @ Ok(())), Readiness::Unavailable { error, .. }) =
                            (ready.get_mut(slot), readiness)
                        {
                            *verdict = Err(format!("on thread {}: {error}", i + 1));
                        }
                    }
                }
                Some(Done::Unprepared(msg)) => return Err(msg),
                _ => return Err(format!("measuring thread {} did not start", i + 1)),
            }
        }
        Ok(Crew {
            barriers: (1..=count + 1)
                .map(|n| Arc::new(StartLine::new(n)))
                .collect(),
            runs: Vec::with_capacity(count + 1),
            workers,
            ready,
            broken: None,
        })
    }

    /// How many threads a run can have: the workers and the caller's.
    pub fn capacity(&self) -> usize {
        self.workers.len() + 1
    }

    /// Every worker draws the layout the peer's own subject just drew.
    pub fn relocate(&mut self, place: Placement, depth: usize) {
        self.on_every_worker(
            || Job::Relocate { place, depth },
            |d| matches!(d, Done::Relocated),
        );
    }

    /// Hands every worker the same job and waits for all their answers; a worker that does not
    /// answer as `expected` breaks the crew.
    fn on_every_worker(&mut self, job: impl Fn() -> Job, expected: impl Fn(&Done) -> bool) {
        if self.broken.is_some() {
            return;
        }
        for w in &self.workers {
            if !w.mailbox.send(job()) {
                self.broken = Some("a measuring thread stopped".to_owned());
            }
        }
        for w in &self.workers {
            if !w.mailbox.receive().is_some_and(|d| expected(&d)) {
                self.broken = Some("a measuring thread stopped".to_owned());
            }
        }
    }

    /// Every worker asks the allocator to release the free memory it holds for that thread
    /// (jemalloc's thread cache, mimalloc's thread heap): a footprint pass at N threads must not
    /// start from what earlier runs left in the workers' caches.
    pub fn release_free_memory(&mut self, probe: &'static dyn AllocProbe) {
        self.on_every_worker(|| Job::Release(probe), |d| matches!(d, Done::Released));
    }

    /// Runs variant `slot` `iters` times on `threads` threads at once: `main` (the caller's
    /// subject, thread 0) and `threads − 1` workers, all released by one barrier. `fresh_ctx`
    /// gives every thread an empty context for the run (a footprint pass: the arena's growth
    /// counts). A panic on any thread fails the run, naming the thread; the others finish.
    /// Allocates nothing unless something fails (a counting pass runs through it).
    pub fn run(
        &mut self,
        main: &mut Subject,
        slot: usize,
        iters: u64,
        threads: usize,
        fresh_ctx: bool,
    ) -> Result<CrewRun<'_>, String> {
        let helpers = threads.saturating_sub(1);
        self.check_can_run(main, slot, threads)?;
        let start = &self.barriers[helpers];
        for (i, w) in self.workers[..helpers].iter().enumerate() {
            let job = Job::Run {
                slot,
                iters,
                fresh_ctx,
                start: Arc::clone(start),
            };
            if !w.mailbox.send(job) {
                // Gone since the look above: the workers already sent wait at a start line that
                // can never fill. The crew is done for; the peer says so from now on.
                let why = format!("measuring thread {} stopped", i + 1);
                self.broken = Some(why.clone());
                return Err(why);
            }
        }
        let arrived = Instant::now();
        start.wait();
        let own = main
            .run_timed(slot, iters, fresh_ctx)
            .map(|r| ThreadRun { arrived, ..r });
        self.runs.clear();
        let mut failure = own.as_ref().err().map(|e| format!("thread 0: {e}"));
        if let Ok(r) = own {
            self.runs.push(r);
        }
        for (i, w) in self.workers[..helpers].iter().enumerate() {
            match w.mailbox.receive() {
                Some(Done::Ran(Ok(r))) => self.runs.push(r),
                Some(Done::Ran(Err(e))) => {
                    failure.get_or_insert(format!("thread {}: {e}", i + 1));
                }
                _ => {
                    let why = format!("measuring thread {} stopped", i + 1);
                    self.broken = Some(why.clone());
                    failure.get_or_insert(why);
                }
            }
        }
        match failure {
            Some(e) => Err(e),
            None => Ok(CrewRun {
                threads: &self.runs,
            }),
        }
    }
}

impl Crew {
    /// Whether a run of `slot` on `threads` threads can start: enough workers, none stopped, and
    /// the variant verified on each (the error says which of these is not so).
    fn check_can_run(&mut self, main: &Subject, slot: usize, threads: usize) -> Result<(), String> {
        let helpers = threads.saturating_sub(1);
        if helpers > self.workers.len() {
            return Err(format!(
                "{threads} threads asked, the peer started {}",
                self.capacity()
            ));
        }
        if let Some(why) = &self.broken {
            return Err(why.clone());
        }
        if helpers > 0
            && let Some(Err(why)) = self.ready.get(slot)
        {
            return Err(format!(
                "variant `{}` failed verification {why}",
                main.names().nth(slot).unwrap_or("?")
            ));
        }
        // A worker that is gone could never reach the start line, and the ones sent a job before
        // it would wait there for ever (and the crew's drop with them): look before sending.
        if let Some(i) = self.workers[..helpers]
            .iter()
            .position(|w| w.mailbox.is_gone())
        {
            let why = format!("measuring thread {} stopped", i + 1);
            self.broken = Some(why.clone());
            return Err(why);
        }
        Ok(())
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        for w in &self.workers {
            w.mailbox.close();
        }
        for w in &mut self.workers {
            if let Some(h) = w.handle.take() {
                let _ = h.join();
            }
        }
    }
}

/// A worker's life: prepare and verify its own subject, pin, then serve jobs until the crew goes.
fn work(
    registry: &Registry,
    workload: &str,
    source: &InputSource,
    variants: &[String],
    cpu: Option<usize>,
    mailbox: Arc<Mailbox>,
) {
    let _leaving = Leaving(Arc::clone(&mailbox));
    let mut subject = match Subject::prepare(registry, workload, source, variants) {
        Ok(s) => s,
        Err(e) => {
            mailbox.answer(Done::Unprepared(e.into()));
            return;
        }
    };
    let readiness = subject.verify(&mut |_| {});
    if let Some(cpu) = cpu {
        crate::engine::pin::pin_to(cpu);
    }
    mailbox.answer(Done::Ready(readiness));
    while let Some(job) = mailbox.next_job() {
        let answer = match job {
            Job::Relocate { place, depth } => {
                subject.relocate(place, depth);
                Done::Relocated
            }
            Job::Release(probe) => {
                probe.release_free_memory();
                Done::Released
            }
            Job::Run {
                slot,
                iters,
                fresh_ctx,
                start,
            } => {
                // Wait first, whatever happens next: the other threads are waiting too.
                let arrived = Instant::now();
                start.wait();
                Done::Ran(
                    subject
                        .run_timed(slot, iters, fresh_ctx)
                        .map(|r| ThreadRun { arrived, ..r })
                        .map_err(String::from),
                )
            }
        };
        mailbox.answer(answer);
    }
}

/// The barrier a threaded run starts from: nobody leaves before all `n` have arrived, and then
/// everybody leaves at once.
///
/// Why not `std::sync::Barrier`: its waiters sleep in the kernel and the last to arrive wakes
/// them, so it leaves first and the others follow one wake-up later. Measured on the 2-core
/// development VM, that put the second thread's start 13–22 µs (10th–90th percentile) after the
/// first one's: 3–4% of a 0.5 ms sample, all of it added to the threaded cell's wall time and so
/// to its scaling. Waiters here spin on an atomic first (with a yield now and then, for when
/// there are more threads than CPUs), and sleep only if the others are late by more than
/// [`SPIN`] — a thread that is that late is not going to start "together" anyway.
pub(crate) struct StartLine {
    n: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
    sleepers: Mutex<()>,
    bell: Condvar,
}

/// How long an early thread spins before it sleeps.
const SPIN: std::time::Duration = std::time::Duration::from_millis(2);

impl StartLine {
    fn new(n: usize) -> Self {
        StartLine {
            n: n.max(1),
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            sleepers: Mutex::new(()),
            bell: Condvar::new(),
        }
    }

    /// Waits until all `n` threads have called it, then returns in all of them.
    pub(crate) fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.arrived.store(0, Ordering::Relaxed);
            // Bumped under the lock, so that a thread about to sleep cannot miss it.
            let guard = self.sleepers.lock().unwrap_or_else(|p| p.into_inner());
            self.generation.fetch_add(1, Ordering::Release);
            drop(guard);
            self.bell.notify_all();
            return;
        }
        let deadline = Instant::now() + SPIN;
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(256) {
                if Instant::now() >= deadline {
                    let mut guard = self.sleepers.lock().unwrap_or_else(|p| p.into_inner());
                    while self.generation.load(Ordering::Acquire) == generation {
                        guard = self.bell.wait(guard).unwrap_or_else(|p| p.into_inner());
                    }
                    return;
                }
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::VariantKind;
    use perflab_core::fixture::{self, Behaviour, NAIVE, Variant};
    use std::sync::Mutex;
    use std::thread::ThreadId;

    /// One call of the probe kernel: which thread, when it entered, which input it read.
    type Entry = (ThreadId, Instant, usize);

    static ENTRIES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

    /// A naive variant that records who calls it, when, on which copy of the input.
    fn probe(b: &[u8]) -> u64 {
        let entry = (
            std::thread::current().id(),
            Instant::now(),
            b.as_ptr() as usize,
        );
        ENTRIES.lock().unwrap().push(entry);
        fixture::sum(b)
    }

    fn probed() -> Registry {
        fixture::registry([Variant::new(
            "naive",
            VariantKind::Naive,
            Behaviour::Custom(probe),
        )])
    }

    /// Panics on the crew's second worker only, once `PANIC` is armed.
    fn fails_on_thread_2(b: &[u8]) -> u64 {
        if std::thread::current().name() == Some("perflab-thread-2") && PANIC.load() {
            panic!("deliberate, on thread 2 only");
        }
        fixture::sum(b)
    }

    /// A family with a variant that panics on the crew's second worker only.
    fn picky() -> Registry {
        fixture::registry([
            NAIVE,
            Variant::new("picky", VariantKind::Optimized, Behaviour::Right),
            // Verification runs on every thread before any sample and passes; only the samples
            // taken once `PANIC` is armed panic, and only on the second worker.
            Variant::new(
                "fails",
                VariantKind::Simd,
                Behaviour::Custom(fails_on_thread_2),
            ),
        ])
    }

    /// Armed after verification, so that only samples panic.
    struct Flag(std::sync::atomic::AtomicBool);
    impl Flag {
        fn load(&self) -> bool {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }
    static PANIC: Flag = Flag(std::sync::atomic::AtomicBool::new(false));

    fn prepared(registry: &Registry, variants: &[&str], threads: usize) -> (Subject, Crew) {
        let names: Vec<String> = variants.iter().map(|v| (*v).to_owned()).collect();
        let source = InputSource::Generated {
            size: 4096,
            seed: 3,
        };
        let mut main = Subject::prepare(registry, "sum", &source, &names).unwrap();
        assert!(main.verify(&mut |_| {}).iter().all(Readiness::is_ready));
        let crew = Crew::start(registry, "sum", &source, &names, threads - 1, &[]).unwrap();
        (main, crew)
    }

    #[test]
    fn no_thread_starts_before_all_are_ready_and_each_reads_its_own_input() {
        let (mut main, mut crew) = prepared(&probed(), &["naive"], 4);
        assert_eq!(crew.capacity(), 4);
        for _ in 0..20 {
            ENTRIES.lock().unwrap().clear();
            let run = crew.run(&mut main, 0, 3, 4, false).unwrap();
            let entries = std::mem::take(&mut *ENTRIES.lock().unwrap());
            assert_eq!(run.threads.len(), 4);
            assert_eq!(entries.len(), 12, "3 calls on each of 4 threads");
            // The last thread reached the barrier before any kernel call began.
            let last_arrival = run.threads.iter().map(|t| t.arrived).max().unwrap();
            let first_call = entries.iter().map(|e| e.1).min().unwrap();
            assert!(first_call >= last_arrival);
            // Four threads, four inputs: distinct allocations, not one shared buffer.
            let mut threads: Vec<ThreadId> = entries.iter().map(|e| e.0).collect();
            threads.sort_by_key(|t| format!("{t:?}"));
            threads.dedup();
            assert_eq!(threads.len(), 4);
            let mut inputs: Vec<usize> = entries.iter().map(|e| e.2).collect();
            inputs.sort_unstable();
            inputs.dedup();
            assert_eq!(inputs.len(), 4, "each thread its own copy of the input");
            assert!(run.wall_ns() > 0);
            assert!(run.threads.iter().all(|t| t.end >= t.start));
        }
        // Fewer threads than the crew has: only they run.
        ENTRIES.lock().unwrap().clear();
        crew.run(&mut main, 0, 1, 2, false).unwrap();
        assert_eq!(ENTRIES.lock().unwrap().len(), 2);
        assert!(
            crew.run(&mut main, 0, 1, 5, false).is_err(),
            "more than started"
        );
    }

    #[test]
    fn a_panic_on_one_thread_fails_that_run_only() {
        let (mut main, mut crew) = prepared(&picky(), &["naive", "picky", "fails"], 3);
        PANIC.0.store(true, std::sync::atomic::Ordering::SeqCst);
        let e = crew.run(&mut main, 2, 2, 3, false).unwrap_err();
        assert!(e.contains("thread 2") && e.contains("deliberate"), "{e}");
        // The same variant on fewer threads, and the other variants on all, still run.
        crew.run(&mut main, 2, 2, 2, false).unwrap();
        crew.run(&mut main, 2, 2, 1, false).unwrap();
        crew.run(&mut main, 1, 2, 3, false).unwrap();
        crew.run(&mut main, 0, 2, 3, false).unwrap();
        assert!(
            crew.run(&mut main, 2, 2, 3, false).is_err(),
            "and fails again"
        );
        crew.relocate(Placement::at(128), 3);
        crew.run(&mut main, 0, 2, 3, true).unwrap();
    }
}

/// How far apart the threads of a run start: measured, not asserted (it depends on the machine).
/// `cargo test -p perflab-harness --lib release_skew -- --ignored --nocapture` prints the
/// percentiles METHODOLOGY.md quotes.
#[cfg(test)]
mod skew {
    use super::*;
    use perflab_core::VariantKind;
    use perflab_core::fixture::{self, Behaviour, Variant};

    /// Spins for 100 µs before summing: long enough for every thread to be under way.
    fn spin(b: &[u8]) -> u64 {
        let t = Instant::now();
        while t.elapsed().as_micros() < 100 {
            std::hint::spin_loop();
        }
        fixture::sum(b)
    }

    #[test]
    #[ignore]
    fn release_skew() {
        let r = fixture::registry([Variant::new(
            "naive",
            VariantKind::Naive,
            Behaviour::Custom(spin),
        )]);
        let source = InputSource::Generated { size: 64, seed: 1 };
        let names = vec!["naive".to_owned()];
        let mut main = Subject::prepare(&r, "sum", &source, &names).unwrap();
        main.verify(&mut |_| {});
        let mut crew = Crew::start(&r, "sum", &source, &names, 1, &[0]).unwrap();
        crate::engine::pin::pin_to(1);
        let mut skews = Vec::new();
        for _ in 0..300 {
            let run = crew.run(&mut main, 0, 5, 2, false).unwrap();
            skews.push(run.start_skew_ns() as f64);
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        skews.sort_by(f64::total_cmp);
        assert_eq!(skews.len(), 300);
        eprintln!(
            "skew ns: p10 {} p50 {} p90 {} max {}",
            skews[30], skews[150], skews[270], skews[299]
        );
    }
}
