//! Evidence, from the allocators themselves, of which one really serves the global allocator.
//!
//! A benchmark labelled `jemalloc` that silently ran on glibc would be worse than none, so the
//! harness can record this next to its results. We allocate a probe block through the global
//! allocator and ask each allocator whether it made it: jemalloc's own statistics
//! (`stats.allocated` after an epoch advance), mimalloc's page map (`mi_is_in_heap_region`,
//! `mi_usable_size`), and on glibc `mallinfo2` (bytes in use). Each question is safe to ask about
//! a foreign pointer or without the allocator ever having been used.

use std::alloc::Layout;
use std::fmt;

use serde::Serialize;

use crate::select::{self, Allocator};

/// Size of the probe block: large enough to stand out from any other thread's small allocations.
pub const PROBE_BYTES: usize = 4 << 20;

/// The probe block's layout (64-byte aligned: every allocator serves that without special paths).
const PROBE_LAYOUT: Layout = match Layout::from_size_align(PROBE_BYTES, 64) {
    Ok(layout) => layout,
    Err(_) => panic!("constant probe layout is valid"),
};

/// What each allocator said about one probe block allocated through the global allocator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// The allocator in effect according to the selection ([`crate::selected`]).
    pub selected: Allocator,
    /// The allocator that claimed the probe block, if exactly one did.
    pub owner: Option<Allocator>,
    /// Change of jemalloc's `stats.allocated` across the probe allocation (`None`: not readable).
    pub jemalloc_allocated_change: Option<i64>,
    /// Whether mimalloc's page map contains the probe block.
    pub mimalloc_in_heap: bool,
    /// mimalloc's usable size of the probe block, if it is mimalloc's.
    pub mimalloc_usable_size: Option<usize>,
    /// Change of glibc's bytes in use (`mallinfo2`: `uordblks + hblkhd`); `None` off glibc.
    pub glibc_in_use_change: Option<i64>,
}

impl Proof {
    /// True if the allocator that claimed the probe is the selected one.
    pub fn confirmed(&self) -> bool {
        self.owner == Some(self.selected)
    }
}

impl fmt::Display for Proof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.owner {
            Some(o) if o == self.selected => format!("confirmed: {o} owns the probe block"),
            Some(o) => format!("MISMATCH: {o} owns the probe block"),
            None => "UNCONFIRMED: no single allocator claimed the probe block".to_owned(),
        };
        write!(
            f,
            "allocator {} {verdict} ({} B probe; jemalloc stats.allocated {}; mimalloc {}; glibc in use {})",
            self.selected,
            PROBE_BYTES,
            signed(self.jemalloc_allocated_change),
            match self.mimalloc_usable_size {
                Some(n) if self.mimalloc_in_heap => format!("in heap, usable {n} B"),
                _ if self.mimalloc_in_heap => "in heap".to_owned(),
                _ => "not in heap".to_owned(),
            },
            signed(self.glibc_in_use_change),
        )
    }
}

fn signed(v: Option<i64>) -> String {
    v.map_or_else(|| "n/a".to_owned(), |d| format!("{d:+} B"))
}

/// jemalloc's `stats.allocated` after refreshing its statistics (`None` if jemalloc says no).
fn jemalloc_allocated() -> Option<i64> {
    tikv_jemalloc_ctl::epoch::advance().ok()?;
    tikv_jemalloc_ctl::stats::allocated::read()
        .ok()
        .map(|n| n as i64)
}

/// glibc's bytes in use by the application (heap arenas plus mmapped chunks).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_in_use() -> Option<i64> {
    // SAFETY: `mallinfo2` takes no arguments, only reads glibc's statistics (under its own arena
    // locks) and is safe to call at any time, whether or not glibc malloc was used.
    let info = unsafe { libc::mallinfo2() };
    Some((info.uordblks + info.hblkhd) as i64)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_in_use() -> Option<i64> {
    None
}

/// Allocates a probe block through the global allocator and asks every allocator whether it is
/// theirs. Takes well under a millisecond; run it while other threads are quiet.
pub fn proof() -> Proof {
    let selected = select::selected();
    let layout = PROBE_LAYOUT;
    let jem_before = jemalloc_allocated();
    let glibc_before = glibc_in_use();
    // SAFETY: the layout has a non-zero size.
    let ptr = std::hint::black_box(unsafe { std::alloc::alloc(layout) });
    if ptr.is_null() {
        std::alloc::handle_alloc_error(layout);
    }
    let jem_after = jemalloc_allocated();
    let glibc_after = glibc_in_use();
    // SAFETY: `mi_is_in_heap_region` only looks `ptr` up in mimalloc's page map; it returns false
    // for a foreign pointer and for an uninitialised mimalloc.
    let mimalloc_in_heap = unsafe { libmimalloc_sys::mi_is_in_heap_region(ptr.cast()) };
    let mimalloc_usable_size = mimalloc_in_heap.then(|| {
        // SAFETY: mimalloc just said `ptr` lies in its heap, and it is a live block start.
        unsafe { libmimalloc_sys::mi_usable_size(ptr.cast()) }
    });
    // SAFETY: `ptr` was allocated just above by the global allocator with `layout`.
    unsafe { std::alloc::dealloc(ptr, layout) };

    let change = |a: Option<i64>, b: Option<i64>| Some(b? - a?);
    let jemalloc_allocated_change = change(jem_before, jem_after);
    let glibc_in_use_change = change(glibc_before, glibc_after);
    // A claim: the statistic rose by at least three quarters of the probe (other threads may
    // free meanwhile, and allocators round sizes up).
    let rose = |d: Option<i64>| d.is_some_and(|d| d >= (PROBE_BYTES as i64) * 3 / 4);
    let jem = rose(jemalloc_allocated_change);
    let mi = mimalloc_in_heap && mimalloc_usable_size.is_some_and(|n| n >= PROBE_BYTES);
    // Off glibc there is no statistic to ask; there "system" means neither other one claims it.
    let sys = match glibc_in_use_change {
        Some(_) => rose(glibc_in_use_change),
        None => !jem && !mi,
    };
    let owner = match (sys, jem, mi) {
        (true, false, false) => Some(Allocator::System),
        (false, true, false) => Some(Allocator::Jemalloc),
        (false, false, true) => Some(Allocator::Mimalloc),
        _ => None,
    };
    Proof {
        selected,
        owner,
        jemalloc_allocated_change,
        mimalloc_in_heap,
        mimalloc_usable_size,
        glibc_in_use_change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unit-test binary declares no global allocator, so Rust's default (system) serves it.
    #[test]
    fn default_rust_allocator_is_system() {
        let p = proof();
        assert_eq!(p.owner, Some(Allocator::System), "{p}");
        assert!(!p.mimalloc_in_heap);
        assert!(p.to_string().contains("system"));
    }
}
