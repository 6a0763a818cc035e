//! `perflab list`: what can be measured here, so a user knows before a run what it will cover.

use crate::cmd::{ALLOCATOR_LINE, Outcome, Session};
use anyhow::Result;
use perflab_harness::table::{Column, Table};
use serde_json::json;

/// Arguments of `perflab list`.
#[derive(clap::Args)]
pub struct Args {
    /// Print one JSON document instead of a table.
    #[arg(long)]
    json: bool,
}

/// Prints the registry.
pub fn run(args: Args, session: &Session) -> Result<Outcome> {
    let registry = &session.registry;
    if args.json {
        let workloads: Vec<_> = registry
            .workloads()
            .iter()
            .map(
                |w| json!({"workload": w.name(), "summary": w.summary(), "variants": w.variants()}),
            )
            .collect();
        let doc = json!({
            "allocator": perflab_alloc::selected().name(),
            "allocator_proof": perflab_alloc::proof(),
            "allocator_installed": session.allocator_installed,
            "simd_features": perflab_harness::env::simd_features(),
            "workloads": workloads,
        });
        outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(Outcome::Success);
    }
    if session.allocator_installed {
        let proof = perflab_alloc::proof();
        outln!(
            "allocator: {} ({}; choose with PERFLAB_ALLOCATOR=system|jemalloc|mimalloc)",
            perflab_alloc::selected().name(),
            if proof.confirmed() {
                "confirmed by the allocator itself"
            } else {
                "NOT confirmed"
            }
        );
    } else {
        outln!(
            "allocator: NOT perflab's: only `system` can be measured and allocations are not counted (add `{ALLOCATOR_LINE}`)"
        );
    }
    outln!(
        "SIMD features: {}\n",
        perflab_harness::env::simd_features().join(" ")
    );
    let mut workloads = Table::new([Column::left("workload"), Column::left("summary")]);
    let mut variants = Table::new(["workload", "variant", "kind", "supported"].map(Column::left));
    for w in registry.workloads() {
        workloads.push_row([w.name(), w.summary()]);
        for v in w.variants() {
            let supported = if v.supported {
                "yes"
            } else {
                "not on this CPU"
            };
            variants.push_row([w.name(), v.name, v.kind.as_str(), supported]);
        }
    }
    outln!("{}\n\n{}", workloads.terminal(), variants.terminal());
    Ok(Outcome::Success)
}
