//! The generic search bound to [`Emulated`], the portable vector of any width: the algorithms'
//! loop bounds, byte-lane flushes and tails are checked against naive at 16, 32 and 64 bytes on
//! any machine, including AVX-512's width where this CPU cannot run AVX-512 itself.

use super::generic::{self, UNROLL, Vector};
use crate::search::naive;
use perflab_core::isa::Emulated;

impl<const N: usize> Vector for Emulated<N> {
    const BYTES: usize = N;

    unsafe fn splat(byte: u8) -> Self {
        Emulated::splat(byte)
    }

    unsafe fn zero() -> Self {
        Emulated::splat(0)
    }

    unsafe fn load(ptr: *const u8) -> Self {
        // SAFETY: the `Vector` contract: `N` readable bytes at `ptr`.
        Emulated::from_slice(unsafe { std::slice::from_raw_parts(ptr, N) })
    }

    unsafe fn cmpeq(self, other: Self) -> Self {
        self.zip(other, |a, b| if a == b { 0xFF } else { 0 })
    }

    unsafe fn or(self, other: Self) -> Self {
        self.zip(other, |a, b| a | b)
    }

    unsafe fn sub_bytes(self, other: Self) -> Self {
        self.zip(other, u8::wrapping_sub)
    }

    unsafe fn movemask(self) -> u64 {
        Emulated::movemask(self)
    }

    unsafe fn sum_bytes_to_u64(self) -> Self {
        Emulated::sum_bytes_to_u64(self)
    }

    unsafe fn add_u64(self, other: Self) -> Self {
        Self::from_lanes_u64(self.lanes_u64().zip(other.lanes_u64()).map(|(a, b)| a + b))
    }

    unsafe fn horizontal_sum_u64(self) -> u64 {
        self.lanes_u64().sum()
    }
}

fn check_width<const N: usize>() {
    let flush = 255 * UNROLL * N;
    let lens = (0..=2 * UNROLL * N + 3).chain([flush - 1, flush, flush + N + 1, 2 * flush + 7]);
    for len in lens {
        let all = vec![9u8; len];
        let mut mixed: Vec<u8> = (0..len).map(|i| (i % 11) as u8).collect();
        if let Some(last) = mixed.last_mut() {
            *last = 42;
        }
        for (data, needle) in [(&all, 9), (&all, 1), (&mixed, 3), (&mixed, 42)] {
            // SAFETY: `Emulated` uses no special instructions.
            let (count, find) = unsafe {
                (
                    generic::count::<Emulated<N>>(data, needle),
                    generic::find::<Emulated<N>>(data, needle),
                )
            };
            assert_eq!(count, naive::count(data, needle), "width {N}, len {len}");
            assert_eq!(find, naive::find(data, needle), "width {N}, len {len}");
        }
    }
}

#[test]
fn generic_algorithms_at_every_vector_width() {
    check_width::<16>();
    check_width::<32>();
    check_width::<64>();
}
