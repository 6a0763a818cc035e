//! `cargo bench -p perflab-benches`: the whole catalogue under system, jemalloc and mimalloc in
//! turn (the target runs itself once per allocator; `PERFLAB_ALLOCATOR=jemalloc` keeps one).
//!
//! The benchmarks themselves live in `perflab_benches`; a user's crate writes the same line with
//! its own registration (`perflab::bench!(my_crate::register)`).

perflab_benches::all!(perflab_catalog::register);
