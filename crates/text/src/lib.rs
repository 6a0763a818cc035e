//! perflab-text: text kernels, where tokenizing, hashing and interning decide speed.

use perflab_core::Registry;

pub mod wordfreq;

/// Adds this crate's workload families to the registry.
pub fn register(registry: &mut Registry) {
    registry.add(wordfreq::family());
}
