//! What every command is given and what it concludes: the checked registry with what this binary
//! can do (`Session`), and `Outcome`, which `main` maps to an exit code.

use perflab_core::Registry;

/// What a command concluded, beyond "it ran".
pub enum Outcome {
    /// Everything checked out.
    Success,
    /// The command ran and its check failed (a mismatch, a regression): exit code 1.
    CheckFailed,
}

/// What every command may need: the user's registry, checked, and whether allocations can be
/// counted and allocators chosen in this binary.
pub struct Session {
    /// The workloads the user registered (every one valid).
    pub registry: Registry,
    /// Whether this binary's global allocator is `perflab::Allocator` (see
    /// [`perflab_alloc::installed`]); without it only `system` is real and nothing is counted.
    pub allocator_installed: bool,
}

/// The line a user's binary is missing when its global allocator is not perflab's.
pub const ALLOCATOR_LINE: &str =
    "#[global_allocator] static ALLOC: perflab::Allocator = perflab::Allocator::new();";

impl Session {
    /// The allocation counters of this process's global allocator, for the harness; `None`
    /// when it is not perflab's (its counters would read zero, which is not "no allocations").
    pub fn alloc_probe(&self) -> Option<&'static dyn perflab_harness::probe::AllocProbe> {
        self.allocator_installed
            .then_some(&perflab_alloc::HarnessProbe as _)
    }
}
