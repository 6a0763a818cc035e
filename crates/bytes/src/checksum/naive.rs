//! The naive Adler-32: the definition read literally, one byte and two divisions at a time.
//!
//! It is the oracle every other variant is checked against, so it is written to be obviously
//! right rather than fast.

use super::{MOD, join, split};

/// The naive kernel.
pub struct Naive;

/// Continues `adler` over `data`, reducing both sums modulo 65521 after every byte.
pub fn update(adler: u32, data: &[u8]) -> u32 {
    let (mut a, mut b) = split(adler);
    for &byte in data {
        a = (a + u32::from(byte)) % MOD;
        b = (b + a) % MOD;
    }
    join(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_rfc_1950_examples() {
        assert_eq!(update(1, b""), 1);
        assert_eq!(update(1, b"a"), 0x0062_0062);
        assert_eq!(update(1, b"abc"), 0x024D_0127);
        assert_eq!(update(1, b"Wikipedia"), 0x11E6_0398);
    }
}
