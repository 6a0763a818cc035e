//! perflab-parse: parsers of binary and line-oriented input, where allocation habits
//! (per-message `Vec`s, `String` fields, borrowed slices, `SmallVec`, arenas) decide speed; and
//! [`handoff`], where parsed records cross threads and the allocator's cross-thread frees do.
//!
//! Each family lives in its own folder with one variant per file. Bad input is a typed error or a
//! counted reject, never a panic. Unsafe code is denied everywhere except the SIMD scanner
//! ([`scan`]), which allows it locally and justifies every block.
#![deny(unsafe_code)]

pub mod frames;
pub mod handoff;
pub mod logs;
pub mod scan;
pub mod tags;

use perflab_core::Registry;

/// Adds this crate's workload families to the registry.
pub fn register(registry: &mut Registry) {
    registry.add(frames::family());
    registry.add(tags::family());
    registry.add(logs::family());
    registry.add(handoff::family());
}
