//! The common case made short: a workload whose input is one buffer of bytes.
//!
//! Most kernels people bring (a validator, a decoder, a checksum, a search) read a byte slice.
//! For them, [`ByteWorkload`] fills in everything [`Workload`] asks besides a name, a summary and
//! an output type: the input lives in a [`ByteInput`] (so the harness can move it between rounds,
//! see [`Placement`]), a user's file is used as it is, throughput counts its bytes, and generated
//! input is random bytes unless the workload says otherwise.

use crate::{ByteInput, InputError, Placement, Rng, Workload};
use serde::Serialize;
use std::fmt::Debug;

/// A workload over one buffer of bytes; implementing it implements [`Workload`].
///
/// ```
/// use perflab_core::{ByteWorkload, Family, Registry, VariantKind, bytes_kernel};
///
/// /// Counts zero bytes.
/// struct Zeros;
/// impl ByteWorkload for Zeros {
///     const NAME: &'static str = "zeros";
///     const SUMMARY: &'static str = "number of zero bytes";
///     type Output = usize;
/// }
///
/// let mut registry = Registry::new();
/// registry.add(
///     Family::<Zeros>::new(bytes_kernel("naive", VariantKind::Naive, |b| {
///         b.iter().filter(|&&x| x == 0).count()
///     }))
///     .with(bytes_kernel("chunks", VariantKind::Optimized, |b| {
///         b.chunks(64).map(|c| c.iter().filter(|&&x| x == 0).count()).sum()
///     })),
/// );
/// assert_eq!(registry.check(), Ok(()));
/// ```
pub trait ByteWorkload: Send + Sync + 'static {
    /// The name on the command line and in result ids (ASCII letters, digits, `-_.+`).
    const NAME: &'static str;
    /// One line saying what the workload computes.
    const SUMMARY: &'static str;
    /// The output summary; variants must agree on it exactly.
    type Output: Eq + Debug + Serialize + Send + Sync + 'static;

    /// See [`Workload::SPANS_THREADS`]: its kernels work on threads of their own too.
    const SPANS_THREADS: bool = false;
    /// Byte strings its author knows to be hard for its kernels (a character cut at the end, a
    /// run that crosses a 16-byte boundary), which [`crate::check()`] runs every variant on at
    /// every misalignment, besides the generated inputs. None by default.
    const EDGE_CASES: &'static [&'static [u8]] = &[];

    /// The bytes of a generated input of about `size` bytes, fully determined by
    /// `(size, seed)`. Default: `size` uniformly random bytes from [`Rng`]. Override it when
    /// random bytes are not what the kernel meets in practice (text, valid UTF-8, hex digits).
    fn generate_bytes(size: usize, seed: u64) -> Vec<u8> {
        let mut bytes = vec![0; size];
        Rng::new(seed).fill_bytes(&mut bytes);
        bytes
    }
}

/// Every [`ByteWorkload`] is a [`Workload`] over a [`ByteInput`] that relocates (so the engine
/// re-draws its placement every round), takes any file, and counts its bytes for throughput.
impl<T: ByteWorkload> Workload for T {
    const NAME: &'static str = <T as ByteWorkload>::NAME;
    const SUMMARY: &'static str = <T as ByteWorkload>::SUMMARY;
    type Input = ByteInput;
    type Output = <T as ByteWorkload>::Output;
    const SPANS_THREADS: bool = <T as ByteWorkload>::SPANS_THREADS;

    fn generate(size: usize, seed: u64) -> ByteInput {
        ByteInput::new(&T::generate_bytes(size, seed))
    }

    fn from_file(data: &[u8]) -> Result<ByteInput, InputError> {
        Ok(ByteInput::new(data))
    }

    fn input_bytes(input: &ByteInput) -> usize {
        input.len()
    }

    fn relocated(input: &ByteInput, place: Placement) -> Option<ByteInput> {
        Some(input.relocated_to(place))
    }

    fn misaligned(input: &ByteInput, offset: usize) -> Option<ByteInput> {
        Some(ByteInput::with_misalignment(input.as_slice(), offset))
    }

    fn edge_cases() -> Vec<ByteInput> {
        T::EDGE_CASES.iter().map(|b| ByteInput::new(b)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{Sum, sum};
    use crate::{Ctx, Family, InputSource, Kernel, Registry, VariantKind, bytes_kernel};

    #[test]
    fn defaults_fill_in_the_workload() {
        let input = <Sum as Workload>::generate(1000, 7);
        assert_eq!(<Sum as Workload>::input_bytes(&input), 1000);
        assert_eq!(input, <Sum as Workload>::generate(1000, 7), "deterministic");
        let moved = <Sum as Workload>::relocated(&input, Placement::at(128)).unwrap();
        assert_eq!(moved, input);
        assert_eq!(moved.page_offset(), 128);
        let file = <Sum as Workload>::from_file(b"abc").unwrap();
        assert_eq!(file.as_slice(), b"abc");

        let naive = bytes_kernel("naive", VariantKind::Naive, sum);
        assert_eq!(Kernel::<Sum>::run(&naive, &file, &Ctx::new()), 294);
        let mut r = Registry::new();
        r.add(Family::<Sum>::new(naive));
        let w = r.get("sum").unwrap();
        let mut prepared = w.prepare(&InputSource::generated(4096)).unwrap();
        assert!(prepared.relocate(Placement::at(64)), "byte inputs relocate");
    }
}
