//! `perflab flame` and `perflab live` as a user meets them: the SVG and folded stacks on disk,
//! puffin's own client connected to a live server, a recorded capture read back by puffin, and
//! a port in use.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::{perflab, run, stderr, tmp};

/// The text of every `<text>` and `<title>` element, after checking the whole file parses as
/// XML.
fn svg_texts(path: &std::path::Path) -> String {
    use quick_xml::events::Event;
    let svg = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&svg);
    let mut texts = String::new();
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(_) | Event::Empty(_)) => elements += 1,
            Ok(Event::Text(t)) => texts.push_str(&t.decode().unwrap()),
            // quick-xml reports `&lt;` and friends apart from the text around them.
            Ok(Event::GeneralRef(r)) => texts.push(match r.as_ref() {
                b"lt" => '<',
                b"gt" => '>',
                b"amp" => '&',
                b"quot" => '"',
                _ => '?',
            }),
            Ok(Event::End(_)) => texts.push('\n'),
            Ok(_) => {}
            Err(e) => panic!(
                "{} is not XML at {}: {e}",
                path.display(),
                reader.error_position()
            ),
        }
    }
    assert!(
        elements > 10,
        "{}: only {elements} elements",
        path.display()
    );
    texts
}

/// `(stack, count)` of each line; panics on a line without a count.
fn folded(path: &std::path::Path) -> Vec<(String, u64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let (stack, n) = l.rsplit_once(' ').expect("stack count");
            (stack.to_owned(), n.parse().expect("a count"))
        })
        .collect()
}

/// The number in "…/all (12,345 samples, 100%)", the root frame inferno titles.
fn root_total(texts: &str) -> u64 {
    let line = texts
        .lines()
        .find(|l| l.starts_with("all ("))
        .expect("a root frame");
    line["all (".len()..]
        .split(' ')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

#[test]
fn flame_sampling_writes_an_svg_and_folded_stacks_naming_the_kernel() {
    let dir = tmp("sampling");
    let svg = dir.join("wf.svg");
    let o = run(&[
        "flame",
        "--workload",
        "wordfreq",
        "--variant",
        "naive",
        "--size",
        "256KiB",
        "--seconds",
        "1",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let texts = svg_texts(&svg);
    assert!(
        texts.contains("perflab_text::wordfreq::naive::Naive"),
        "the kernel's function is named"
    );
    let stacks = folded(&dir.join("wf.folded"));
    let total: u64 = stacks.iter().map(|(_, n)| n).sum();
    assert!(total > 20, "{total} samples");
    assert_eq!(
        root_total(&texts),
        total,
        "the SVG shows every folded sample"
    );
    let in_kernel: u64 = stacks
        .iter()
        .filter(|(s, _)| s.starts_with("wordfreq/naive;"))
        .map(|(_, n)| n)
        .sum();
    assert!(
        in_kernel * 10 >= total * 9,
        "{in_kernel} of {total} in the kernel"
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("most self samples"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flame_scopes_folds_the_kernel_phases_and_diffs_against_a_base() {
    let dir = tmp("scopes");
    let base = dir.join("base.svg");
    let args = |out: &PathBuf| -> Vec<String> {
        [
            "flame",
            "--workload",
            "wordfreq",
            "--variant",
            "arena",
            "--size",
            "64KiB",
            "--seconds",
            "0.5",
            "--source",
            "scopes",
            "-o",
            out.to_str().unwrap(),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let o = perflab().args(args(&base)).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let texts = svg_texts(&base);
    for name in ["wordfreq/arena", "tokenize_count", "top_k"] {
        assert!(texts.contains(name), "{name} in the SVG");
    }
    let stacks = folded(&dir.join("base.folded"));
    let total: u64 = stacks.iter().map(|(_, n)| n).sum();
    assert_eq!(root_total(&texts), total);
    assert!(
        stacks
            .iter()
            .any(|(s, _)| s == "wordfreq/arena;tokenize_count")
    );

    let head = dir.join("head.svg");
    let mut diff_args = args(&head);
    diff_args.extend([
        "--diff".to_owned(),
        dir.join("base.folded").display().to_string(),
    ]);
    let o = perflab().args(diff_args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(svg_texts(&head).contains("tokenize_count"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flame_names_what_is_wrong_in_one_line() {
    for (args, needle) in [
        (vec!["--workload", "nope", "--variant", "naive"], "nope"),
        (vec!["--workload", "wordfreq", "--variant", "nope"], "naive"),
        (
            vec![
                "--workload",
                "wordfreq",
                "--variant",
                "naive",
                "--diff",
                "/no/such.folded",
            ],
            "/no/such.folded",
        ),
    ] {
        let o = perflab().arg("flame").args(&args).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{err}");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn live_serves_puffin_clients_and_records_a_capture_puffin_reads_back() {
    let dir = tmp("live");
    let capture = dir.join("live.puffin");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = perflab()
        .args([
            "live",
            "--addr",
            &addr,
            "--workload",
            "wordfreq",
            "--workload",
            "search",
            "--size",
            "16KiB",
            "--seconds",
            "4",
            "--record",
            capture.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    // The server is bound once the command line for the viewer is printed.
    while stdout.read_line(&mut line).unwrap() > 0 && !line.contains("puffin_viewer --url") {}
    assert!(
        line.contains(&format!("puffin_viewer --url {addr}")),
        "printed {line:?}"
    );

    let client = puffin_http::Client::new(addr.clone());
    let deadline = Instant::now() + Duration::from_secs(3);
    let (mut frames, mut names) = (0, Vec::new());
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let view = client.frame_view();
        frames = view.all_uniq().count();
        names = view
            .scope_collection()
            .scopes_by_name()
            .keys()
            .map(ToString::to_string)
            .collect();
        if frames > 5 && names.iter().any(|n| n == "search/naive") {
            break;
        }
    }
    assert!(frames > 5, "{frames} frames arrived");
    for want in [
        "wordfreq/naive",
        "wordfreq/simd",
        "tokenize_count",
        "search/naive",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    // The latest frame holds the kernels' scopes (not only their names).
    let latest = client.frame_view().latest_frame().expect("a frame");
    let unpacked = latest.unpacked().unwrap();
    assert!(
        unpacked.meta.num_scopes >= 4,
        "{} scopes",
        unpacked.meta.num_scopes
    );
    drop(client);

    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("recorded"), "{rest}");
    let file = std::fs::File::open(&capture).unwrap();
    let view = puffin::FrameView::read(&mut BufReader::new(file)).expect("puffin reads it");
    assert!(view.all_uniq().count() > 10);
    let recorded: Vec<String> = view
        .scope_collection()
        .scopes_by_name()
        .keys()
        .map(ToString::to_string)
        .collect();
    for want in ["wordfreq/naive", "wordfreq/arena", "top_k", "search/memchr"] {
        assert!(
            recorded.iter().any(|n| n == want),
            "{want} not in {recorded:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn live_on_a_port_in_use_is_exit_2_naming_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = run(&[
        "live",
        "--addr",
        &addr,
        "--seconds",
        "1",
        "--workload",
        "search",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(&addr), "{err}");
}

#[test]
fn flame_given_a_folded_name_writes_the_svg_beside_it() {
    let dir = tmp("flame-folded");
    let stacks = dir.join("x.folded");
    let o = run(&[
        "flame",
        "-w",
        "wordfreq",
        "--variant",
        "naive",
        "--size",
        "16KiB",
        "--seconds",
        "0.3",
        "--source",
        "scopes",
        "-o",
        stacks.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!folded(&stacks).is_empty(), "the stacks are still stacks");
    assert!(svg_texts(&dir.join("x.svg")).contains("wordfreq"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn profiling_flags_out_of_range_are_one_line_and_exit_2() {
    for (args, needle) in [
        (
            vec![
                "flame",
                "-w",
                "search",
                "--variant",
                "naive",
                "--seconds",
                "1e20",
            ],
            "1e20",
        ),
        (
            vec![
                "flame",
                "-w",
                "search",
                "--variant",
                "naive",
                "--seconds",
                "0",
            ],
            "0",
        ),
        (vec!["live", "--seconds", "1e20"], "1e20"),
        (vec!["live", "--seconds", "NaN"], "NaN"),
        (
            vec!["live", "--record", "x.puffin", "--max-frames", "0"],
            "0",
        ),
        (
            vec![
                "live",
                "--record",
                "/no/such/dir/x.puffin",
                "--seconds",
                "5",
            ],
            "/no/such/dir/x.puffin",
        ),
    ] {
        let o = perflab().args(&args).output().unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn live_ended_by_sigterm_still_writes_its_capture() {
    let dir = tmp("live-term");
    let capture = dir.join("term.puffin");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = perflab()
        .args(["live", "--addr", &addr, "-w", "search", "--size", "4KiB"])
        .args(["--record", capture.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 && !line.contains("running until") {}
    std::thread::sleep(Duration::from_millis(500));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut stdout, &mut rest);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {rest}");
    assert!(rest.contains("recorded"), "{rest}");
    assert!(std::fs::metadata(&capture).unwrap().len() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
