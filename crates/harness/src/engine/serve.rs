//! The peer's side of the protocol: a loop that answers commands until its input closes.

use super::protocol::{Cmd, InputSpec, PROTOCOL, PrepareCmd, Reply};
use crate::clock::{Clock, process_system_ns};
use crate::crew::Crew;
use crate::footprint::{FootprintTally, ResidentSet, reset_peak};
use crate::probe::{AllocProbe, Tally};
use crate::subject::{Readiness, Subject};
use perflab_core::{InputSource, Placement, Registry};
use std::io::{BufRead, Write};

/// A peer's answer to `count` when its binary owns no allocation counter (an in-process test
/// peer): the one refusal of an untimed pass that is not the cell's fault.
pub const NO_COUNTER: &str = "this process has no allocation counter";

/// What a peer holds between commands: its prepared subject (thread 0), the clock its samples
/// are timed with, and the worker threads of threaded samples.
struct Prepared {
    subject: Subject,
    clock: Clock,
    crew: Option<Crew>,
}

/// Serves commands read line by line from `input` until it closes, answering on `out`.
///
/// `probe` gives allocation counts (the binary that owns the global allocator provides it). A
/// malformed line is answered with an error, not a crash.
pub fn serve(
    registry: &Registry,
    probe: Option<&'static dyn AllocProbe>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if let Some(p) = probe {
        // Timed samples run with counting off; the counting pass turns it on for itself.
        p.set_counting(false);
    }
    let mut prepared: Option<Prepared> = None;
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
            Ok(Cmd::Prepare(cmd)) => {
                prepared = None;
                match prepare(registry, &cmd, out) {
                    Ok((p, reply)) => {
                        prepared = Some(p);
                        reply
                    }
                    Err(message) => Reply::Error { message },
                }
            }
            Ok(cmd) => match prepared.as_mut() {
                None => Reply::Error {
                    message: "nothing is prepared".to_owned(),
                },
                Some(p) => answer(p, cmd, probe),
            },
        };
        send(out, &reply)?;
    }
}

fn send(out: &mut dyn Write, reply: &Reply) -> std::io::Result<()> {
    let mut text = serde_json::to_vec(reply).map_err(std::io::Error::other)?;
    text.push(b'\n');
    out.write_all(&text)?;
    out.flush()
}

fn prepare(
    registry: &Registry,
    cmd: &PrepareCmd,
    out: &mut dyn Write,
) -> Result<(Prepared, Reply), String> {
    let source = match &cmd.input {
        InputSpec::Generated { size, seed } => InputSource::Generated {
            size: *size,
            seed: *seed,
        },
        InputSpec::File { path } => InputSource::from_file(path).map_err(|e| e.to_string())?,
    };
    let mut subject = Subject::prepare(registry, &cmd.workload, &source, &cmd.variants)?;
    let clock = subject.clock(cmd.clock);
    if !cmd.verify {
        let variants = subject.defer_verification();
        let reply = Reply::Prepared {
            size_bytes: subject.bytes(),
            variants,
            pinned: cmd.pin.and_then(super::pin::pin_to),
            clock: Some(clock),
        };
        let prepared = Prepared {
            subject,
            clock,
            crew: None,
        };
        return Ok((prepared, reply));
    }
    let mut io_error = None;
    let mut readiness = subject.verify(&mut |variant| {
        let news = Reply::Checking {
            variant: variant.to_owned(),
        };
        if let Err(e) = send(out, &news) {
            io_error.get_or_insert(e);
        }
    });
    if let Some(e) = io_error {
        return Err(format!("cannot report progress: {e}"));
    }
    // The workers verify on their own copies before this thread pins itself, so that threads a
    // kernel starts on its first call inherit every CPU, not the one this thread is pinned to.
    let crew = if cmd.threads > 1 {
        Some(Crew::start(
            registry,
            &cmd.workload,
            &source,
            &cmd.variants,
            cmd.threads - 1,
            &cmd.thread_cpus,
        )?)
    } else {
        None
    };
    warm_up(&mut subject, &mut readiness, cmd, clock, out)?;
    let pinned = cmd.pin.and_then(super::pin::pin_to);
    let reply = Reply::Prepared {
        size_bytes: subject.bytes(),
        variants: readiness,
        pinned,
        clock: Some(clock),
    };
    let prepared = Prepared {
        subject,
        clock,
        crew,
    };
    Ok((prepared, reply))
}

/// Warms every ready variant up and calibrates it, saying which before each: a peer that dies or
/// hangs in a warm-up is traced to the variant, and the engine's time limit runs from there.
fn warm_up(
    subject: &mut Subject,
    readiness: &mut [Readiness],
    cmd: &PrepareCmd,
    clock: Clock,
    out: &mut dyn Write,
) -> Result<(), String> {
    let (warmup, target) = (cmd.settings.warmup, cmd.settings.sample_target);
    for (slot, r) in readiness.iter_mut().enumerate() {
        if r.is_ready() {
            let news = Reply::Checking {
                variant: cmd.variants[slot].clone(),
            };
            send(out, &news).map_err(|e| format!("cannot report progress: {e}"))?;
            *r = match subject.warm_up(slot, warmup, target, clock) {
                Ok(iters) => Readiness::Ready { iters },
                Err(_) => subject
                    .readiness(slot)
                    .cloned()
                    .unwrap_or(Readiness::Ready { iters: 1 }),
            };
        }
    }
    Ok(())
}

fn answer(p: &mut Prepared, cmd: Cmd, probe: Option<&'static dyn AllocProbe>) -> Reply {
    let result = match cmd {
        Cmd::Relocate {
            page_offset,
            stack_depth,
        } => {
            let place = Placement::at(page_offset);
            let moved = p.subject.relocate(place, stack_depth);
            if let Some(crew) = p.crew.as_mut() {
                crew.relocate(place, stack_depth);
            }
            Ok(Reply::Relocated { moved })
        }
        Cmd::Sample {
            slot,
            iters,
            threads,
        } => sample(p, slot, iters, threads),
        Cmd::Count {
            slot,
            iters,
            threads,
        } => match probe {
            None => Err(NO_COUNTER.to_owned()),
            Some(probe) if threads <= 1 => p
                .subject
                .count(slot, iters, probe)
                .map(|tally| Reply::Counted { tally })
                .map_err(String::from),
            Some(probe) => count_threads(p, slot, iters, threads, probe),
        },
        Cmd::Footprint {
            slot,
            iters,
            threads,
        } => footprint(p, slot, iters, threads, probe),
        Cmd::CountInstructions { slot, iters } => p
            .subject
            .run_counted(slot, iters)
            .map(|()| Reply::Ran)
            .map_err(String::from),
        Cmd::Hello | Cmd::Prepare(_) => Err("handled above".to_owned()),
    };
    result.unwrap_or_else(|message| Reply::Error { message })
}

/// A sample on one thread (the peer's own, timed by the run's clock, as it always was) or on
/// several at once (timed by the wall clock between the barrier and the last thread's end).
fn sample(p: &mut Prepared, slot: usize, iters: u64, threads: usize) -> Result<Reply, String> {
    if threads <= 1 {
        let t = p.subject.sample(slot, iters, p.clock)?;
        return Ok(Reply::Sampled {
            ns: t.ns,
            wall_ns: Some(t.wall_ns),
            cpu_ns: None,
            sys_ns: None,
            skew_ns: None,
        });
    }
    let crew = p
        .crew
        .as_mut()
        .ok_or("this peer started no measuring threads")?;
    let sys0 = process_system_ns();
    let run = crew.run(&mut p.subject, slot, iters, threads, false)?;
    let sys1 = process_system_ns();
    let calls = iters.max(1) as f64;
    let wall = run.wall_ns() as f64 / calls;
    Ok(Reply::Sampled {
        ns: wall,
        wall_ns: Some(wall),
        cpu_ns: run.mean_cpu_ns().map(|c| c / calls),
        sys_ns: sys0
            .zip(sys1)
            .map(|(a, b)| b.saturating_sub(a) as f64 / calls / threads as f64),
        skew_ns: Some(run.start_skew_ns() as f64),
    })
}

/// The counting pass on several threads at once: every thread's calls are counted (the
/// counters are process-wide), and the tally is over all of them.
fn count_threads(
    p: &mut Prepared,
    slot: usize,
    iters: u64,
    threads: usize,
    probe: &dyn AllocProbe,
) -> Result<Reply, String> {
    let crew = p
        .crew
        .as_mut()
        .ok_or("this peer started no measuring threads")?;
    let iters = iters.max(1);
    let was = probe.set_counting(true);
    probe.reset_peak();
    let before = probe.snapshot();
    let run = crew.run(&mut p.subject, slot, iters, threads, false);
    let after = probe.snapshot();
    probe.set_counting(was);
    let arena_peak = run?.arena_peak();
    Ok(Reply::Counted {
        tally: Tally::between(iters * threads as u64, before, after, arena_peak),
    })
}

/// The footprint pass: the allocator gives back what it can, the resident set's peak is reset,
/// then `iters` calls on each of `threads` threads, each with an empty context. What the
/// resident set grew by is what running the cell took from the OS, whatever ran before in this
/// process (the release is what makes it so: freed memory an allocator kept is not resident
/// any more, so reusing it shows as growth again).
fn footprint(
    p: &mut Prepared,
    slot: usize,
    iters: u64,
    threads: usize,
    probe: Option<&'static dyn AllocProbe>,
) -> Result<Reply, String> {
    let iters = iters.max(1);
    let was = probe.map(|pr| pr.set_counting(true));
    if let Some(pr) = probe {
        // Every thread releases what its own caches hold (jemalloc's tcache and mimalloc's heap
        // are per thread), then the process-wide release.
        if let Some(crew) = p.crew.as_mut() {
            crew.release_free_memory(pr);
        }
        pr.release_free_memory();
    }
    let allocator_before = probe.and_then(|pr| pr.allocator_memory());
    let base = reset_peak().then(ResidentSet::read).flatten();
    if let Some(pr) = probe {
        pr.reset_peak();
    }
    let live_before = probe.map(|pr| pr.snapshot());
    let run = match p.crew.as_mut() {
        Some(crew) => crew
            .run(&mut p.subject, slot, iters, threads, true)
            .map(|_| ()),
        None if threads <= 1 => p
            .subject
            .run_timed(slot, iters, true)
            .map(|_| ())
            .map_err(String::from),
        None => Err("this peer started no measuring threads".to_owned()),
    };
    let live_after = probe.map(|pr| pr.snapshot());
    let top = ResidentSet::read();
    let allocator_after = probe.and_then(|pr| pr.allocator_memory());
    if let (Some(pr), Some(was)) = (probe, was) {
        pr.set_counting(was);
    }
    run?;
    Ok(Reply::Footprinted {
        footprint: FootprintTally {
            iters,
            rss_growth: base.zip(top).map(|(b, t)| t.peak.saturating_sub(b.current)),
            peak_live: live_before
                .zip(live_after)
                .map(|(b, a)| a.peak_live_bytes.saturating_sub(b.live_bytes)),
            allocator_before,
            allocator_after,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Preset;
    use perflab_core::fixture;

    fn replies(commands: &[String]) -> Vec<serde_json::Value> {
        let registry = fixture::registry([fixture::NAIVE]);
        let mut script = commands.join("\n");
        script.push('\n');
        let mut out = Vec::new();
        serve(&registry, None, &mut script.as_bytes(), &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn cmd(c: &Cmd) -> String {
        serde_json::to_string(c).unwrap()
    }

    #[test]
    fn a_peer_verifies_samples_relocates_and_refuses_what_it_cannot_do() {
        let prepare = Cmd::Prepare(Box::new(PrepareCmd {
            workload: "sum".into(),
            variants: vec!["naive".into(), "missing".into()],
            input: InputSpec::Generated {
                size: 4096,
                seed: 7,
            },
            settings: Preset::Quick.settings(),
            pin: None,
            clock: Clock::Wall,
            verify: true,
            threads: 1,
            thread_cpus: Vec::new(),
        }));
        let relocate = Cmd::Relocate {
            page_offset: 128,
            stack_depth: 5,
        };
        let r = replies(&[
            cmd(&Cmd::Hello),
            cmd(&relocate),
            cmd(&prepare),
            cmd(&Cmd::Sample {
                slot: 0,
                iters: 3,
                threads: 1,
            }),
            cmd(&relocate),
            cmd(&Cmd::Sample {
                slot: 0,
                iters: 3,
                threads: 1,
            }),
            cmd(&Cmd::Sample {
                slot: 1,
                iters: 3,
                threads: 1,
            }),
            cmd(&Cmd::Count {
                slot: 0,
                iters: 2,
                threads: 1,
            }),
            "not json".to_owned(),
        ]);
        assert_eq!(
            r[0],
            serde_json::json!({"reply": "hello", "protocol": PROTOCOL})
        );
        assert_eq!(r[1]["reply"], "error", "nothing prepared yet: {}", r[1]);
        // Verification news first, then the answer.
        assert_eq!(
            r[2],
            serde_json::json!({"reply": "checking", "variant": "naive"})
        );
        let prepared = r.iter().find(|x| x["reply"] == "prepared").unwrap();
        assert_eq!(prepared["size_bytes"], 4096);
        assert_eq!(prepared["variants"][0]["state"], "ready");
        assert!(prepared["variants"][0]["iters"].as_u64().unwrap() >= 1);
        assert_eq!(prepared["variants"][1]["state"], "unavailable");
        assert!(
            prepared["variants"][1]["error"]
                .as_str()
                .unwrap()
                .contains("missing")
        );
        let rest: Vec<&serde_json::Value> = r
            .iter()
            .skip_while(|x| x["reply"] != "prepared")
            .skip(1)
            .collect();
        assert!(rest[0]["ns"].as_f64().unwrap() > 0.0);
        assert_eq!(
            *rest[1],
            serde_json::json!({"reply": "relocated", "moved": true})
        );
        assert!(rest[2]["ns"].as_f64().unwrap() > 0.0);
        assert_eq!(
            rest[3]["reply"], "error",
            "slot 1 is not ready: {}",
            rest[3]
        );
        assert!(
            rest[4]["message"]
                .as_str()
                .unwrap()
                .contains("allocation counter")
        );
        assert!(rest[5]["message"].as_str().unwrap().contains("malformed"));
    }
}
