//! The search algorithms, written once over the small [`Vector`] trait that `sse2.rs`,
//! `avx2.rs` and `avx512.rs` bind to their registers (and `emulated.rs`, in tests, to a plain
//! byte array of any width). See the parent module for how count and find work.
// Only the x86_64 bindings instantiate it outside tests so far.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

use super::super::swar;

/// The operations the two algorithms need from a vector of bytes.
///
/// Besides the three x86-64 types, the tests implement it for [`perflab_core::isa::Emulated`]
/// of 16, 32 and 64 bytes (`emulated.rs`), so the algorithms' loop bounds, flushes and tails are checked at every width on any
/// machine, including the 64-byte width of AVX-512 where this CPU cannot run AVX-512 itself.
///
/// # Safety
///
/// Every method may use instructions of the implementing ISA: callers must only call them when
/// the CPU supports it (in practice: from inside that ISA's `#[target_feature]` entry point).
pub(super) trait Vector: Copy {
    /// Bytes per vector.
    const BYTES: usize;
    /// Every byte equal to `byte`.
    unsafe fn splat(byte: u8) -> Self;
    /// All zero.
    unsafe fn zero() -> Self;
    /// Loads `BYTES` bytes from `ptr`, which need not be aligned but must be readable.
    unsafe fn load(ptr: *const u8) -> Self;
    /// 0xFF in each byte where `self` and `other` are equal, 0x00 elsewhere.
    unsafe fn cmpeq(self, other: Self) -> Self;
    /// Bitwise OR.
    unsafe fn or(self, other: Self) -> Self;
    /// Byte-wise wrapping subtraction.
    unsafe fn sub_bytes(self, other: Self) -> Self;
    /// The high bit of each byte, byte `i` at bit `i`.
    unsafe fn movemask(self) -> u64;
    /// Sums each group of 8 bytes into the 64-bit lane they occupy (`psadbw` against zero).
    unsafe fn sum_bytes_to_u64(self) -> Self;
    /// 64-bit lane-wise addition.
    unsafe fn add_u64(self, other: Self) -> Self;
    /// The sum of the 64-bit lanes.
    unsafe fn horizontal_sum_u64(self) -> u64;
}

/// Vectors compared per step of both main loops.
pub(super) const UNROLL: usize = 4;

/// Counts bytes of `haystack` equal to `needle`.
///
/// # Safety
///
/// The CPU must support `V`'s instruction set (see [`Vector`]).
#[inline(always)]
pub(super) unsafe fn count<V: Vector>(haystack: &[u8], needle: u8) -> usize {
    let len = haystack.len();
    if len < V::BYTES {
        return swar::count(haystack, needle);
    }
    let ptr = haystack.as_ptr();
    // SAFETY: the caller guarantees the CPU supports `V`'s ISA, which every vector method
    // needs. Every `load` is at `ptr + i` with `i + V::BYTES <= len` (the loop conditions check
    // it; the final overlapping load is at `len - V::BYTES`, and `len >= V::BYTES` here), so no
    // load leaves the slice, and every `ptr.add` stays within it.
    unsafe {
        let splat = V::splat(needle);
        let step = UNROLL * V::BYTES;
        let mut i = 0;
        let mut total = V::zero();
        while len - i >= step {
            // At most 255 steps before a flush, so no byte lane passes 255.
            let steps = ((len - i) / step).min(255);
            let (mut a, mut b, mut c, mut d) = (V::zero(), V::zero(), V::zero(), V::zero());
            for _ in 0..steps {
                let p = ptr.add(i);
                a = a.sub_bytes(V::load(p).cmpeq(splat));
                b = b.sub_bytes(V::load(p.add(V::BYTES)).cmpeq(splat));
                c = c.sub_bytes(V::load(p.add(2 * V::BYTES)).cmpeq(splat));
                d = d.sub_bytes(V::load(p.add(3 * V::BYTES)).cmpeq(splat));
                i += step;
            }
            // Each accumulator is summed on its own: two lanes of 255 would overflow a byte.
            total = total
                .add_u64(a.sum_bytes_to_u64())
                .add_u64(b.sum_bytes_to_u64())
                .add_u64(c.sum_bytes_to_u64())
                .add_u64(d.sum_bytes_to_u64());
        }
        // Fewer than UNROLL whole vectors remain: at most 3 per lane.
        let mut rest = V::zero();
        while len - i >= V::BYTES {
            rest = rest.sub_bytes(V::load(ptr.add(i)).cmpeq(splat));
            i += V::BYTES;
        }
        let mut count = total.add_u64(rest.sum_bytes_to_u64()).horizontal_sum_u64() as usize;
        if i < len {
            // The last `len - i` bytes: load the final whole vector (len >= V::BYTES) and drop
            // the mask bits of the bytes before `i`, which were already counted.
            let seen = V::BYTES - (len - i);
            let mask = V::load(ptr.add(len - V::BYTES)).cmpeq(splat).movemask() >> seen;
            count += mask.count_ones() as usize;
        }
        count
    }
}

/// Finds the first byte of `haystack` equal to `needle`.
///
/// # Safety
///
/// The CPU must support `V`'s instruction set (see [`Vector`]).
#[inline(always)]
pub(super) unsafe fn find<V: Vector>(haystack: &[u8], needle: u8) -> Option<usize> {
    let len = haystack.len();
    if len < V::BYTES {
        return swar::find(haystack, needle);
    }
    let ptr = haystack.as_ptr();
    // SAFETY: the caller guarantees the CPU supports `V`'s ISA, which every vector method
    // needs. Every `load` is at `ptr + i` with `i + V::BYTES <= len` (the loop conditions check
    // it; the final overlapping load is at `len - V::BYTES`, and `len >= V::BYTES` here), so no
    // load leaves the slice, and every `ptr.add` stays within it.
    unsafe {
        let splat = V::splat(needle);
        let step = UNROLL * V::BYTES;
        let mut i = 0;
        while len - i >= step {
            let p = ptr.add(i);
            let a = V::load(p).cmpeq(splat);
            let b = V::load(p.add(V::BYTES)).cmpeq(splat);
            let c = V::load(p.add(2 * V::BYTES)).cmpeq(splat);
            let d = V::load(p.add(3 * V::BYTES)).cmpeq(splat);
            if a.or(b).or(c.or(d)).movemask() != 0 {
                for (k, v) in [a, b, c, d].into_iter().enumerate() {
                    let mask = v.movemask();
                    if mask != 0 {
                        return Some(i + k * V::BYTES + mask.trailing_zeros() as usize);
                    }
                }
            }
            i += step;
        }
        while len - i >= V::BYTES {
            let mask = V::load(ptr.add(i)).cmpeq(splat).movemask();
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += V::BYTES;
        }
        if i < len {
            // As in count: the final whole vector, minus the bytes already searched.
            let seen = V::BYTES - (len - i);
            let mask = V::load(ptr.add(len - V::BYTES)).cmpeq(splat).movemask() >> seen;
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
        }
        None
    }
}
