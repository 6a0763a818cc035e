//! The five kinds of implementation perflab compares, so reports can group and filter by them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What sort of implementation a variant is.
///
/// The kind is how a user asks "show me only the SIMD variants" and how the report computes
/// speed-up over the naive baseline, so every variant declares exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum VariantKind {
    /// The obvious, idiomatic implementation: the oracle every other variant is checked against.
    Naive,
    /// Scalar code made fast: better algorithms, fewer allocations, word-at-a-time tricks.
    Optimized,
    /// Explicit `std::arch` vector code with runtime feature detection.
    Simd,
    /// Allocates from the per-iteration `bumpalo::Bump` the harness hands it.
    Arena,
    /// The best public crate for the job, as a yardstick.
    Reference,
}

impl VariantKind {
    /// Every kind, in the order reports list them.
    pub const ALL: [VariantKind; 5] = [
        VariantKind::Naive,
        VariantKind::Optimized,
        VariantKind::Simd,
        VariantKind::Arena,
        VariantKind::Reference,
    ];

    /// The lower-case name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            VariantKind::Naive => "naive",
            VariantKind::Optimized => "optimized",
            VariantKind::Simd => "simd",
            VariantKind::Arena => "arena",
            VariantKind::Reference => "reference",
        }
    }
}

impl fmt::Display for VariantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that is not one of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variant kind `{0}` (expected one of: naive, optimized, simd, arena, reference)")]
pub struct UnknownKind(pub String);

impl FromStr for VariantKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VariantKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in VariantKind::ALL {
            assert_eq!(k.as_str().parse::<VariantKind>(), Ok(k));
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
        }
        assert!("fast".parse::<VariantKind>().is_err());
    }
}
