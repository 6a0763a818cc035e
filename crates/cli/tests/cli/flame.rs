//! `perflab flame`: an SVG and folded stacks on disk naming the kernel, sampled or from the
//! kernels' scopes, a differential graph against a base, mistakes in one line, and a kernel that
//! never returns given up on.

use crate::common::{HANG_GUARD, assert_usage_error, output_within, perflab, run_ok, stderr, tmp};
use std::path::Path;
use std::process::Output;

/// `perflab flame -w wordfreq --variant VARIANT --size SIZE --seconds SECONDS EXTRA… -o OUT`,
/// which must succeed.
fn wordfreq_flame(variant: &str, size: &str, seconds: &str, extra: &[&str], out: &Path) -> Output {
    let args = [
        "flame",
        "-w",
        "wordfreq",
        "--variant",
        variant,
        "--size",
        size,
    ];
    let out = ["--seconds", seconds, "-o", out.to_str().unwrap()];
    run_ok(&[&args[..], &out, extra].concat())
}

/// The text of every `<text>` and `<title>` element, after checking the whole file parses as
/// XML.
fn svg_texts(path: &Path) -> String {
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
fn folded(path: &Path) -> Vec<(String, u64)> {
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
    let o = wordfreq_flame("naive", "256KiB", "1", &[], &svg);
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
    let scopes = ["--source", "scopes"];
    wordfreq_flame("arena", "64KiB", "0.5", &scopes, &base);
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
    let base_stacks = dir.join("base.folded");
    let diff = [&scopes[..], &["--diff", base_stacks.to_str().unwrap()]].concat();
    wordfreq_flame("arena", "64KiB", "0.5", &diff, &head);
    assert!(svg_texts(&head).contains("tokenize_count"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flame_given_a_folded_name_writes_the_svg_beside_it() {
    let dir = tmp("flame-folded");
    let stacks = dir.join("x.folded");
    wordfreq_flame("naive", "16KiB", "0.3", &["--source", "scopes"], &stacks);
    assert!(!folded(&stacks).is_empty(), "the stacks are still stacks");
    assert!(svg_texts(&dir.join("x.svg")).contains("wordfreq"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn flame_names_what_is_wrong_in_one_line() {
    let naive = ["flame", "--workload", "wordfreq", "--variant", "naive"];
    assert_usage_error(
        &["flame", "--workload", "nope", "--variant", "naive"],
        "nope",
    );
    assert_usage_error(
        &["flame", "--workload", "wordfreq", "--variant", "nope"],
        "naive",
    );
    let diff = [&naive[..], &["--diff", "/no/such.folded"]].concat();
    assert_usage_error(&diff, "/no/such.folded");
    let search = ["flame", "-w", "search", "--variant", "naive"];
    assert_usage_error(&[&search[..], &["--seconds", "1e20"]].concat(), "1e20");
    assert_usage_error(&[&search[..], &["--seconds", "0"]].concat(), "0");
}

#[test]
fn flame_gives_up_on_a_kernel_that_never_returns() {
    let out = tmp("faults-flame");
    let mut flame = perflab();
    flame
        .env("PERFLAB_SELFTEST_HANG_OVER", "1000")
        .args([
            "flame",
            "-w",
            "selftest",
            "--variant",
            "hangs",
            "--size",
            "4KiB",
        ])
        .args(["--timeout", "1", "--seconds", "1"])
        .args(["-o", out.join("hangs.svg").to_str().unwrap()]);
    let o = output_within(flame, HANG_GUARD);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`selftest/hangs` did not return within 1 s"),
        "{}",
        stderr(&o)
    );
    // `live` serves every variant of a workload and refuses one whose variants fail their
    // check (selftest's always do), so its watchdog is not reached from here.
}
