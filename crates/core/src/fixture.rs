//! The workload and kernel perflab's own tests measure, written once for every crate's tests: a
//! sum of bytes, and variants of it whose behaviour a test chooses (right, wrong, panicking,
//! unsupported, slower by a known factor, or a rule of the test's own).
//!
//! Not part of perflab's API. It is compiled for this crate's tests and, behind the `fixture`
//! feature, for the tests of crates that name it in their dev-dependencies, so it never reaches
//! a user's build.

use crate::{ByteInput, ByteWorkload, Ctx, Family, Kernel, Registry, VariantKind};
use std::hint::black_box;

/// Sums the bytes of its input. A [`ByteWorkload`], so its input relocates and misaligns the way
/// the catalogue's byte inputs do.
pub struct Sum;

impl ByteWorkload for Sum {
    const NAME: &'static str = "sum";
    const SUMMARY: &'static str = "sum of bytes";
    type Output = u64;
    /// One edge case, so that [`crate::check()`] has one to run: more 255s than a `u8` total holds.
    const EDGE_CASES: &'static [&'static [u8]] = &[&[0xff; 300]];
}

/// The sum of `bytes`, one addition at a time (each through `black_box`, so the compiler cannot
/// vectorise it): a variant that makes n more passes takes about n + 1 times as long as naive.
pub fn sum(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .map(|&b| u64::from(b))
        .fold(0, |total, b| black_box(total + b))
}

/// What a [`Variant`] does when it is run.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// The right sum, as naive computes it.
    Right,
    /// The right sum plus this: a wrong answer that verification must catch.
    Wrong(u64),
    /// Panics with this message.
    Panics(&'static str),
    /// Says this CPU cannot run it (and sums rightly if run anyway).
    Unsupported,
    /// The right sum after this many more passes over the input: right, and slower by a known
    /// factor.
    Slower(u32),
    /// The right sum of a copy made in the arena, which the harness must reset between calls.
    InArena,
    /// Whatever this function returns for the input's bytes: a test's own rule (right only on
    /// some threads, or only for the first calls).
    Custom(fn(&[u8]) -> u64),
}

/// A kernel of [`Sum`]: a name, a kind and a [`Behaviour`].
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// The variant's name in its family.
    pub name: &'static str,
    /// The kind it claims to be.
    pub kind: VariantKind,
    /// What it does when run.
    pub behaviour: Behaviour,
}

impl Variant {
    /// The variant `name` of `kind`, doing what `behaviour` says.
    pub const fn new(name: &'static str, kind: VariantKind, behaviour: Behaviour) -> Self {
        Variant {
            name,
            kind,
            behaviour,
        }
    }
}

/// The naive variant every family starts with: the right sum.
pub const NAIVE: Variant = Variant::new("naive", VariantKind::Naive, Behaviour::Right);

impl Kernel<Sum> for Variant {
    fn name(&self) -> &'static str {
        self.name
    }

    fn kind(&self) -> VariantKind {
        self.kind
    }

    fn supported(&self) -> bool {
        !matches!(self.behaviour, Behaviour::Unsupported)
    }

    fn run(&self, input: &ByteInput, ctx: &Ctx) -> u64 {
        let bytes = input.as_slice();
        match self.behaviour {
            Behaviour::Right | Behaviour::Unsupported => sum(bytes),
            Behaviour::Wrong(by) => sum(bytes) + by,
            Behaviour::Panics(message) => panic!("{message}"),
            Behaviour::Slower(passes) => {
                // Each pass over an input the compiler cannot see is the same one.
                for _ in 0..passes {
                    black_box(sum(black_box(bytes)));
                }
                sum(bytes)
            }
            Behaviour::InArena => sum(ctx.arena().alloc_slice_copy(bytes)),
            Behaviour::Custom(run) => run(bytes),
        }
    }
}

/// The family of `variants`, in order; the first is the one a family must start with (naive,
/// unless a test checks that a family without it is refused).
///
/// # Panics
/// When `variants` is empty.
pub fn family(variants: impl IntoIterator<Item = Variant>) -> Family<Sum> {
    let mut variants = variants.into_iter();
    let first = variants.next().expect("a family has a first variant");
    variants.fold(Family::new(first), Family::with)
}

/// A registry holding [`family`]`(variants)` alone.
pub fn registry(variants: impl IntoIterator<Item = Variant>) -> Registry {
    let mut registry = Registry::new();
    registry.add(family(variants));
    registry
}
