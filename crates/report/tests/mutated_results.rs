//! Every reader of results files — compare, report (as the page and as a baseline), merge and
//! export — on a valid file mutated at random: each either refuses the file with an error or
//! works on it, and none panics. (The binary maps those errors to exit code 2.)

mod common;

use common::{SIZES, synthetic, with_threads};
use perflab_harness::results::Results;
use perflab_harness::{compare, export, merge, summary};
use perflab_report::{RenderOptions, render};
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One change to a JSON document: at the node `path` picks (each number chooses a child, modulo
/// the child count, until a leaf or the end), do `edit` with `number`.
#[derive(Clone, Debug)]
struct Mutation {
    path: Vec<u32>,
    edit: u8,
    number: f64,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let numbers = prop_oneof![
        Just(0.0),
        Just(-1.0),
        Just(-200.0),
        Just(1e-300),
        Just(1e300),
        Just(18446744073709551615.0),
        Just(4.5),
        Just(1.0),
        Just(250.0),
        Just(1e9),
        0.0..1e6f64,
        -1e6..1e6f64,
    ];
    (prop::collection::vec(any::<u32>(), 1..6), 0u8..10, numbers)
        .prop_map(|(path, edit, number)| Mutation { path, edit, number })
}

/// Applies `m` to `doc`.
fn apply(doc: &mut Value, m: &Mutation) {
    // Find the node on a shared borrow, as a JSON pointer, then edit it.
    let mut pointer = String::new();
    let mut at = &*doc;
    for &step in &m.path {
        let next = match at {
            Value::Object(o) if !o.is_empty() => {
                let (k, v) = o.iter().nth(step as usize % o.len()).unwrap();
                Some((k.replace('~', "~0").replace('/', "~1"), v))
            }
            Value::Array(a) if !a.is_empty() => {
                let i = step as usize % a.len();
                Some((i.to_string(), &a[i]))
            }
            _ => None,
        };
        match next {
            // Stop one level above a leaf half of the time, so containers get edited too.
            Some((_, n)) if !(n.is_object() || n.is_array()) && step % 2 == 0 => break,
            Some((k, n)) => {
                pointer.push('/');
                pointer.push_str(&k);
                at = n;
            }
            None => break,
        }
    }
    let Some(node) = doc.pointer_mut(&pointer) else {
        return;
    };
    let x = m.number;
    let pick = m.path[0] as usize;
    const STRINGS: [&str; 9] = [
        "ok",
        "failed",
        "unsupported",
        "",
        "search/naive/system/4KiB",
        "system",
        "naive",
        "4KiB",
        "perflab/results/v1",
    ];
    if m.edit >= 9 {
        // Now and then a value of the wrong type: a parse error naming the file.
        *node = match pick % 3 {
            0 => Value::String(format!("{x}")),
            1 => Value::Null,
            _ => Value::Bool(x > 0.0),
        };
        return;
    }
    match node {
        Value::Number(n) if n.is_u64() => *node = serde_json::json!(x.abs() as u64),
        Value::Number(_) => *node = serde_json::json!(x),
        Value::String(_) => *node = Value::String(STRINGS[pick % STRINGS.len()].to_owned()),
        Value::Null => *node = serde_json::json!(x.abs()),
        Value::Bool(b) => *b = !*b,
        Value::Array(a) if m.edit < 4 => a.truncate(pick % 3),
        Value::Array(a) if !a.is_empty() => {
            let copy = a[pick % a.len()].clone();
            a.push(copy);
        }
        Value::Array(_) => {}
        Value::Object(o) if !o.is_empty() => {
            let key = o.keys().nth(pick % o.len()).cloned();
            if let Some(k) = key {
                o.remove(&k);
            }
        }
        Value::Object(_) => {}
    }
}

/// Every reader, on `r` and the valid `base` both ways round. Panics propagate.
fn read_everything(base: &Results, r: &Results) {
    let t = compare::Thresholds::default();
    for (a, b) in [(base, r), (r, base), (r, r)] {
        let cmp = compare::compare(a, b, t);
        let _ = (cmp.failed(), cmp.count(compare::Verdict::Regression));
        let _ = serde_json::to_string(&cmp);
    }
    let opts = RenderOptions::default();
    for (page, baseline) in [(r, None), (r, Some(base)), (base, Some(r))] {
        let _ = render(page, baseline, &opts);
    }
    let path = |n: &str| PathBuf::from(n);
    for force in [false, true] {
        let _ = merge::merge(
            vec![(path("a"), base.clone()), (path("b"), r.clone())],
            force,
        );
        let _ = merge::merge(
            vec![(path("b"), r.clone()), (path("a"), base.clone())],
            force,
        );
    }
    let _ = export::to_bmf(r);
    let _ = (summary::winners(r), summary::allocator_ratios(r));
    let _ = summary::threads_views(r);
}

/// With cells at two threads and footprints, so the threads view is read from mutated files too.
fn base() -> Results {
    with_threads(
        synthetic(
            &["search", "wordfreq"],
            &["system", "jemalloc"],
            &SIZES[..2],
            6,
        ),
        &[2],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_documents_are_refused_or_read_never_panicking(
        mutations in prop::collection::vec(mutation(), 1..4)
    ) {
        let base = base();
        let mut doc = serde_json::to_value(&base).unwrap();
        for m in &mutations {
            apply(&mut doc, m);
        }
        let file = Path::new("mutated.json");
        match Results::parse(&doc.to_string(), file) {
            Ok(r) => read_everything(&base, &r),
            Err(e) => prop_assert!(e.to_string().contains("mutated.json"), "{e}"),
        }
    }

    #[test]
    fn mutated_text_is_refused_or_read_never_panicking(
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in prop::sample::select(b"{}[],:\"0-9e.-x ".to_vec()),
    ) {
        let base = base();
        let text = serde_json::to_string(&base).unwrap();
        let mut bytes = text.into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        bytes.truncate(bytes.len() - cut.index(bytes.len() / 50 + 1));
        let text = String::from_utf8(bytes).unwrap();
        match Results::parse(&text, Path::new("cut.json")) {
            Ok(r) => read_everything(&base, &r),
            Err(e) => prop_assert!(e.to_string().contains("cut.json"), "{e}"),
        }
    }
}
