//! The machine and build that produced a results file: what decides whether wall times of two
//! files can be compared at all.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The machine and build that produced a results file. Results from different environments are
/// not comparable in wall time, so merge refuses to mix them unless forced.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    /// CPU model name as the OS reports it.
    pub cpu_model: String,
    /// SIMD features detected at run time (the ones perflab's kernels dispatch on).
    pub simd_features: Vec<String>,
    /// Logical cores available to the process.
    pub cores: usize,
    /// Operating system and kernel release.
    pub os: String,
    /// CPU architecture.
    pub arch: String,
    /// `rustc -V` of the compiler that built perflab.
    pub rustc: Option<String>,
    /// The git commit perflab was built from, when known.
    pub git_commit: Option<String>,
    /// perflab's version.
    pub perflab_version: String,
    /// The smallest step `Instant::now()` was seen to take, in ns (median of many trials).
    pub timer_precision_ns: f64,
    /// Time per iteration of the harness's timed loop around an empty kernel, in ns: what every
    /// measurement includes besides the kernel. Recorded, not subtracted.
    pub empty_loop_ns: f64,
    /// The CPUs this process was allowed to run on (its affinity mask when the run started):
    /// a threaded cell cannot have more of them than this.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpu_set: Vec<usize>,
    /// The versions of the allocators linked into perflab, and of the C library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocator_versions: Option<AllocatorVersions>,
    /// The environment variables that change how an allocator behaves, as set for the run
    /// (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`, `MALLOC_CONF`, `_RJEM_MALLOC_CONF`, `MIMALLOC_*`, …):
    /// glibc's arena count alone can change a threaded cell's footprint several times over.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub allocator_env: std::collections::BTreeMap<String, String>,
}

/// Versions of the allocators a build links, and of the C library behind `system`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AllocatorVersions {
    /// jemalloc's own version string (tikv-jemallocator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jemalloc: Option<String>,
    /// mimalloc's version, `major.minor.patch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mimalloc: Option<String>,
    /// glibc's version (`gnu_get_libc_version`), the `system` allocator on Linux.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glibc: Option<String>,
}

impl Environment {
    /// The fields that make two environments' wall times comparable: same CPU, features, cores,
    /// OS, architecture and compiler. The commit and the timer readings may differ.
    pub fn comparable_with(&self, other: &Environment) -> bool {
        self.cpu_model == other.cpu_model
            && self.simd_features == other.simd_features
            && self.cores == other.cores
            && self.os == other.os
            && self.arch == other.arch
            && self.rustc == other.rustc
    }
}
