//! perflab-bytes: kernels over raw bytes, where SIMD and word-at-a-time tricks matter most.
//!
//! Each family lives in its own folder with one variant per file, so the tree shows the idea:
//! naive, optimized (scalar), simd (per-ISA thin bindings over one algorithm) and reference
//! (the best public crate).

pub mod checksum;
pub mod search;

use perflab_core::Registry;

/// Adds this crate's workload families to the registry.
pub fn register(registry: &mut Registry) {
    registry.add(search::family());
    registry.add(checksum::family());
}
