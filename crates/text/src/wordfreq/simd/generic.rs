//! The classification, written once over the small [`Vector`] trait that `sse2.rs` and
//! `avx2.rs` bind to their registers (and `emulated.rs`, in tests, to a plain byte array of any
//! width). The parent module explains the range tests.
// Only the x86_64 bindings instantiate it outside tests so far.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use super::super::table::BlockMask;
use std::marker::PhantomData;

/// The little a classifier needs from a vector register type. Its methods are `unsafe`
/// because they may only run on CPUs with the type's instruction set.
pub(super) trait Vector: Copy {
    /// Bytes per register.
    const BYTES: usize;

    /// Loads `BYTES` bytes from `ptr` (no alignment needed).
    ///
    /// # Safety
    /// `ptr..ptr + BYTES` must be readable, and the CPU must support the type.
    unsafe fn load(ptr: *const u8) -> Self;

    /// Bit `i` set when byte `i` is an ASCII letter or digit.
    ///
    /// # Safety
    /// The CPU must support the type.
    unsafe fn word_bits(self) -> u64;
}

/// The word-byte mask of a 64-byte block, `V::BYTES` bytes at a time.
///
/// # Safety
/// The CPU must support `V`'s instruction set.
#[inline(always)]
pub(super) unsafe fn block_bits<V: Vector>(block: &[u8; 64]) -> u64 {
    let mut bits = 0;
    let mut i = 0;
    while i < 64 {
        // SAFETY: `i + V::BYTES <= 64` because `V::BYTES` divides 64 (16 or 32), so the load
        // stays inside `block`; the caller guarantees the CPU supports `V`.
        let v = unsafe { V::load(block.as_ptr().add(i)) };
        // SAFETY: the caller guarantees the CPU supports `V`.
        bits |= unsafe { v.word_bits() } << i;
        i += V::BYTES;
    }
    bits
}

/// The [`BlockMask`] over vector type `V`, which a per-ISA entry point hands the tokenizer. A
/// value exists only through [`VectorMask::new`], whose callers promise the CPU has `V`'s
/// instruction set: proof of it, wherever the value goes.
pub(super) struct VectorMask<V>(PhantomData<V>);

impl<V: Vector> VectorMask<V> {
    /// The mask over `V`.
    ///
    /// # Safety
    /// The CPU must support `V`'s instruction set.
    #[inline(always)]
    pub(super) unsafe fn new() -> Self {
        VectorMask(PhantomData)
    }
}

impl<V: Vector> BlockMask for VectorMask<V> {
    #[inline(always)]
    fn mask(&self, block: &[u8; 64]) -> u64 {
        // SAFETY: a `VectorMask<V>` exists only when the CPU supports `V` (see `new`).
        unsafe { block_bits::<V>(block) }
    }
}
