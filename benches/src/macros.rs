//! The bench targets, written once: a target is one line naming a registration function, and an
//! allocator for a target of one allocator only.
//!
//! perflab's own `benches/benches/*.rs` and a user's `benches/*.rs` expand the same macros, so
//! the catalogue's benches are exactly what a user gets for their own kernels.

/// A criterion bench target over a registry under every allocator: the `#[global_allocator]`
/// (chosen by `PERFLAB_ALLOCATOR`, counted) and `fn main`, which runs the target once per
/// allocator (see [`main_all`](crate::main_all)). `perflab::bench!` is this macro.
///
/// `$register` is a `fn(&mut Registry)`; the target needs `harness = false`:
///
/// ```toml
/// [[bench]]
/// name = "criterion"
/// harness = false
/// ```
///
/// ```ignore
/// perflab_benches::all!(perflab_catalog::register);
/// ```
#[macro_export]
macro_rules! all {
    ($register:expr $(,)?) => {
        #[global_allocator]
        static PERFLAB_BENCH_ALLOCATOR: $crate::__alloc::PerflabAllocator =
            $crate::__alloc::PerflabAllocator::new();

        fn main() {
            $crate::main_all($register)
        }
    };
}

/// A criterion bench target over a registry under one allocator: the `#[global_allocator]`
/// (fixed to that allocator, counted) and `fn main`.
///
/// `$allocator` is `System`, `Jemalloc` or `Mimalloc`; `$register` is a `fn(&mut Registry)`
/// (see [`Register`](crate::Register)). The target needs `harness = false` in Cargo.toml:
///
/// ```toml
/// [[bench]]
/// name = "jemalloc"
/// harness = false
/// ```
///
/// ```ignore
/// perflab::bench::main!(Jemalloc, my_crate::register);
/// ```
#[macro_export]
macro_rules! main {
    ($allocator:ident, $register:expr $(,)?) => {
        #[global_allocator]
        static PERFLAB_BENCH_ALLOCATOR: $crate::__alloc::PerflabAllocator =
            $crate::__alloc::PerflabAllocator::fixed($crate::__alloc::Allocator::$allocator);

        fn main() {
            $crate::main($crate::__alloc::Allocator::$allocator, $register)
        }
    };
}

/// A gungraun bench target over a registry: callgrind instruction counts of every supported
/// variant at 64KiB (see [`instructions`](crate::instructions)). Needs valgrind and
/// `gungraun-runner` of the same version as gungraun (0.20.0), and `harness = false`;
/// benchmarks are named `all_<n>`, which
/// [`instructions::describe`](crate::instructions::describe) maps back to variants.
///
/// ```ignore
/// perflab::bench::instructions!(my_crate::register);
/// ```
#[macro_export]
macro_rules! instructions {
    ($register:expr $(,)?) => {
        // gungraun's macros expand to paths starting with `gungraun::`; this makes them resolve
        // without the user's crate depending on gungraun itself.
        use $crate::gungraun;

        #[gungraun::library_benchmark]
        #[benches::all(iter = $crate::instructions::cases($register), setup = $crate::instructions::setup)]
        fn variant(ready: $crate::instructions::Ready) -> $crate::instructions::Ready {
            ::std::hint::black_box($crate::instructions::run(::std::hint::black_box(ready)))
        }

        gungraun::library_benchmark_group!(name = registry; benchmarks = variant);

        gungraun::main!(library_benchmark_groups = registry);
    };
}
