//! Which allocator this process uses, decided once from `PERFLAB_ALLOCATOR`.
//!
//! A global allocator can never change once it has handed out memory (every block must be freed
//! by the allocator that made it), so the choice is made exactly once, on the first allocation,
//! and kept in an atomic state. The decision runs *inside* the allocator, so it must not
//! allocate: the variable is read with `libc::getenv` and a C string literal, and a name we do
//! not know is copied byte by byte into a fixed static buffer for [`selection`] to report later.

use std::ffi::CStr;
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

/// The environment variable that selects the allocator (`system`, `jemalloc` or `mimalloc`).
///
/// The harness sets it on each child process it spawns; unset or empty means `system`.
pub const ENV_VAR: &str = "PERFLAB_ALLOCATOR";

/// The same name as [`ENV_VAR`], NUL-terminated for `getenv` (a test checks they agree).
const ENV_VAR_C: &CStr = c"PERFLAB_ALLOCATOR";

/// One of the global allocators perflab can run under.
///
/// Lower-case names (`system`, `jemalloc`, `mimalloc`) on the command line, in the environment
/// variable and in JSON, so results from child processes merge by plain string comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Allocator {
    /// The platform allocator (`std::alloc::System`: glibc malloc on Linux).
    System,
    /// jemalloc through `tikv-jemallocator` (prefixed symbols, so glibc malloc stays separate).
    Jemalloc,
    /// Microsoft's mimalloc through the `mimalloc` crate (not overriding `malloc`).
    Mimalloc,
}

impl Allocator {
    /// Every allocator, in the order the harness runs and reports them (system first, the baseline).
    pub const ALL: [Allocator; 3] = [Allocator::System, Allocator::Jemalloc, Allocator::Mimalloc];

    /// The lower-case name used on the command line, in `PERFLAB_ALLOCATOR` and in JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Allocator::System => "system",
            Allocator::Jemalloc => "jemalloc",
            Allocator::Mimalloc => "mimalloc",
        }
    }

    /// Parses a name without allocating (ASCII case-insensitive), for use inside the allocator.
    fn from_bytes(name: &[u8]) -> Option<Allocator> {
        Allocator::ALL
            .into_iter()
            .find(|a| a.name().as_bytes().eq_ignore_ascii_case(name))
    }

    const fn code(self) -> u8 {
        match self {
            Allocator::System => SYSTEM,
            Allocator::Jemalloc => JEMALLOC,
            Allocator::Mimalloc => MIMALLOC,
        }
    }
}

impl fmt::Display for Allocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Allocator {
    type Err = UnknownAllocator;

    /// Accepts `system`, `jemalloc`, `mimalloc` in any ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Allocator::from_bytes(s.as_bytes()).ok_or_else(|| UnknownAllocator {
            name: s.to_owned(),
            truncated: false,
        })
    }
}

/// A name that is not one of [`Allocator::ALL`], from `PERFLAB_ALLOCATOR` or from parsing.
///
/// Its message names the three valid allocators so that a user who mistyped one sees the fix;
/// the binary prints it and exits with status 2 at startup.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown allocator {name:?}{ellipsis}: valid allocators are system, jemalloc, mimalloc",
    ellipsis = if *truncated { " (truncated)" } else { "" }
)]
pub struct UnknownAllocator {
    name: String,
    truncated: bool,
}

impl UnknownAllocator {
    /// The unknown name as given (at most [`BAD_NAME_CAPACITY`] bytes if it came from the
    /// environment; invalid UTF-8 replaced by U+FFFD).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the environment value was longer than [`BAD_NAME_CAPACITY`] bytes and cut.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

/// How many bytes of an unknown `PERFLAB_ALLOCATOR` value are kept for the error message.
pub const BAD_NAME_CAPACITY: usize = 64;

// States of `STATE`: not yet decided, being decided by one thread, or one of the allocators.
const UNDECIDED: u8 = 0;
const DECIDING: u8 = 1;
const SYSTEM: u8 = 2;
const JEMALLOC: u8 = 3;
const MIMALLOC: u8 = 4;

/// The decision. Written once (UNDECIDED -> DECIDING -> allocator), read on every allocation.
static STATE: AtomicU8 = AtomicU8::new(UNDECIDED);
/// Bytes of an unknown name; atomics so that no reader can ever race with the one writer.
static BAD_NAME: [AtomicU8; BAD_NAME_CAPACITY] = [const { AtomicU8::new(0) }; BAD_NAME_CAPACITY];
/// Full length of an unknown name (0: the name was valid, empty or unset).
static BAD_LEN: AtomicUsize = AtomicUsize::new(0);

/// The allocator in effect, deciding it if this is the first call. Never allocates.
#[inline]
pub(crate) fn current() -> Allocator {
    match STATE.load(Ordering::Acquire) {
        SYSTEM => Allocator::System,
        JEMALLOC => Allocator::Jemalloc,
        MIMALLOC => Allocator::Mimalloc,
        _ => decide(),
    }
}

/// The slow path of [`current`]: one thread reads the environment, any racing thread waits.
#[cold]
#[inline(never)]
fn decide() -> Allocator {
    let mut spins = 0u32;
    loop {
        match STATE.compare_exchange(UNDECIDED, DECIDING, Ordering::Acquire, Ordering::Acquire) {
            Ok(_) => {
                let chosen = read_env();
                // Release: the bad name written by `read_env` is visible to whoever sees the result.
                STATE.store(chosen.code(), Ordering::Release);
                return chosen;
            }
            // Another thread is reading the environment: a few microseconds at most. Wait
            // without allocating (`yield_now` is a bare `sched_yield`) in case it was preempted.
            Err(DECIDING) => {
                spins += 1;
                if spins < 64 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
            Err(SYSTEM) => return Allocator::System,
            Err(JEMALLOC) => return Allocator::Jemalloc,
            Err(MIMALLOC) => return Allocator::Mimalloc,
            // No other value is ever stored; treat one as "still deciding".
            Err(_) => std::hint::spin_loop(),
        }
    }
}

/// Reads `PERFLAB_ALLOCATOR` without allocating; an unknown name is recorded and means system.
fn read_env() -> Allocator {
    // SAFETY: `ENV_VAR_C` is a valid NUL-terminated C string. `getenv` does not allocate. It is
    // only unsound if another thread modifies the environment concurrently; Rust code can only do
    // that through the `unsafe` `std::env::set_var`, whose callers must already exclude this.
    let value = unsafe { libc::getenv(ENV_VAR_C.as_ptr()) };
    if value.is_null() {
        return Allocator::System;
    }
    // SAFETY: a non-null `getenv` result points to a NUL-terminated string that stays valid until
    // the environment is modified, which (see above) does not happen while we read it here.
    let bytes = unsafe { CStr::from_ptr(value) }.to_bytes();
    if bytes.is_empty() {
        return Allocator::System;
    }
    Allocator::from_bytes(bytes).unwrap_or_else(|| {
        for (slot, &b) in BAD_NAME.iter().zip(bytes) {
            slot.store(b, Ordering::Relaxed);
        }
        BAD_LEN.store(bytes.len(), Ordering::Relaxed);
        Allocator::System
    })
}

/// The allocator actually in effect: the selected one, or system after an unknown name.
///
/// Decides the selection if nothing has been allocated yet (harmless: the allocator would make
/// the same decision on its first call).
pub fn selected() -> Allocator {
    current()
}

/// The allocator requested by `PERFLAB_ALLOCATOR`, or the unknown name it held.
///
/// An unknown name cannot be reported from inside the allocator (printing allocates), so the
/// process runs on `system` and the binary calls this at startup to print the error and exit 2.
pub fn selection() -> Result<Allocator, UnknownAllocator> {
    let chosen = current();
    // Acquire on `STATE` inside `current` made the deciding thread's writes visible.
    let len = BAD_LEN.load(Ordering::Relaxed);
    if len == 0 {
        return Ok(chosen);
    }
    let kept = len.min(BAD_NAME_CAPACITY);
    let bytes: Vec<u8> = BAD_NAME[..kept]
        .iter()
        .map(|b| b.load(Ordering::Relaxed))
        .collect();
    Err(UnknownAllocator {
        name: String::from_utf8_lossy(&bytes).into_owned(),
        truncated: len > BAD_NAME_CAPACITY,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Allocator::ALL {
            assert_eq!(a.to_string().parse::<Allocator>(), Ok(a));
            assert_eq!(a.name().to_uppercase().parse::<Allocator>(), Ok(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.name()));
        }
    }

    #[test]
    fn unknown_name_lists_valid_ones() {
        let err = "tcmalloc".parse::<Allocator>().unwrap_err();
        assert_eq!(err.name(), "tcmalloc");
        let msg = err.to_string();
        for a in Allocator::ALL {
            assert!(msg.contains(a.name()), "{msg}");
        }
        assert!(msg.contains("tcmalloc"));
        assert!("".parse::<Allocator>().is_err());
    }

    #[test]
    fn c_name_matches() {
        assert_eq!(ENV_VAR_C.to_str().unwrap(), ENV_VAR);
    }
}
