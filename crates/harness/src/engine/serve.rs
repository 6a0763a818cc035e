//! The peer's side of the protocol: a loop that answers commands until its input closes.

use super::protocol::{Cmd, InputSpec, PROTOCOL, PrepareCmd, Reply};
use crate::clock::Clock;
use crate::probe::AllocProbe;
use crate::subject::{Readiness, Subject};
use perflab_core::{InputSource, Placement, Registry};
use std::io::{BufRead, Write};

/// Serves commands read line by line from `input` until it closes, answering on `out`.
///
/// `probe` gives allocation counts (the binary that owns the global allocator provides it). A
/// malformed line is answered with an error, not a crash.
pub fn serve(
    registry: &Registry,
    probe: Option<&dyn AllocProbe>,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if let Some(p) = probe {
        // Timed samples run with counting off; the counting pass turns it on for itself.
        p.set_counting(false);
    }
    let mut subject: Option<(Subject, Clock)> = None;
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
                subject = None;
                match prepare(registry, &cmd, out) {
                    Ok((s, reply)) => {
                        subject = Some((s, cmd.clock));
                        reply
                    }
                    Err(message) => Reply::Error { message },
                }
            }
            Ok(cmd) => match subject.as_mut() {
                None => Reply::Error {
                    message: "nothing is prepared".to_owned(),
                },
                Some((s, clock)) => answer(s, cmd, probe, *clock),
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
) -> Result<(Subject, Reply), String> {
    let source = match &cmd.input {
        InputSpec::Generated { size, seed } => InputSource::Generated {
            size: *size,
            seed: *seed,
        },
        InputSpec::File { path } => InputSource::from_file(path).map_err(|e| e.to_string())?,
    };
    let mut subject = Subject::prepare(registry, &cmd.workload, &source, &cmd.variants)?;
    if !cmd.verify {
        let variants = subject.defer_verification();
        let reply = Reply::Prepared {
            size_bytes: subject.bytes(),
            variants,
            pinned: cmd.pin.and_then(super::pin::pin_to),
        };
        return Ok((subject, reply));
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
    for (slot, r) in readiness.iter_mut().enumerate() {
        if r.is_ready() {
            let (warmup, target) = (cmd.settings.warmup, cmd.settings.sample_target);
            *r = match subject.warm_up(slot, warmup, target, cmd.clock) {
                Ok(iters) => Readiness::Ready { iters },
                Err(_) => subject
                    .readiness(slot)
                    .cloned()
                    .unwrap_or(Readiness::Ready { iters: 1 }),
            };
        }
    }
    let pinned = cmd.pin.and_then(super::pin::pin_to);
    let reply = Reply::Prepared {
        size_bytes: subject.bytes(),
        variants: readiness,
        pinned,
    };
    Ok((subject, reply))
}

fn answer(s: &mut Subject, cmd: Cmd, probe: Option<&dyn AllocProbe>, clock: Clock) -> Reply {
    let result = match cmd {
        Cmd::Relocate {
            page_offset,
            stack_depth,
        } => Ok(Reply::Relocated {
            moved: s.relocate(Placement::at(page_offset), stack_depth),
        }),
        Cmd::Sample { slot, iters } => s.sample(slot, iters, clock).map(|ns| Reply::Sampled { ns }),
        Cmd::Count { slot, iters } => match probe {
            Some(p) => s
                .count(slot, iters, p)
                .map(|tally| Reply::Counted { tally }),
            None => Err("this process has no allocation counter".to_owned()),
        },
        Cmd::CountInstructions { slot, iters } => s.run_counted(slot, iters).map(|()| Reply::Ran),
        Cmd::Hello | Cmd::Prepare(_) => Err("handled above".to_owned()),
    };
    result.unwrap_or_else(|message| Reply::Error { message })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Preset;
    use perflab_core::{ByteInput, Ctx, Family, InputError, Kernel, VariantKind, Workload};

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
        fn relocated(input: &ByteInput, place: Placement) -> Option<ByteInput> {
            Some(input.relocated_to(place))
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

    fn replies(commands: &[String]) -> Vec<serde_json::Value> {
        let mut registry = Registry::new();
        registry.add(Family::<Sum>::new(Naive));
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
        }));
        let relocate = Cmd::Relocate {
            page_offset: 128,
            stack_depth: 5,
        };
        let r = replies(&[
            cmd(&Cmd::Hello),
            cmd(&relocate),
            cmd(&prepare),
            cmd(&Cmd::Sample { slot: 0, iters: 3 }),
            cmd(&relocate),
            cmd(&Cmd::Sample { slot: 0, iters: 3 }),
            cmd(&Cmd::Sample { slot: 1, iters: 3 }),
            cmd(&Cmd::Count { slot: 0, iters: 2 }),
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
