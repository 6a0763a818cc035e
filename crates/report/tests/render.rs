//! The page shows every cell's numbers as the report formats them, never hides failures, stays
//! small and self-contained, and a bad input file is an error that names it and writes nothing.

mod common;

use common::{SIZES, default_matrix, fresh_dir, synthetic, with_threads};
use perflab_harness::results::{CellStatus, Results};
use perflab_report::change::{Change, DEFAULT_THRESHOLD, classify};
use perflab_report::{RenderOptions, fmt, render, write_report, write_report_of};

/// The `<tr>` of a cell in its workload's table.
fn row_of<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("data-id=\"{id}\""))
        .unwrap_or_else(|| panic!("no row for {id}"));
    let end = html[at..].find("</tr>").expect("row ends") + at;
    &html[at..end]
}

fn check_every_cell(results: &Results, html: &str) {
    for b in &results.benchmarks {
        let row = row_of(html, &b.name.id);
        let mut expect: Vec<String> = vec![
            b.name.variant.clone(),
            b.name.allocator.clone(),
            b.name.size.clone(),
        ];
        match b.status {
            CellStatus::Ok => {
                expect.push(fmt::time_ns(b.time.median_ns.unwrap()));
                expect.push(fmt::time_ci(b.time.ci95_ns.unwrap()));
                expect.push(fmt::throughput(b.time.throughput_bytes_per_s.unwrap()));
                let s = b.paired.speedup_vs_naive.unwrap();
                expect.push(fmt::ratio(s.median));
                expect.push(fmt::ratio_ci(s.ci95));
                expect.push(format!(
                    ">{}<",
                    fmt::count(b.alloc.allocs_per_iter.unwrap())
                ));
                expect.push(fmt::bytes(b.alloc.bytes_allocated_per_iter.unwrap()));
                expect.push(fmt::bytes(b.alloc.peak_bytes.unwrap() as f64));
                if let Some(a) = b.alloc.arena_bytes {
                    expect.push(fmt::bytes(a as f64));
                }
            }
            CellStatus::Failed => {
                expect.push("failed".into());
                expect.push(b.error.clone().unwrap());
            }
            CellStatus::Unsupported => expect.push("unsupported".into()),
        }
        for e in expect {
            assert!(row.contains(&e), "row of {} lacks {e:?}:\n{row}", b.name.id);
        }
        if b.status != CellStatus::Ok {
            // Listed again in the failures section, with the error.
            let start = html.find("id=\"problems\"").expect("failures section");
            let section = &html[start..start + html[start..].find("</section>").unwrap()];
            let (group, cell) = (
                format!("<td>{}/{}</td>", b.name.workload, b.name.variant),
                format!("{}/{}", b.name.allocator, b.name.size),
            );
            let error = b.error.as_deref().unwrap_or(match b.status {
                CellStatus::Failed => "no error message recorded",
                _ => "this CPU lacks what the variant needs",
            });
            assert!(
                section.split("</tr>").any(|r| r.contains(&group)
                    && r.contains(error)
                    && (r.contains(&cell) || r.contains("cells (every allocator"))),
                "{} not listed with its error",
                b.name.id
            );
        }
    }
}

#[test]
fn three_allocators_every_kind_of_cell() {
    let r = synthetic(
        &["search", "frames"],
        &["system", "jemalloc", "mimalloc"],
        &SIZES[..2],
        12,
    );
    assert!(r.benchmarks.iter().any(|b| b.status == CellStatus::Failed));
    assert!(
        r.benchmarks
            .iter()
            .any(|b| b.status == CellStatus::Unsupported)
    );
    let html = render(&r, None, &RenderOptions::default()).unwrap();
    check_every_cell(&r, &html);
    for w in ["search", "frames"] {
        assert!(html.contains(&format!("<section id=\"workload-{w}\"")));
    }
    // The summary names each workload's winner, and the allocator view compares allocators.
    assert!(html.contains("id=\"summary\"") && html.contains("simd-avx2"));
    assert!(html.contains("jemalloc / system") && html.contains("mimalloc / system"));
    assert!(html.contains("Synthetic CPU @ 3.0GHz") && html.contains("avx2"));
    assert!(!html.contains("vs baseline"));
}

#[test]
fn every_cell_of_a_run_with_threads() {
    let r = with_threads(
        synthetic(
            &["search", "frames"],
            &["system", "jemalloc", "mimalloc"],
            &SIZES[..2],
            12,
        ),
        &[2],
    );
    let html = render(&r, None, &RenderOptions::default()).unwrap();
    check_every_cell(&r, &html);
    // The failed variant fails at every thread count, and the failures list says so.
    assert!(html.contains("all 9 cells (every allocator, size and thread count)"));
}

#[test]
fn one_allocator() {
    let r = synthetic(&["wordfreq"], &["system"], &SIZES, 8);
    let html = render(&r, None, &RenderOptions::default()).unwrap();
    check_every_cell(&r, &html);
    assert!(html.contains("Only the system allocator was measured"));
}

#[test]
fn the_real_sample_file_renders() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-results.json");
    let r = Results::read(&path).unwrap();
    let html = render(&r, None, &RenderOptions::default()).unwrap();
    check_every_cell(&r, &html);
}

/// The files the report's tests render are what perflab writes: a standard validator checks the
/// real sample and the synthetic matrices against the checked-in schema.
#[test]
fn the_sample_and_synthetic_files_match_the_published_schema() {
    let json = |path: &std::path::Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = json(&root.join("../../schemas/perflab-results-v1.schema.json"));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let to_json = |r: Results| serde_json::to_value(r).unwrap();
    for (name, doc) in [
        (
            "sample-results.json",
            json(&root.join("tests/data/sample-results.json")),
        ),
        ("default matrix", to_json(default_matrix())),
        (
            "one allocator, one size",
            to_json(synthetic(&["frames"], &["system"], &SIZES[..1], 3)),
        ),
        (
            "with threads and footprints",
            to_json(with_threads(
                synthetic(&["frames"], &["system", "jemalloc"], &SIZES[..2], 5),
                &[2, 4],
            )),
        ),
    ] {
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("  at '{}': {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
    }
}

#[test]
fn default_matrix_page_is_small_and_self_contained() {
    let r = default_matrix();
    let html = render(&r, Some(&r), &RenderOptions::default()).unwrap();
    assert!(html.len() < 2_000_000, "page is {} bytes", html.len());
    // No request of any kind: no external URL, stylesheet link, script src, font or image.
    // The one <link> is an empty data: icon, which stops the browser asking for /favicon.ico.
    assert_eq!(html.matches("<link").count(), 1);
    assert!(html.contains("<link rel=\"icon\" href=\"data:,\">"));
    for bad in ["src=", "@import", "url(", "https:"] {
        assert!(!html.contains(bad), "page contains {bad:?}");
    }
    // The only namespace URL allowed is SVG's, which is not fetched.
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count()
    );
    assert_eq!(html.matches("<svg").count(), 2 * common::WORKLOADS.len());
}

#[test]
fn baseline_changes_are_classified_and_shown() {
    let base = synthetic(&["search"], &["system"], &SIZES[..1], 30);
    let mut head = base.clone();
    // Make one cell 30% slower and one 30% faster.
    for (id, f) in [
        ("search/optimized/system/4KiB", 1.3),
        ("search/simd-sse2/system/4KiB", 0.7),
    ] {
        let b = head
            .benchmarks
            .iter_mut()
            .find(|b| b.name.id == id)
            .unwrap();
        b.time.samples_ns.iter_mut().for_each(|s| *s *= f);
        b.time.median_ns = b.time.median_ns.map(|m| m * f);
    }
    let get = |r: &Results, id: &str| r.get(id).unwrap().clone();
    let c = |id: &str| classify(&get(&base, id), &get(&head, id), DEFAULT_THRESHOLD);
    assert!(matches!(
        c("search/optimized/system/4KiB"),
        Change::Regression(_)
    ));
    assert!(matches!(
        c("search/simd-sse2/system/4KiB"),
        Change::Improvement(_)
    ));
    assert!(matches!(
        c("search/naive/system/4KiB"),
        Change::Unchanged(_)
    ));
    let html = render(&head, Some(&base), &RenderOptions::default()).unwrap();
    assert!(
        html.contains("1 regressions") && html.contains("1 improvements"),
        "counts"
    );
    let row = row_of(&html, "search/optimized/system/4KiB");
    assert!(
        row.contains("class=\"regression\"") && row.contains("+30.0%"),
        "{row}"
    );
    let row = row_of(&html, "search/simd-sse2/system/4KiB");
    assert!(
        row.contains("class=\"improvement\"") && row.contains("−30.0%"),
        "{row}"
    );
}

#[test]
fn profiles_are_linked_when_present() {
    let dir = fresh_dir("profiles");
    let r = synthetic(&["search"], &["system"], &SIZES[..1], 5);
    std::fs::create_dir_all(dir.join("flame")).unwrap();
    std::fs::write(dir.join("flame/search-naive-system-4KiB.svg"), "<svg/>").unwrap();
    let opts = RenderOptions {
        page_dir: Some(dir.clone()),
        flames: None,
    };
    let html = render(&r, None, &opts).unwrap();
    assert!(
        row_of(&html, "search/naive/system/4KiB")
            .contains("href=\"flame/search-naive-system-4KiB.svg\"")
    );
    assert!(!row_of(&html, "search/optimized/system/4KiB").contains("href="));
    // write_report looks beside the output file.
    let results = dir.join("results.json");
    r.write_atomic(&results).unwrap();
    let out = dir.join("index.html");
    write_report(&results, None, &out).unwrap();
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.contains("flame/search-naive-system-4KiB.svg"));
    // From the results in memory, the same page as from their file.
    write_report_of(&r, None, &out).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), page);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_files_are_errors_naming_the_path_and_write_nothing() {
    let dir = fresh_dir("bad");
    let good = dir.join("good.json");
    synthetic(&["search"], &["system"], &SIZES[..1], 3)
        .write_atomic(&good)
        .unwrap();
    let out = dir.join("index.html");
    for (name, text) in [
        ("empty.json", ""),
        (
            "malformed.json",
            "{\"schema\": \"perflab/results/v1\", \"benchmarks\": [",
        ),
    ] {
        let bad = dir.join(name);
        std::fs::write(&bad, text).unwrap();
        let e = write_report(&bad, None, &out).unwrap_err();
        assert!(e.to_string().contains(bad.to_str().unwrap()), "{e}");
        let e = write_report(&good, Some(&bad), &out).unwrap_err();
        assert!(e.to_string().contains(bad.to_str().unwrap()), "{e}");
    }
    let missing = dir.join("missing.json");
    let e = write_report(&missing, None, &out).unwrap_err();
    assert!(e.to_string().contains(missing.to_str().unwrap()), "{e}");
    assert!(!out.exists(), "no page for a bad input");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("index.html"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    write_report(&good, None, &out).unwrap();
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn odd_inputs_render_without_panicking() {
    use perflab_harness::results::{Environment, RunConfig};
    let empty = Results::new(Environment::default(), RunConfig::default());
    let html = render(&empty, Some(&empty), &RenderOptions::default()).unwrap();
    assert!(html.contains("No cell was measured successfully"));
    let mut r = synthetic(&["search"], &["system", "jemalloc"], &SIZES[..2], 4);
    r.environment.git_commit = Some("ééééééééééééééé".into());
    let weird = [f64::NAN, 0.0, -1.0, f64::INFINITY];
    for (i, b) in r.benchmarks.iter_mut().enumerate() {
        let w = weird[i % weird.len()];
        match i % 5 {
            0 => b.time.median_ns = Some(w),
            1 => b.time.throughput_bytes_per_s = Some(w),
            2 => b.time.ci95_ns = Some([w, -w]),
            3 => b.time.samples_ns = vec![w; 3],
            _ => b.name.size_bytes = 0,
        }
        if i % 7 == 0 {
            b.name.variant = "<script>alert(1)</script>".into();
        }
    }
    let html = render(&r, Some(&r), &RenderOptions::default()).unwrap();
    assert!(!html.contains("<script>alert"), "names are escaped");
}
