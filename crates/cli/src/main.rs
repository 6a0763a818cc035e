//! The `perflab` binary: perflab's command line on perflab's own catalogue.
//!
//! It is exactly what a user's crate writes for its own kernels (see the `perflab` crate docs):
//! one line declaring perflab's global allocator (the allocator `PERFLAB_ALLOCATOR` names, counted;
//! see perflab-alloc for why one binary serves all three) and `main` on a registry.

perflab::main!(perflab_catalog::register_all);
