//! Paired A/B runs: two builds measured interleaved, sample by sample, on one machine.
//!
//! `perflab run --compare-with OTHER` starts, per allocator, a measuring child of this build
//! (head) and one of the other build (base), both in step-wise mode. For every group the parent
//! has both prepare and verify the input, then asks them for samples in turn — head, base, base,
//! head, … (the order alternates every round) — so a noisy neighbour slows both sides of a pair
//! alike. The change of a cell is the median of the paired ratios `head_i / base_i` with a
//! sign-test (order-statistic) 95% interval: the way tango-bench reaches a sensitivity that two
//! separate runs cannot. Both builds must be perflab builds that speak this protocol.

use crate::measure::{AllocProbe, Clock, Live, count_allocations, finish, take_sample, warm_up};
use crate::plan::{Group, Settings};
use crate::results::{Benchmark, CellStatus, Results};
use crate::runner::{ALLOCATOR_ENV, ChildCommand, Progress, RunError, failed_cells};
use crate::stats;
use perflab_core::{Ctx, InputSource, PreparedInput, Registry};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

/// Where the two children of a paired run may execute.
///
/// Measured on this shared 2-core host: unpinned, the scheduler tends to keep each child on "its"
/// CPU, and the two CPUs of a virtual machine are not equally fast (their siblings' tenants differ),
/// so whole groups of an A/A run came out 10–60% apart with tight intervals — a bias between the
/// two *processes* that no amount of sampling removes. Pinned to one CPU, the same groups agreed
/// within 2% (METHODOLOGY.md §7). Both children block while the other samples, so sharing one CPU
/// costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinning {
    /// The last CPU this process may run on (CPU 0 takes most interrupts on Linux).
    Auto,
    /// This CPU.
    Cpu(usize),
    /// Let the scheduler place the children.
    Off,
}

impl std::str::FromStr for Pinning {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "auto" => Ok(Pinning::Auto),
            "off" | "none" => Ok(Pinning::Off),
            n => n
                .parse()
                .map(Pinning::Cpu)
                .map_err(|_| format!("`{text}` is not a CPU number, `auto` or `off`")),
        }
    }
}

/// Restricts the calling thread — and so every child it starts afterwards, which inherits the
/// mask — to one CPU. Returns the CPU, or `None` when unpinned or the platform cannot pin (the run
/// then goes on unpinned: pinning sharpens a comparison, it is not needed for one).
pub fn pin_current_thread(pinning: Pinning) -> Result<Option<usize>, RunError> {
    let allowed = || core_affinity::get_core_ids().unwrap_or_default();
    let id = match pinning {
        Pinning::Off => return Ok(None),
        Pinning::Auto => match allowed().iter().map(|c| c.id).max() {
            Some(id) => id,
            None => return Ok(None),
        },
        Pinning::Cpu(id) => {
            if !allowed().iter().any(|c| c.id == id) {
                return Err(RunError::Pin(id));
            }
            id
        }
    };
    Ok(core_affinity::set_for_current(core_affinity::CoreId { id }).then_some(id))
}

/// The version of the step-wise protocol this build speaks. 1: prepare, sample, count (builds
/// before `hello` existed answer it with an error). 2: `hello`, `relocate`, and `prepare`'s clock.
pub const PROTOCOL: u32 = 2;

/// A command to a step-wise child.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "lowercase")]
pub enum Cmd {
    /// Which protocol do you speak?
    Hello,
    /// Build the group's input, verify every variant, warm up and calibrate.
    Prepare {
        /// The group.
        group: Box<Group>,
        /// Settings (warm-up, sample target).
        settings: Settings,
        /// Generator seed.
        seed: u64,
        /// The user's input file, if any.
        input: Option<PathBuf>,
        /// What samples are timed with (protocol 2; older builds ignore it and time wall).
        #[serde(default)]
        clock: Clock,
    },
    /// One timed sample of variant `variant` (index into the group's variants).
    Sample {
        /// Index into the group's variants.
        variant: usize,
        /// Iterations in the sample.
        iters: u64,
    },
    /// The untimed allocation-counting pass of a variant.
    Count {
        /// Index into the group's variants.
        variant: usize,
    },
    /// Move the prepared input to fresh memory (between rounds; see
    /// [`perflab_core::Workload::relocated`]).
    Relocate,
}

/// A step-wise child's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "lowercase")]
pub enum Reply {
    /// After `hello`.
    Hello {
        /// [`PROTOCOL`] of the child.
        protocol: u32,
    },
    /// After `prepare`.
    Prepared {
        /// Bytes per iteration.
        size_bytes: u64,
        /// Per variant of the group: `Ok(calibrated iterations)` or the cell's status and error.
        variants: Vec<Result<u64, (CellStatus, String)>>,
    },
    /// After `sample`: ns per iteration.
    Sample {
        /// ns per iteration.
        ns: f64,
    },
    /// After `count`: totals of the counting pass.
    Counted {
        /// Allocations, reallocations, bytes allocated, peak bytes, iterations.
        counts: [u64; 5],
    },
    /// After `relocate`: whether the input moved.
    Relocated {
        /// False when the workload cannot relocate its input.
        moved: bool,
    },
    /// Something went wrong with the command.
    Error {
        /// What.
        message: String,
    },
}

struct Prepared {
    input: Box<dyn PreparedInput>,
    live: Vec<Option<Live>>,
}

/// The child's side: answers commands read line by line until stdin closes.
pub fn serve_stepwise(
    registry: &Registry,
    probe: Option<&dyn AllocProbe>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut ctx = Ctx::new();
    let mut state: Option<Prepared> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let reply = match serde_json::from_str::<Cmd>(&line) {
            Err(e) => Reply::Error {
                message: format!("malformed command: {e}"),
            },
            Ok(Cmd::Hello) => Reply::Hello { protocol: PROTOCOL },
            Ok(Cmd::Prepare {
                group,
                settings,
                seed,
                input,
                clock,
            }) => {
                if let Some(p) = probe {
                    p.set_counting(false);
                }
                match prepare(
                    registry,
                    &group,
                    (&settings, clock),
                    seed,
                    input.as_deref(),
                    &mut ctx,
                ) {
                    Ok((p, reply)) => {
                        state = Some(p);
                        reply
                    }
                    Err(message) => Reply::Error { message },
                }
            }
            Ok(Cmd::Sample { variant, iters }) => match state.as_mut().and_then(|s| {
                let l = s.live.get_mut(variant)?.as_mut()?;
                Some((s.input.as_ref(), l))
            }) {
                None => Reply::Error {
                    message: format!("variant {variant} is not prepared"),
                },
                Some((input, l)) => {
                    l.iters = iters;
                    match take_sample(input, l, &mut ctx) {
                        Ok(()) => Reply::Sample {
                            ns: l.samples.pop().unwrap_or(f64::NAN),
                        },
                        Err(message) => Reply::Error { message },
                    }
                }
            },
            Ok(Cmd::Relocate) => match state.as_mut() {
                Some(s) => {
                    ctx.relocate_arena();
                    Reply::Relocated {
                        moved: s.input.relocate(),
                    }
                }
                None => Reply::Error {
                    message: "nothing is prepared".to_owned(),
                },
            },
            Ok(Cmd::Count { variant }) => match (
                probe,
                state.as_mut().and_then(|s| {
                    let l = s.live.get_mut(variant)?.as_mut()?;
                    Some((s.input.as_ref(), l))
                }),
            ) {
                (Some(p), Some((input, l))) => match count_allocations(input, l, &mut ctx, p) {
                    Ok(()) => {
                        p.set_counting(false);
                        Reply::Counted {
                            counts: [l.allocs, l.reallocs, l.bytes, l.peak, l.total_iters],
                        }
                    }
                    Err(message) => Reply::Error { message },
                },
                _ => Reply::Error {
                    message: "nothing to count".to_owned(),
                },
            },
        };
        let mut text = serde_json::to_vec(&reply).map_err(std::io::Error::other)?;
        text.push(b'\n');
        out.write_all(&text)?;
        out.flush()?;
    }
}

fn prepare(
    registry: &Registry,
    group: &Group,
    (settings, clock): (&Settings, Clock),
    seed: u64,
    file: Option<&Path>,
    ctx: &mut Ctx,
) -> Result<(Prepared, Reply), String> {
    let w = registry
        .get(&group.workload)
        .ok_or_else(|| format!("no workload `{}` in this build", group.workload))?;
    let source = match (file, group.size_bytes) {
        (Some(f), _) => InputSource::from_file(f).map_err(|e| e.to_string())?,
        (None, size) => InputSource::Generated {
            size: size.unwrap_or(0),
            seed,
        },
    };
    let input = w.prepare(&source).map_err(|e| e.to_string())?;
    let infos = w.variants();
    let mut live = Vec::new();
    let mut variants = Vec::new();
    for (slot, name) in group.variants.iter().enumerate() {
        let Some(index) = infos.iter().position(|v| v.name == name) else {
            live.push(None);
            variants.push(Err((
                CellStatus::Failed,
                format!("no variant `{name}` in this build"),
            )));
            continue;
        };
        if !infos[index].supported {
            live.push(None);
            variants.push(Err((CellStatus::Unsupported, String::new())));
            continue;
        }
        let verdict = match catch_unwind(AssertUnwindSafe(|| input.check(index, ctx))) {
            Ok((_, true)) => Ok(()),
            Ok((out, false)) => Err(format!("output differs from naive: got {out}")),
            Err(p) => Err(format!(
                "panicked: {}",
                perflab_core::panic_message(p.as_ref())
            )),
        };
        let calibrated = verdict.and_then(|()| warm_up(input.as_ref(), index, settings, ctx));
        match calibrated {
            Ok(iters) => {
                let mut l = Live::new(slot, index);
                l.iters = iters;
                l.clock = clock;
                live.push(Some(l));
                variants.push(Ok(iters));
            }
            Err(e) => {
                *ctx = Ctx::new();
                live.push(None);
                variants.push(Err((CellStatus::Failed, e)));
            }
        }
    }
    let size_bytes = input.bytes();
    Ok((
        Prepared { input, live },
        Reply::Prepared {
            size_bytes,
            variants,
        },
    ))
}

/// A running step-wise child.
struct Peer {
    name: &'static str,
    protocol: u32,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn start(cmd: &ChildCommand, allocator: &str, name: &'static str) -> Result<Peer, RunError> {
        let mut child = Command::new(&cmd.exe)
            .args(&cmd.args)
            .env(ALLOCATOR_ENV, allocator)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| RunError::Spawn {
                exe: cmd.exe.clone(),
                source,
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(RunError::Spawn {
                exe: cmd.exe.clone(),
                source: std::io::Error::other("no pipes"),
            });
        };
        let mut peer = Peer {
            name,
            protocol: 1,
            child,
            stdin,
            stdout: BufReader::new(stdout),
        };
        // A build that predates `hello` answers it with an error: it speaks protocol 1.
        if let Ok(Reply::Hello { protocol }) = peer.ask(&Cmd::Hello) {
            peer.protocol = protocol;
        }
        Ok(peer)
    }

    fn ask(&mut self, cmd: &Cmd) -> Result<Reply, String> {
        let mut text = serde_json::to_vec(cmd).map_err(|e| e.to_string())?;
        text.push(b'\n');
        self.stdin
            .write_all(&text)
            .and_then(|()| self.stdin.flush())
            .map_err(|e| format!("the {} process stopped listening: {e}", self.name))?;
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) | Err(_) => {
                let status = self.child.try_wait().ok().flatten();
                Err(format!(
                    "the {} process ended{}",
                    self.name,
                    status.map_or(String::new(), |s| format!(" ({s})"))
                ))
            }
            Ok(_) => match serde_json::from_str::<Reply>(&line) {
                Ok(Reply::Error { message }) => Err(format!("{}: {message}", self.name)),
                Ok(r) => Ok(r),
                Err(e) => Err(format!(
                    "the {} build does not speak perflab's paired protocol ({e})",
                    self.name
                )),
            },
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a paired run measures, besides which groups.
#[derive(Clone, Debug)]
pub struct PairedConfig {
    /// How to start this build's step-wise child (head).
    pub head: ChildCommand,
    /// How to start the other build's step-wise child (base).
    pub base: ChildCommand,
    /// Warm-up, sample target, sample counts.
    pub settings: Settings,
    /// Generator seed.
    pub seed: u64,
    /// The user's input file, if any.
    pub input: Option<PathBuf>,
    /// The clock asked for; a base build too old to know clocks is timed by wall on both sides.
    pub clock: Clock,
    /// Re-measure a group whose cells show a change beyond this fraction (0.05 = 5%) with a
    /// fresh pair of processes, up to [`CONFIRMING_PAIRS`] times; a cell then shows a change only
    /// if every attempt does (see [`join_attempts`]). `None`: never.
    ///
    /// Why: in whole-matrix A/A runs on a shared host, about one process pair in three carried
    /// a bias of its own (up to ±50% on a few cache-sensitive cells, with tight intervals) that
    /// neither pinning nor relocation removed. It rarely follows a cell into a new pair of
    /// processes; a real change always does. See METHODOLOGY.md §7.
    pub confirm: Option<f64>,
}

/// How many fresh process pairs re-measure a group that still shows a change (each only while
/// the attempts so far all agree), the first of them in the mirrored order.
///
/// Why two: with one, 20 whole-matrix A/A runs (two at a time on the 2-core VM) still reported
/// a change in 1 (`wordfreq/simd/system/64KiB`, +41% in both pairs), and in 5 of 20 with an
/// input placement tried since; with two, that placement's 5 came down to 1. A real change
/// repeats in every pair (a 5% slowdown cleared the 2% threshold in ~97% of single ci-preset
/// attempts), so a third pair costs it little sensitivity and one group's time per regressed
/// group. METHODOLOGY.md §7 has the
/// A/A and A/B figures with both settings.
pub const CONFIRMING_PAIRS: usize = 2;

/// Whether any cell's paired interval lies wholly beyond `threshold` either way (the rule of
/// [`crate::compare`]).
fn beyond(cells: &[Benchmark], threshold: f64) -> bool {
    cells
        .iter()
        .filter_map(|c| c.vs_base)
        .any(|e| e.ci95[0] > 1.0 + threshold || e.ci95[1] < 1.0 / (1.0 + threshold))
}

/// Joins two attempts at a group, cell by cell: keeps the samples and median of the attempt
/// whose paired ratio is closer to 1 (in log terms), widens its interval to span both
/// attempts' intervals, and records the other attempt's estimate in `vs_base_other`. Joined
/// again with a third attempt, the interval spans all three and `vs_base_other` holds the
/// estimate set aside last.
///
/// The spanning interval lies beyond a threshold only when every attempt's interval does, in the
/// same direction: a change must repeat in fresh pairs of processes to be reported. (In
/// loaded A/A runs, some first and second attempts flagged the same cell in opposite
/// directions, e.g. −3.7% and +4.4%: keeping either alone would have reported noise.)
fn join_attempts(
    first: (Vec<Benchmark>, Vec<Benchmark>),
    second: (Vec<Benchmark>, Vec<Benchmark>),
) -> (Vec<Benchmark>, Vec<Benchmark>) {
    let distance = |c: &Benchmark| c.vs_base.map_or(f64::INFINITY, |e| e.median.ln().abs());
    let (mut h1, mut b1) = first;
    let (h2, b2) = second;
    for (i, (h, b)) in h2.into_iter().zip(b2).enumerate() {
        let Some(kept) = h1.get(i) else { break };
        if kept.vs_base.is_none() && h.vs_base.is_none() {
            continue;
        }
        let other = if distance(&h) < distance(kept) {
            let other = kept.vs_base;
            h1[i] = h;
            b1[i] = b;
            other
        } else {
            h.vs_base
        };
        if let (Some(kept), Some(o)) = (h1[i].vs_base.as_mut(), other) {
            kept.ci95 = [kept.ci95[0].min(o.ci95[0]), kept.ci95[1].max(o.ci95[1])];
        }
        h1[i].vs_base_other = other;
    }
    (h1, b1)
}

/// Runs `groups` paired: head (this build) against base (`base` build). Saves `head` to
/// `head_out` and `base` to `base_out` after every group; their `config.clock` says which
/// clock was used.
pub fn run_paired(
    cfg: &PairedConfig,
    groups: &[Group],
    (head, head_out): (&mut Results, &Path),
    (base, base_out): (&mut Results, &Path),
    progress: &mut dyn Progress,
) -> Result<(), RunError> {
    let (settings, seed) = (&cfg.settings, cfg.seed);
    let input = cfg.input.as_deref();
    head.config.clock = Some(cfg.clock);
    base.config.clock = Some(cfg.clock);
    head.write_atomic(head_out)?;
    base.write_atomic(base_out)?;
    let mut peers: Option<(String, Peer, Peer)> = None;
    for g in groups {
        progress.group_started(g);
        if peers.as_ref().is_none_or(|(a, _, _)| *a != g.allocator) {
            // Stop the previous allocator's children before starting the next pair.
            drop(peers.take());
            let (h, b) = start_pair(cfg, &g.allocator, false)?;
            peers = Some((g.allocator.clone(), h, b));
        }
        let (_, h, b) = peers.as_mut().expect("peers were just started");
        if h.protocol.min(b.protocol) < 2 && head.config.clock != Some(Clock::Wall) {
            head.config.clock = Some(Clock::Wall);
            base.config.clock = Some(Clock::Wall);
        }
        let clock = head.config.clock.unwrap_or_default();
        let (mut hc, mut bc) = match pair_group(h, b, g, (settings, clock, false), seed, input) {
            Ok(cells) => cells,
            Err(msg) => {
                peers = None;
                (failed_cells(g, &msg), failed_cells(g, &msg))
            }
        };
        for attempt in 0..CONFIRMING_PAIRS {
            if !cfg.confirm.is_some_and(|t| beyond(&hc, t)) {
                break;
            }
            // A fresh pair of processes for another opinion (see `PairedConfig::confirm`),
            // the first one started, prepared and sampled in the mirrored order: a bias that
            // comes with going first then changes sign instead of repeating.
            drop(peers.take());
            let mirror = attempt % 2 == 0;
            let (mut h, mut b) = start_pair(cfg, &g.allocator, mirror)?;
            if let Ok(next) = pair_group(&mut h, &mut b, g, (settings, clock, mirror), seed, input)
            {
                (hc, bc) = join_attempts((hc, bc), next);
            }
            peers = Some((g.allocator.clone(), h, b));
        }
        for c in &hc {
            head.upsert(c.clone());
        }
        for c in bc {
            base.upsert(c);
        }
        head.write_atomic(head_out)?;
        base.write_atomic(base_out)?;
        progress.group_finished(g, &hc);
    }
    Ok(())
}

type Prep = (u64, Vec<Result<u64, (CellStatus, String)>>);

fn prepared(r: Reply) -> Result<Prep, String> {
    match r {
        Reply::Prepared {
            size_bytes,
            variants,
        } => Ok((size_bytes, variants)),
        other => Err(format!("unexpected reply {other:?}")),
    }
}

fn sample(p: &mut Peer, variant: usize, iters: u64) -> Result<f64, String> {
    match p.ask(&Cmd::Sample { variant, iters })? {
        Reply::Sample { ns } => Ok(ns),
        other => Err(format!("unexpected reply {other:?}")),
    }
}

/// Starts head's and base's children for `allocator`, base's first when `base_first` (a mirrored
/// attempt). Returns `(head, base)`.
fn start_pair(
    cfg: &PairedConfig,
    allocator: &str,
    base_first: bool,
) -> Result<(Peer, Peer), RunError> {
    let start_head = || Peer::start(&cfg.head, allocator, "head");
    let start_base = || Peer::start(&cfg.base, allocator, "base");
    if base_first {
        let b = start_base()?;
        Ok((start_head()?, b))
    } else {
        let h = start_head()?;
        Ok((h, start_base()?))
    }
}

/// Asks a peer to relocate its input; false when it cannot (or does not know how).
fn relocate(p: &mut Peer) -> bool {
    matches!(p.ask(&Cmd::Relocate), Ok(Reply::Relocated { moved: true }))
}

/// Whether head takes the first sample of each variant in `round` (it alternates every round;
/// a mirrored attempt starts with base).
fn head_first(round: usize, mirror: bool) -> bool {
    round.is_multiple_of(2) != mirror
}

/// Which of `n` live variants is sampled `k`-th in `round`.
///
/// The order rotates every *two* rounds, so each order is measured once with head first and
/// once with base first. Rotating every round tied a variant's place in the round to who went
/// first whenever a group had an even number of variants (every group of the catalogue has):
/// frames' `optimized`, second of four, came first after relocation only in rounds base began,
/// and 40 A/A pairs of frames/jemalloc/16MiB put its median ratio at +1.6% (−0.1% after).
fn slot(k: usize, round: usize, n: usize) -> usize {
    (k + round / 2) % n
}

fn pair_group(
    h: &mut Peer,
    b: &mut Peer,
    g: &Group,
    (s, clock, mirror): (&Settings, Clock, bool),
    seed: u64,
    input: Option<&Path>,
) -> Result<(Vec<Benchmark>, Vec<Benchmark>), String> {
    let cmd = Cmd::Prepare {
        group: Box::new(g.clone()),
        settings: *s,
        seed,
        input: input.map(Path::to_path_buf),
        clock,
    };
    let ((hbytes, hv), (bbytes, bv)) = if mirror {
        let base = prepared(b.ask(&cmd)?)?;
        (prepared(h.ask(&cmd)?)?, base)
    } else {
        let head = prepared(h.ask(&cmd)?)?;
        (head, prepared(b.ask(&cmd)?)?)
    };
    let cell = |i: usize, bytes: u64| {
        let kind = g
            .kinds
            .get(i)
            .copied()
            .unwrap_or(perflab_core::VariantKind::Naive);
        Benchmark::empty(
            &g.workload,
            &g.variants[i],
            kind,
            &g.allocator,
            &g.size,
            bytes,
        )
    };
    let mut hcells: Vec<Benchmark> = (0..g.variants.len()).map(|i| cell(i, hbytes)).collect();
    let mut bcells: Vec<Benchmark> = (0..g.variants.len()).map(|i| cell(i, bbytes)).collect();
    // Variants measured on both sides, with a common sample size.
    let mut live: Vec<(usize, u64, Vec<f64>, Vec<f64>)> = Vec::new();
    for i in 0..g.variants.len() {
        match (&hv[i], &bv[i]) {
            (Ok(a), Ok(c)) => live.push((i, (*a).max(*c), Vec::new(), Vec::new())),
            (x, y) => {
                for (side, cells) in [(x, &mut hcells), (y, &mut bcells)] {
                    match side {
                        Err((status, err)) => {
                            cells[i].status = *status;
                            cells[i].error = (!err.is_empty()).then(|| err.clone());
                        }
                        Ok(_) => {
                            cells[i].error =
                                Some("not measured: the other build could not run it".to_owned())
                        }
                    }
                }
            }
        }
    }
    let start = Instant::now();
    let mut round = 0;
    let mut relocating = h.protocol.min(b.protocol) >= 2;
    while !live.is_empty() && round < s.max_samples {
        // Stop only after an even number of rounds, so that head and base went first equally
        // often: with the 7 rounds a 16MiB group gets, head went first 4 times to base's 3,
        // and the median of the pairs took on the cost of going first (+2–4% in every A/A run
        // on the page-fault-heavy frames cells).
        if round >= s.min_samples && round % 2 == 0 && start.elapsed() >= s.group_budget {
            break;
        }
        if round > 0 && relocating {
            // In the order of the round's first samples, so neither side's fresh copy is
            // systematically the one still in cache. An older base build does not know the
            // command: then neither side relocates again.
            let (first, second) = if head_first(round, mirror) {
                (&mut *b, &mut *h)
            } else {
                (&mut *h, &mut *b)
            };
            relocating = relocate(first) && relocate(second);
        }
        let n = live.len();
        for k in 0..n {
            let (i, iters, hs, bs) = &mut live[slot(k, round, n)];
            if head_first(round, mirror) {
                hs.push(sample(h, *i, *iters)?);
                bs.push(sample(b, *i, *iters)?);
            } else {
                bs.push(sample(b, *i, *iters)?);
                hs.push(sample(h, *i, *iters)?);
            }
        }
        round += 1;
    }
    let naive = |which: usize| {
        live.iter()
            .find(|l| l.0 == 0)
            .map(|l| if which == 0 { l.2.clone() } else { l.3.clone() })
    };
    let (hn, bn) = (naive(0), naive(1));
    for (i, iters, hs, bs) in &live {
        for (peer, cells, samples, nv, bytes) in [
            (&mut *h, &mut hcells, hs, &hn, hbytes),
            (&mut *b, &mut bcells, bs, &bn, bbytes),
        ] {
            let mut l = Live::new(*i, 0);
            l.iters = *iters;
            l.samples = samples.clone();
            let counted = match peer.ask(&Cmd::Count { variant: *i }) {
                Ok(Reply::Counted { counts }) => {
                    [l.allocs, l.reallocs, l.bytes, l.peak, l.total_iters] = counts;
                    true
                }
                _ => false,
            };
            finish(&mut cells[*i], &l, bytes, nv.as_deref(), counted);
        }
        hcells[*i].vs_base = stats::paired_ratio(hs, bs);
    }
    Ok((hcells, bcells))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Preset;
    use perflab_core::{ByteInput, Family, InputError, Kernel, VariantKind, Workload};

    /// Sums bytes; its input relocates like the catalogue's byte inputs do.
    struct Sum;

    impl Workload for Sum {
        const NAME: &'static str = "sum";
        const SUMMARY: &'static str = "sums bytes";
        type Input = ByteInput;
        type Output = u64;
        fn generate(size: usize, seed: u64) -> ByteInput {
            let mut data = vec![0; size];
            perflab_core::Rng::new(seed).fill_bytes(&mut data);
            ByteInput::with_misalignment(&data, 3)
        }
        fn from_file(data: &[u8]) -> Result<ByteInput, InputError> {
            Ok(ByteInput::new(data))
        }
        fn input_bytes(input: &ByteInput) -> usize {
            input.len()
        }
        fn relocated(input: &ByteInput) -> Option<ByteInput> {
            Some(input.relocated())
        }
    }

    struct Naive;

    impl Kernel<Sum> for Naive {
        fn name(&self) -> &'static str {
            "naive"
        }
        fn kind(&self) -> VariantKind {
            VariantKind::Naive
        }
        fn run(&self, input: &ByteInput, _: &Ctx) -> u64 {
            input.as_slice().iter().map(|&b| u64::from(b)).sum()
        }
    }

    fn replies(commands: &[&str]) -> Vec<serde_json::Value> {
        let mut registry = Registry::new();
        registry.add(Family::<Sum>::new(Naive));
        let mut script = commands.join("\n");
        script.push('\n');
        let mut out = Vec::new();
        serve_stepwise(&registry, None, &mut script.as_bytes(), &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn prepare_command() -> String {
        let group = Group {
            workload: "sum".into(),
            allocator: "system".into(),
            size: "4KiB".into(),
            size_bytes: Some(4096),
            variants: vec!["naive".into(), "missing".into()],
            kinds: vec![VariantKind::Naive, VariantKind::Optimized],
        };
        serde_json::to_string(&Cmd::Prepare {
            group: Box::new(group),
            settings: Preset::Quick.settings(),
            seed: 7,
            input: None,
            clock: Clock::Cpu,
        })
        .unwrap()
    }

    #[test]
    fn every_place_in_a_round_is_taken_as_often_by_head_first_as_by_base_first() {
        for n in 1..=8 {
            for mirror in [false, true] {
                // counts[variant][place] = (head first, base first)
                let mut counts = vec![vec![(0, 0); n]; n];
                for round in 0..2 * n {
                    for k in 0..n {
                        let c = &mut counts[slot(k, round, n)][k];
                        if head_first(round, mirror) {
                            c.0 += 1;
                        } else {
                            c.1 += 1;
                        }
                    }
                }
                for (v, places) in counts.iter().enumerate() {
                    for (k, &(hf, bf)) in places.iter().enumerate() {
                        assert_eq!((hf, bf), (1, 1), "n={n} variant {v} place {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_child_prepares_samples_and_relocates_between_rounds() {
        let prepare = prepare_command();
        let r = replies(&[
            r#"{"cmd":"hello"}"#,
            r#"{"cmd":"relocate"}"#,
            &prepare,
            r#"{"cmd":"sample","variant":0,"iters":3}"#,
            r#"{"cmd":"relocate"}"#,
            r#"{"cmd":"sample","variant":0,"iters":3}"#,
            r#"{"cmd":"sample","variant":1,"iters":3}"#,
            "not json",
        ]);
        assert_eq!(
            r[0],
            serde_json::json!({"reply": "hello", "protocol": PROTOCOL})
        );
        let r = &r[1..];
        assert_eq!(r.len(), 7);
        assert_eq!(r[0]["reply"], "error", "nothing prepared yet: {}", r[0]);
        assert_eq!(r[1]["reply"], "prepared");
        assert_eq!(r[1]["size_bytes"], 4096);
        assert!(r[1]["variants"][0]["Ok"].as_u64().unwrap() >= 1, "{}", r[1]);
        assert!(
            r[1]["variants"][1]["Err"][1]
                .as_str()
                .unwrap()
                .contains("missing")
        );
        assert!(r[2]["ns"].as_f64().unwrap() > 0.0);
        assert_eq!(
            r[3],
            serde_json::json!({"reply": "relocated", "moved": true})
        );
        assert!(r[4]["ns"].as_f64().unwrap() > 0.0);
        assert_eq!(r[5]["reply"], "error");
        assert!(r[6]["message"].as_str().unwrap().contains("malformed"));
    }

    fn with_ratio(median: f64, lo: f64, hi: f64) -> Benchmark {
        let mut b = Benchmark::empty("w", "v", VariantKind::Optimized, "system", "4KiB", 1);
        b.vs_base = Some(stats::Estimate {
            median,
            ci95: [lo, hi],
        });
        b
    }

    #[test]
    fn a_change_counts_only_when_both_attempts_show_it() {
        let first = vec![with_ratio(1.08, 1.06, 1.10), with_ratio(1.0, 0.99, 1.01)];
        assert!(beyond(&first, 0.05));
        assert!(!beyond(&first[1..], 0.05));
        assert!(
            beyond(&[with_ratio(0.9, 0.88, 0.93)], 0.05),
            "improvements count too"
        );
        let second = vec![with_ratio(1.01, 0.99, 1.03), with_ratio(1.02, 1.0, 1.04)];
        let (h, b) = join_attempts(
            (first.clone(), first.clone()),
            (second.clone(), second.clone()),
        );
        assert_eq!(
            h[0].vs_base.unwrap().median,
            1.01,
            "the biased attempt is set aside"
        );
        assert_eq!(
            h[0].vs_base.unwrap().ci95,
            [0.99, 1.10],
            "spanning both attempts"
        );
        assert_eq!(h[0].vs_base_other.unwrap().median, 1.08);
        assert!(!beyond(&h, 0.05));
        assert_eq!(
            b[0].vs_base.unwrap().median,
            1.01,
            "base cells follow their head cells"
        );
        assert_eq!(h[1].vs_base.unwrap().median, 1.0);
        assert_eq!(h[1].vs_base_other.unwrap().median, 1.02);
        // A real change repeats: both attempts beyond, and the kept one still is.
        let (h, _) = join_attempts(
            (
                vec![with_ratio(1.3, 1.28, 1.33)],
                vec![with_ratio(1.0, 1.0, 1.0)],
            ),
            (
                vec![with_ratio(1.29, 1.27, 1.31)],
                vec![with_ratio(1.0, 1.0, 1.0)],
            ),
        );
        assert!(beyond(&h, 0.05));
        assert_eq!(h[0].vs_base.unwrap().ci95, [1.27, 1.33]);
        // A third pair that does not repeat it clears the cell; one that does keeps it.
        let base = || vec![with_ratio(1.0, 1.0, 1.0)];
        let (cleared, _) = join_attempts(
            (h.clone(), base()),
            (vec![with_ratio(1.02, 1.0, 1.04)], base()),
        );
        assert!(!beyond(&cleared, 0.05));
        assert_eq!(cleared[0].vs_base.unwrap().ci95, [1.0, 1.33]);
        assert_eq!(cleared[0].vs_base_other.unwrap().median, 1.29);
        let (kept, _) = join_attempts((h, base()), (vec![with_ratio(1.31, 1.3, 1.32)], base()));
        assert!(beyond(&kept, 0.05));
        // Both flagged, in opposite directions: noise, not a change.
        let (h, _) = join_attempts(
            (
                vec![with_ratio(0.963, 0.928, 0.977)],
                vec![with_ratio(1.0, 1.0, 1.0)],
            ),
            (
                vec![with_ratio(1.044, 1.020, 1.059)],
                vec![with_ratio(1.0, 1.0, 1.0)],
            ),
        );
        assert_eq!(h[0].vs_base.unwrap().median, 0.963);
        assert!(!beyond(&h, 0.02));
    }

    #[test]
    fn pinning_parses_and_refuses_a_cpu_it_may_not_use() {
        assert_eq!("auto".parse(), Ok(Pinning::Auto));
        assert_eq!("off".parse(), Ok(Pinning::Off));
        assert_eq!("3".parse(), Ok(Pinning::Cpu(3)));
        assert!("three".parse::<Pinning>().is_err());
        assert!(matches!(
            pin_current_thread(Pinning::Cpu(usize::MAX)),
            Err(RunError::Pin(_))
        ));
        assert_eq!(pin_current_thread(Pinning::Off).unwrap(), None);
    }
}
