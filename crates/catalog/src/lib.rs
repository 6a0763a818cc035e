//! perflab-catalog: the one explicit list of every workload family.
//!
//! The `perflab` binary, the criterion and gungraun benches and the registry-wide tests all
//! start from [`register`], so a kernel added to its crate's `register` function is listed,
//! verified, measured and tested with no further wiring. It is its own small crate because the
//! core crate cannot depend on the kernel crates, and the harness should not. The catalogue is
//! also the first user of perflab's library API: the binary is
//! `perflab::main(perflab_catalog::register_all)`, exactly what a user's crate writes.
#![forbid(unsafe_code)]

use perflab_core::Registry;

#[cfg(feature = "selftest")]
pub mod selftest;

/// Adds every workload family perflab ships, in the order reports list them.
pub fn register(registry: &mut Registry) {
    perflab_bytes::register(registry);
    perflab_parse::register(registry);
    perflab_text::register(registry);
}

/// [`register`], plus the deliberately broken `selftest` workload when the `selftest` feature is
/// on (perflab's own test builds): what the `perflab` binary measures.
pub fn register_all(registry: &mut Registry) {
    register(registry);
    #[cfg(feature = "selftest")]
    registry.add(selftest::family());
}

/// The registry [`register_all`] fills.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    register_all(&mut registry);
    registry
}
