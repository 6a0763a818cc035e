//! Kernels from plain functions, so a variant is one line in its family instead of a type with
//! a `Kernel` impl.
//!
//! The function is a type parameter (a closure or a function item, each its own zero-sized
//! type), not a function pointer: the harness's timed loop is monomorphised per kernel and calls
//! it statically, so it can be inlined exactly as a hand-written `Kernel::run` would be.

use crate::{ByteInput, Ctx, Kernel, VariantKind, Workload};

/// A kernel of any workload made from `Fn(&Input, &Ctx) -> Output`; see [`kernel`].
#[derive(Clone, Copy)]
pub struct FnKernel<F> {
    name: &'static str,
    kind: VariantKind,
    supported: fn() -> bool,
    run: F,
}

/// A kernel named `name`, of `kind`, computing `run(input, ctx)`. Arena kernels allocate from
/// `ctx.arena()`.
///
/// ```
/// use perflab_core::{ByteInput, Ctx, VariantKind, kernel};
/// let naive = kernel("naive", VariantKind::Naive, |input: &ByteInput, _: &Ctx| input.len());
/// # let _ = naive;
/// ```
pub fn kernel<F>(name: &'static str, kind: VariantKind, run: F) -> FnKernel<F> {
    FnKernel {
        name,
        kind,
        supported: always,
        run,
    }
}

/// A kernel of a workload whose input is a [`ByteInput`] (every
/// [`ByteWorkload`](crate::ByteWorkload)), computing `run(bytes)`.
///
/// ```
/// use perflab_core::{VariantKind, bytes_kernel};
/// let naive = bytes_kernel("naive", VariantKind::Naive, |b| b.iter().filter(|&&x| x == b'\n').count());
/// # let _ = naive;
/// ```
pub fn bytes_kernel<F, O>(
    name: &'static str,
    kind: VariantKind,
    run: F,
) -> FnKernel<impl Fn(&ByteInput, &Ctx) -> O + Send + Sync + 'static>
where
    F: Fn(&[u8]) -> O + Send + Sync + 'static,
{
    // A kernel over the input's bytes: the same statically dispatched `FnKernel`, one call
    // deeper (inlined like the rest).
    kernel(name, kind, move |input: &ByteInput, _: &Ctx| {
        run(input.as_slice())
    })
}

fn always() -> bool {
    true
}

impl<F> FnKernel<F> {
    /// Runs only where `detect` says this CPU can (runtime feature detection, e.g.
    /// `|| is_x86_feature_detected!("avx2")`); elsewhere the variant is listed as unsupported.
    pub fn supported_if(mut self, detect: fn() -> bool) -> Self {
        self.supported = detect;
        self
    }
}

impl<W, F> Kernel<W> for FnKernel<F>
where
    W: Workload,
    F: Fn(&W::Input, &Ctx) -> W::Output + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn kind(&self) -> VariantKind {
        self.kind
    }

    fn supported(&self) -> bool {
        (self.supported)()
    }

    #[inline]
    fn run(&self, input: &W::Input, ctx: &Ctx) -> W::Output {
        (self.run)(input, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{Sum, sum};
    use crate::{Family, Registry, VariantInfo};

    #[test]
    fn function_kernels_report_what_they_were_given() {
        let mut r = Registry::new();
        r.add(
            Family::<Sum>::new(kernel(
                "naive",
                VariantKind::Naive,
                |v: &ByteInput, _: &Ctx| sum(v.as_slice()),
            ))
            .with(bytes_kernel("never", VariantKind::Simd, sum).supported_if(|| false)),
        );
        assert_eq!(r.check(), Ok(()));
        assert_eq!(
            r.get("sum").unwrap().variants(),
            [
                VariantInfo {
                    name: "naive",
                    kind: VariantKind::Naive,
                    supported: true
                },
                VariantInfo {
                    name: "never",
                    kind: VariantKind::Simd,
                    supported: false
                }
            ]
        );
    }
}
