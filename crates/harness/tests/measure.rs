//! The measurement engine on a test-only registry: statuses, interleaving, sharding.

use perflab_core::{Ctx, Family, InputError, InputSource, Kernel, Registry, VariantKind, Workload};
use perflab_harness::measure::measure_group;
use perflab_harness::plan::{Group, Preset, Selection, parse_shard, plan};
use perflab_harness::results::CellStatus;
use std::time::Duration;

struct Sum;
impl Workload for Sum {
    const NAME: &'static str = "sum";
    const SUMMARY: &'static str = "sum of bytes";
    type Input = Vec<u8>;
    type Output = u64;
    fn generate(size: usize, seed: u64) -> Vec<u8> {
        let mut v = vec![0; size];
        perflab_core::Rng::new(seed).fill_bytes(&mut v);
        v
    }
    fn from_file(data: &[u8]) -> Result<Vec<u8>, InputError> {
        Ok(data.to_vec())
    }
    fn input_bytes(input: &Vec<u8>) -> usize {
        input.len()
    }
}

/// `mode`: 0 correct, 1 wrong answer, 2 panics, 3 unsupported, 4 correct but twice the work.
struct K(&'static str, VariantKind, u8);
impl Kernel<Sum> for K {
    fn name(&self) -> &'static str {
        self.0
    }
    fn kind(&self) -> VariantKind {
        self.1
    }
    fn supported(&self) -> bool {
        self.2 != 3
    }
    fn run(&self, input: &Vec<u8>, _: &Ctx) -> u64 {
        let sum = |v: &[u8]| {
            v.iter()
                .map(|&b| u64::from(b))
                .fold(0u64, |a, b| std::hint::black_box(a + b))
        };
        match self.2 {
            1 => sum(input) + 1,
            2 => panic!("deliberate"),
            4 => {
                std::hint::black_box(sum(input));
                sum(input)
            }
            _ => sum(input),
        }
    }
}

fn registry() -> Registry {
    let mut r = Registry::new();
    r.add(
        Family::<Sum>::new(K("naive", VariantKind::Naive, 0))
            .with(K("slow", VariantKind::Optimized, 4))
            .with(K("wrong", VariantKind::Optimized, 1))
            .with(K("panics", VariantKind::Simd, 2))
            .with(K("future", VariantKind::Simd, 3)),
    );
    r
}

fn settings() -> perflab_harness::plan::Settings {
    perflab_harness::plan::Settings {
        warmup: Duration::from_millis(5),
        sample_target: Duration::from_micros(200),
        min_samples: 9,
        max_samples: 9,
        group_budget: Duration::from_millis(50),
    }
}

#[test]
fn every_status_and_a_paired_speedup() {
    let r = registry();
    let group = Group {
        workload: "sum".into(),
        allocator: "system".into(),
        size: "16KiB".into(),
        size_bytes: Some(16 << 10),
        variants: ["naive", "slow", "wrong", "panics", "future"]
            .map(String::from)
            .to_vec(),
        kinds: vec![],
    };
    let cells = measure_group(
        r.get("sum").unwrap().as_ref(),
        &group,
        &InputSource::generated(16 << 10),
        &settings(),
        None,
        &mut |_| {},
    );
    let st: Vec<_> = cells
        .iter()
        .map(|c| (c.variant.as_str(), c.status))
        .collect();
    assert_eq!(
        st,
        [
            ("naive", CellStatus::Ok),
            ("slow", CellStatus::Ok),
            ("wrong", CellStatus::Failed),
            ("panics", CellStatus::Failed),
            ("future", CellStatus::Unsupported),
        ]
    );
    assert!(
        cells[2]
            .error
            .as_ref()
            .unwrap()
            .contains("differs from naive")
    );
    assert!(cells[3].error.as_ref().unwrap().contains("deliberate"));
    for c in &cells[..2] {
        assert_eq!(c.samples_ns.len(), 9);
        assert_eq!(c.size_bytes, 16 << 10);
        assert!(c.median_ns.unwrap() > 0.0);
        let [lo, hi] = c.ci95_ns.unwrap();
        assert!(lo <= c.median_ns.unwrap() && c.median_ns.unwrap() <= hi);
        assert!(c.iters_per_sample >= 1);
        assert_eq!(c.id, format!("sum/{}/system/16KiB", c.variant));
    }
    assert_eq!(cells[0].speedup_vs_naive.unwrap().median, 1.0);
    // "slow" does the work twice: its speed-up must be clearly below 1 (about 0.5).
    let s = cells[1].speedup_vs_naive.unwrap().median;
    assert!(s < 0.8, "speed-up of the slowed variant was {s}");
    assert!(cells[2].samples_ns.is_empty() && cells[2].median_ns.is_none());
}

#[test]
fn shards_partition_the_plan() {
    let r = registry();
    let sel = |shard| Selection {
        sizes: Preset::Quick.sizes(),
        shard,
        ..Selection::default()
    };
    let all = plan(&r, &sel(None)).unwrap();
    assert_eq!(all.len(), 3 * 4);
    let mut joined: Vec<Group> = (1..=3)
        .flat_map(|i| plan(&r, &sel(Some((i, 3)))).unwrap())
        .collect();
    joined.sort_by_key(|g| format!("{g:?}"));
    let mut sorted = all.clone();
    sorted.sort_by_key(|g| format!("{g:?}"));
    assert_eq!(joined, sorted);
    assert_eq!(parse_shard("2/4"), Ok((2, 4)));
    for bad in ["0/2", "3/2", "x", "1/0", "1-2"] {
        assert!(parse_shard(bad).is_err(), "{bad}");
    }
}

#[test]
fn filters_name_the_unknown_and_keep_naive() {
    let r = registry();
    let mut sel = Selection {
        sizes: vec![1024],
        variants: vec!["slow".into()],
        allocators: vec!["jemalloc".into()],
        ..Selection::default()
    };
    let groups = plan(&r, &sel).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].variants, ["naive", "slow"]);
    assert_eq!(groups[0].allocator, "jemalloc");
    sel.variants = vec!["nope".into()];
    assert!(
        plan(&r, &sel)
            .unwrap_err()
            .to_string()
            .contains("unknown variant `nope`")
    );
    sel.variants.clear();
    sel.allocators = vec!["tcmalloc".into()];
    let e = plan(&r, &sel).unwrap_err().to_string();
    assert!(e.contains("system, jemalloc, mimalloc"), "{e}");
    sel.allocators.clear();
    sel.workloads = vec!["nope".into()];
    assert!(
        plan(&r, &sel)
            .unwrap_err()
            .to_string()
            .contains("expected one of: sum")
    );
}
