//! Results files that cannot be true (negative or zero times, no samples, a cell twice) are
//! refused by every command that reads them, naming the file and the cell.

use crate::common::{around, assert_one_line_error, run, synthetic, tmp, write_json};

#[test]
fn impossible_results_are_refused_by_every_reader_naming_file_and_cell() {
    let dir = tmp("invalid");
    let good = write_json(
        &dir,
        "good.json",
        &synthetic(&[
            ("w/naive/system/4KiB", "ok", around(100.0)),
            ("w/fast/system/4KiB", "ok", around(50.0)),
        ]),
    );
    let mut negative = synthetic(&[
        ("w/naive/system/4KiB", "ok", around(100.0)),
        ("w/fast/system/4KiB", "ok", vec![-200.0; 30]),
    ]);
    negative["benchmarks"][1]["median_ns"] = (-200.0).into();
    let mut zero = synthetic(&[("w/naive/system/4KiB", "ok", around(100.0))]);
    zero["benchmarks"][0]["median_ns"] = 0.0.into();
    let cases = [
        ("negative.json", negative, "w/fast/system/4KiB"),
        ("zero.json", zero, "w/naive/system/4KiB"),
        (
            "no-samples.json",
            synthetic(&[("w/naive/system/4KiB", "ok", vec![])]),
            "w/naive/system/4KiB",
        ),
        (
            "duplicate.json",
            synthetic(&[
                ("w/naive/system/4KiB", "ok", around(100.0)),
                ("w/naive/system/4KiB", "failed", vec![]),
            ]),
            "w/naive/system/4KiB",
        ),
    ];
    let out = dir.join("out");
    let o = out.to_str().unwrap();
    for (name, doc, cell) in cases {
        let bad = write_json(&dir, name, &doc);
        for args in [
            vec!["compare", &good, &bad],
            vec!["compare", &bad, &good],
            vec!["report", &bad, "-o", o],
            vec!["report", &good, "--baseline", &bad, "-o", o],
            vec!["merge", &good, &bad, "-o", o],
            vec!["export", &bad],
        ] {
            let r = run(&args);
            assert_one_line_error(&r, 2, &args, &bad);
            assert_one_line_error(&r, 2, &args, cell);
        }
    }
    assert!(!out.exists(), "nothing written from a bad file");
}
