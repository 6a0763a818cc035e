//! perflab-text: text kernels, where tokenizing, hashing and interning decide speed.

use perflab_core::Registry;

/// Adds this crate's workload families to the registry.
pub fn register(registry: &mut Registry) {
    let _ = registry;
}
