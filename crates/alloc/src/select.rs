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

// States of `Decision::state`: not yet decided, being decided by one thread, or an allocator.
const UNDECIDED: u8 = 0;
const DECIDING: u8 = 1;
const SYSTEM: u8 = 2;
const JEMALLOC: u8 = 3;
const MIMALLOC: u8 = 4;

/// A once-only choice of allocator, plus the unknown name that led to `system`, if any.
///
/// One `static` instance serves the process; tests make private ones to race threads on.
struct Decision {
    /// Written once (UNDECIDED -> DECIDING -> allocator), read on every allocation.
    state: AtomicU8,
    /// Bytes of an unknown name; atomics so that no reader can ever race with the one writer.
    bad_name: [AtomicU8; BAD_NAME_CAPACITY],
    /// Full length of an unknown name (0: the name was valid, empty or unset).
    bad_len: AtomicUsize,
}

/// The process's decision.
static DECISION: Decision = Decision::new();

impl Decision {
    const fn new() -> Self {
        Decision {
            state: AtomicU8::new(UNDECIDED),
            bad_name: [const { AtomicU8::new(0) }; BAD_NAME_CAPACITY],
            bad_len: AtomicUsize::new(0),
        }
    }

    /// The allocator chosen, deciding with `read` (the raw value, `None` if unset) if this is the
    /// first call. `read` runs at most once per `Decision`, however many threads race here.
    #[inline]
    fn current<'a>(&self, read: impl FnOnce() -> Option<&'a [u8]>) -> Allocator {
        match self.state.load(Ordering::Acquire) {
            SYSTEM => Allocator::System,
            JEMALLOC => Allocator::Jemalloc,
            MIMALLOC => Allocator::Mimalloc,
            _ => self.decide(read),
        }
    }

    /// The slow path of `current`: one thread decides, any racing thread waits for its result.
    #[cold]
    #[inline(never)]
    fn decide<'a>(&self, read: impl FnOnce() -> Option<&'a [u8]>) -> Allocator {
        let mut spins = 0u32;
        loop {
            match self.state.compare_exchange(
                UNDECIDED,
                DECIDING,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    let chosen = self.choose(read());
                    // Release: the bad name written by `choose` is visible to whoever sees this.
                    self.state.store(chosen.code(), Ordering::Release);
                    return chosen;
                }
                // Another thread is reading the environment: microseconds at most. Wait without
                // allocating (`yield_now` is a bare `sched_yield`) in case it was preempted.
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

    /// Maps the raw value to an allocator without allocating; unknown means system, recorded.
    fn choose(&self, raw: Option<&[u8]>) -> Allocator {
        let bytes = match raw {
            None | Some([]) => return Allocator::System,
            Some(bytes) => bytes,
        };
        Allocator::from_bytes(bytes).unwrap_or_else(|| {
            for (slot, &b) in self.bad_name.iter().zip(bytes) {
                slot.store(b, Ordering::Relaxed);
            }
            self.bad_len.store(bytes.len(), Ordering::Relaxed);
            Allocator::System
        })
    }

    /// The decided allocator, or the recorded unknown name.
    fn selection<'a>(
        &self,
        read: impl FnOnce() -> Option<&'a [u8]>,
    ) -> Result<Allocator, UnknownAllocator> {
        let chosen = self.current(read);
        // The Acquire load of `state` in `current` made the deciding thread's writes visible.
        let len = self.bad_len.load(Ordering::Relaxed);
        if len == 0 {
            return Ok(chosen);
        }
        let kept = len.min(BAD_NAME_CAPACITY);
        let bytes: Vec<u8> = self.bad_name[..kept]
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        Err(UnknownAllocator {
            name: String::from_utf8_lossy(&bytes).into_owned(),
            truncated: len > BAD_NAME_CAPACITY,
        })
    }
}

/// Reads `PERFLAB_ALLOCATOR` without allocating.
fn read_env() -> Option<&'static [u8]> {
    // SAFETY: `ENV_VAR_C` is a valid NUL-terminated C string. `getenv` does not allocate. It is
    // only unsound if another thread modifies the environment concurrently; Rust code can only do
    // that through the `unsafe` `std::env::set_var`, whose callers must already exclude this.
    let value = unsafe { libc::getenv(ENV_VAR_C.as_ptr()) };
    if value.is_null() {
        return None;
    }
    // SAFETY: a non-null `getenv` result points to a NUL-terminated string that stays valid until
    // the environment is modified; the decision reads it once, immediately, and keeps no borrow
    // beyond copying an unknown name into its own buffer.
    Some(unsafe { CStr::from_ptr(value) }.to_bytes())
}

/// The allocator in effect, deciding it if this is the first call. Never allocates.
#[inline]
pub(crate) fn current() -> Allocator {
    DECISION.current(read_env)
}

/// Decides on `allocator` regardless of the environment, unless already decided.
#[inline]
pub(crate) fn decide(allocator: Allocator) {
    DECISION.current(|| Some(allocator.name().as_bytes()));
}

/// The allocator actually in effect: the selected one, or system after an unknown name.
///
/// If nothing has been allocated yet, lets the global allocator decide first (see
/// [`selection`]); if that is not a [`PerflabAllocator`](crate::PerflabAllocator), decides from
/// the environment, which is what a later `PerflabAllocator` would do too.
pub fn selected() -> Allocator {
    let_global_allocator_decide();
    current()
}

/// The allocator requested by `PERFLAB_ALLOCATOR`, or the unknown name it held.
///
/// An unknown name cannot be reported from inside the allocator (printing allocates), so the
/// process runs on `system` and the binary calls this at startup to print the error and exit 2.
pub fn selection() -> Result<Allocator, UnknownAllocator> {
    let_global_allocator_decide();
    DECISION.selection(read_env)
}

/// If nothing has been allocated yet, allocates (and frees) one small block through the global
/// allocator, so that a [`PerflabAllocator::fixed`](crate::PerflabAllocator::fixed) global makes
/// its own decision instead of a query deciding from the environment. Counted like any block.
fn let_global_allocator_decide() {
    if DECISION.state.load(Ordering::Acquire) == UNDECIDED {
        let layout = std::alloc::Layout::new::<u64>();
        // SAFETY: the layout has a non-zero size; the block is freed at once with that layout.
        unsafe {
            let ptr = std::alloc::alloc(layout);
            if !ptr.is_null() {
                std::alloc::dealloc(ptr, layout);
            }
        }
    }
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

    /// Many threads race on the first call: one reads the value, all agree on its result.
    #[test]
    fn racing_first_calls_decide_once() {
        use std::sync::Barrier;
        use std::sync::atomic::AtomicU32;
        for (raw, want, bad) in [
            (&b"jemalloc"[..], Allocator::Jemalloc, None),
            (&b"nope"[..], Allocator::System, Some("nope")),
        ] {
            let decision = Decision::new();
            let reads = AtomicU32::new(0);
            let gate = Barrier::new(8);
            std::thread::scope(|s| {
                for _ in 0..8 {
                    s.spawn(|| {
                        gate.wait();
                        let got = decision.current(|| {
                            reads.fetch_add(1, Ordering::Relaxed);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            Some(raw)
                        });
                        assert_eq!(got, want);
                    });
                }
            });
            assert_eq!(reads.load(Ordering::Relaxed), 1);
            let sel = decision.selection(|| unreachable!("already decided"));
            assert_eq!(sel.as_ref().err().map(UnknownAllocator::name), bad);
        }
    }

    #[test]
    fn unset_and_empty_mean_system() {
        assert_eq!(Decision::new().selection(|| None), Ok(Allocator::System));
        assert_eq!(
            Decision::new().selection(|| Some(&b""[..])),
            Ok(Allocator::System)
        );
        let long = Decision::new()
            .selection(|| Some(&[b'y'; 100][..]))
            .unwrap_err();
        assert!(long.truncated());
        assert_eq!(long.name().len(), BAD_NAME_CAPACITY);
    }

    #[test]
    fn c_name_matches() {
        assert_eq!(ENV_VAR_C.to_str().unwrap(), ENV_VAR);
    }
}
