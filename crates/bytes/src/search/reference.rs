//! The public crates as yardsticks: what a user gets without writing any SIMD.
//!
//! * `memchr`: `memchr::memchr` for find, and `memchr_iter(..).count()` for count. Since
//!   memchr 2.6 that iterator's `count` is specialised to a vectorised count (compare, movemask,
//!   popcount per vector), so it is the crate's fastest count, not a loop over matches.
//! * `bytecount`: `bytecount::count` (built with `runtime-dispatch-simd`, so it picks AVX2 or
//!   SSE2 at run time) for count, and `memchr::memchr` for find, since bytecount has none.

use super::{Search, SearchInput, SearchOutput};
use perflab_core::{Ctx, Kernel, VariantKind};

/// The `memchr` crate for both halves.
pub struct Memchr;

/// `bytecount` for count, `memchr` for find.
pub struct Bytecount;

impl Kernel<Search> for Memchr {
    fn name(&self) -> &'static str {
        "memchr"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Reference
    }

    fn run(&self, input: &SearchInput, _ctx: &Ctx) -> SearchOutput {
        perflab_core::scope!("search/memchr");
        let h = input.haystack.as_slice();
        let n = input.needle;
        SearchOutput::new(memchr::memchr_iter(n, h).count(), memchr::memchr(n, h))
    }
}

impl Kernel<Search> for Bytecount {
    fn name(&self) -> &'static str {
        "bytecount"
    }

    fn kind(&self) -> VariantKind {
        VariantKind::Reference
    }

    fn run(&self, input: &SearchInput, _ctx: &Ctx) -> SearchOutput {
        perflab_core::scope!("search/bytecount");
        let h = input.haystack.as_slice();
        let n = input.needle;
        SearchOutput::new(bytecount::count(h, n), memchr::memchr(n, h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perflab_core::Workload;

    #[test]
    fn both_agree_on_a_file() {
        let input = Search::from_file(b"x\ny\n").unwrap();
        let ctx = Ctx::new();
        let want = SearchOutput::new(2, Some(1));
        assert_eq!(Memchr.run(&input, &ctx), want);
        assert_eq!(Bytecount.run(&input, &ctx), want);
    }
}
