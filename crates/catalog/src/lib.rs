//! perflab-catalog: the one explicit list of every workload family.
//!
//! The CLI, the criterion and gungraun benches and the registry-wide tests all call
//! [`registry`], so a kernel added to its crate's `register` function is listed, verified,
//! measured and tested with no further wiring. It is its own small crate because the core crate
//! cannot depend on the kernel crates, and the harness should not.
#![forbid(unsafe_code)]

use perflab_core::Registry;

#[cfg(feature = "selftest")]
pub mod selftest;

/// Every workload family perflab ships, in the order reports list them.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    perflab_bytes::register(&mut registry);
    perflab_parse::register(&mut registry);
    perflab_text::register(&mut registry);
    #[cfg(feature = "selftest")]
    registry.add(selftest::family());
    registry
}
