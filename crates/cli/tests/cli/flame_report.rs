//! `perflab run --flame`, as a user meets it: the run directory holds the profiles beside the
//! results, the report shows them in each workload's section, and the directory, copied
//! elsewhere and opened in a browser, needs nothing but itself — no link outside it, no
//! request to the network.

use crate::common::{assert_one_line_error, run, run_ok, stderr, tmp};
use serde_json::Value;
use std::path::Path;

#[path = "../../../report/tests/common/chromium.rs"]
mod chromium;

/// `src="…"` / `href="…"` / `url(…)` values in a page or an SVG.
fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\"", "url("] {
        let mut rest = text;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find(['"', ')']).unwrap_or(rest.len());
            out.push(rest[..end].trim_matches(['\'', ' ']).to_owned());
        }
    }
    out
}

#[test]
fn run_flame_puts_the_why_next_to_the_number_in_a_self_contained_directory() {
    let work = tmp("flame-report");
    let dir = work.join("run");
    run_ok(&[
        "run",
        "--flame",
        "-w",
        "wordfreq",
        "-w",
        "search",
        "--size",
        "64KiB",
        "--allocator",
        "system",
        "--budget",
        "3",
        "--flame-seconds",
        "0.5",
        "--out",
        dir.to_str().unwrap(),
    ]);

    // The index names naive, the winner and their differential graph for both workloads, and
    // every file it names is there, under flame/.
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("flame/index.json")).unwrap()).unwrap();
    let workloads = index["workloads"].as_array().unwrap();
    let mut names: Vec<&str> = workloads
        .iter()
        .map(|w| w["workload"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["search", "wordfreq"]);
    let wordfreq = workloads
        .iter()
        .find(|w| w["workload"] == "wordfreq")
        .unwrap();
    for w in workloads {
        assert_eq!(w["size"], "64KiB");
        assert!(w["error"].is_null(), "{w}");
        for file in [
            &w["naive"]["svg"],
            &w["naive"]["folded"],
            &w["winner"]["svg"],
            &w["winner"]["folded"],
            &w["diff_svg"],
        ] {
            let file = file.as_str().unwrap_or_else(|| panic!("{w}"));
            assert!(file.starts_with("flame/"), "{file}");
            assert!(dir.join(file).is_file(), "{file} is missing");
        }
        assert!(w["naive"]["samples"].as_u64().unwrap() > 0, "{w}");
        assert!(!w["changes"].as_array().unwrap().is_empty(), "{w}");
    }
    let winner = wordfreq["winner"]["variant"].as_str().unwrap();
    let folded =
        std::fs::read_to_string(dir.join(wordfreq["naive"]["folded"].as_str().unwrap())).unwrap();
    assert!(
        folded.contains("perflab_text::wordfreq"),
        "the kernel's frames are named"
    );

    // A copy elsewhere is complete: every reference of the page and of its SVGs is a file
    // inside the copy (or an in-page anchor), never the network.
    let copy = work.join("copied");
    std::fs::create_dir_all(copy.join("flame")).unwrap();
    for entry in std::fs::read_dir(dir.join("flame")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, copy.join("flame").join(p.file_name().unwrap())).unwrap();
    }
    for f in ["index.html", "results.json"] {
        std::fs::copy(dir.join(f), copy.join(f)).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
    let html = std::fs::read_to_string(copy.join("index.html")).unwrap();
    let mut checked = 0;
    for (base, text) in std::iter::once((copy.clone(), html.clone())).chain(
        std::fs::read_dir(copy.join("flame"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "svg"))
            .map(|p| (copy.join("flame"), std::fs::read_to_string(p).unwrap())),
    ) {
        for r in references(&text) {
            assert!(
                !r.contains("://") && !r.starts_with("//"),
                "{} refers to {r}",
                base.display()
            );
            if !r.is_empty()
                && !r.starts_with('#')
                && !r.starts_with("data:")
                && !r.starts_with("javascript:")
            {
                assert!(base.join(&r).is_file(), "{r} does not exist in the copy");
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * 3 * 2, "{checked} links checked");

    // Each workload's section shows its flamegraphs and says what changed, in words.
    for w in ["wordfreq", "search"] {
        let start = html.find(&format!("<section id=\"workload-{w}\"")).unwrap();
        let section = &html[start..start + html[start..].find("</section>").unwrap()];
        assert!(
            section.contains(&format!("<img src=\"flame/{w}-naive-system-64KiB.svg\"")),
            "{w}: no naive flamegraph"
        );
        assert!(
            section.contains("-vs-naive-system-64KiB.svg"),
            "{w}: no differential graph"
        );
        assert!(
            section.contains("time per iteration shrank most in"),
            "{w}: no sentence"
        );
    }
    assert!(html.contains(&format!("From naive to {winner}")));

    // In a browser: the page renders its flamegraph images from the copy, and neither the page
    // nor an SVG opened from it asks the network for anything.
    let Some(bin) = chromium::chromium_or_skip() else {
        return;
    };
    let (dom, requests) = chromium::dom_and_page_requests(&bin, &copy.join("index.html"), &work);
    assert!(requests.is_empty(), "the page loaded {requests:?}");
    for w in ["wordfreq", "search"] {
        let start = dom.find(&format!("<section id=\"workload-{w}\"")).unwrap();
        let section = &dom[start..start + dom[start..].find("</section>").unwrap()];
        assert_eq!(section.matches("<img src=\"flame/").count(), 3, "{w}");
    }
    let svg = copy.join(format!("flame/wordfreq-{winner}-system-64KiB.svg"));
    let (svg_dom, requests) = chromium::dom_and_page_requests(&bin, &svg, &work);
    assert!(requests.is_empty(), "the SVG loaded {requests:?}");
    assert!(
        svg_dom.contains("<svg") && svg_dom.contains("wordfreq"),
        "the SVG opens"
    );
    std::fs::remove_dir_all(&work).unwrap();
}

/// `perflab flame -w wordfreq --variant naive --input INPUT EXTRA…`.
fn flame_on(input: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["flame", "-w", "wordfreq", "--variant", "naive", "--input"];
    args.push(input.to_str().unwrap());
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn flame_profiles_a_users_file_and_names_the_cell_file() {
    let work = tmp("flame-input");
    let input = work.join("words.txt");
    std::fs::write(&input, "alpha beta gamma beta\n".repeat(2000)).unwrap();
    let svg = work.join("out.svg");
    let o = flame_on(&input, &["--seconds", "0.3", "-o", svg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("wordfreq/naive/system/file"));
    assert!(svg.is_file());
    let folded = std::fs::read_to_string(work.join("out.folded")).unwrap();
    assert!(folded.contains("wordfreq/naive"), "{folded}");
    // A missing file is one line and exit 2, and --input with --size is refused alike.
    let o = flame_on(&work.join("missing.txt"), &[]);
    assert_one_line_error(&o, 2, "flame on a missing file", "missing.txt");
    let o = flame_on(&input, &["--size", "4KiB"]);
    assert_one_line_error(&o, 2, "flame --input with --size", "--size");
    std::fs::remove_dir_all(&work).unwrap();
}
