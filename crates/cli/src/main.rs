//! The `perflab` binary: perflab's command line on perflab's own catalogue.
//!
//! It is exactly what a user's crate writes for its own kernels (see the `perflab` crate docs):
//! the global allocator line and one call of [`perflab::main`].

/// Every allocation of this process goes through the allocator chosen by `PERFLAB_ALLOCATOR`
/// (system, jemalloc or mimalloc), counted; see perflab-alloc for why one binary serves all three.
#[global_allocator]
static GLOBAL: perflab::Allocator = perflab::Allocator::new();

fn main() -> std::process::ExitCode {
    perflab::main(perflab_catalog::register_all)
}
