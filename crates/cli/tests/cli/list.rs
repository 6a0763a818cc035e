//! `perflab list`: every kind of variant is listed, with the allocator the binary runs under.

use crate::common::{perflab, run_ok};
use serde_json::Value;

#[test]
fn list_json_shows_every_kind_and_the_allocator() {
    let o = run_ok(&["list", "--json"]);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["allocator"], "system");
    assert_eq!(doc["allocator_proof"]["owner"], "system");
    let mut kinds: Vec<String> = doc["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["workload"] != "selftest")
        .flat_map(|w| w["variants"].as_array().unwrap().clone())
        .map(|v| v["kind"].as_str().unwrap().to_owned())
        .collect();
    kinds.sort();
    kinds.dedup();
    for k in ["naive", "optimized", "simd", "arena", "reference"] {
        assert!(kinds.iter().any(|x| x == k), "no {k} variant: {kinds:?}");
    }
    let o = perflab()
        .args(["list", "--json"])
        .env("PERFLAB_ALLOCATOR", "jemalloc")
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["allocator_proof"]["owner"], "jemalloc");
}
