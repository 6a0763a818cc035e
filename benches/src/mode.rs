//! What this run of a bench binary is for, and at which sizes, decided from its arguments and the
//! environment before criterion parses them.
//!
//! criterion 0.8 runs benchmarks only when cargo passes `--bench` (as `cargo bench` does) and
//! `--test` is absent; `cargo test --benches` passes no `--bench`, and criterion then runs every
//! benchmark body once as a smoke test. We mirror that rule so the smoke test can use one small
//! size and stay fast, and so the profile mode can skip the allocation-counting pass (it would
//! show up in the flamegraph).

use perflab_core::parse_size;

/// The sizes `cargo bench` measures by default: L1-, L2- and L3-resident inputs.
///
/// 16MiB (the harness's fourth default size) is left out: with every workload, every variant and
/// three allocators it would make a full `cargo bench` take well over an hour on a small machine.
/// Ask for it with [`SIZES_ENV`], or use `perflab run`, which interleaves variants within a
/// time budget.
pub const BENCH_SIZES: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];

/// The size every benchmark body runs at in the smoke test (`cargo test --benches`).
pub const TEST_SIZE: usize = 4 << 10;

/// Comma-separated sizes overriding the defaults, e.g. `PERFLAB_BENCH_SIZES=4KiB,16MiB`.
pub const SIZES_ENV: &str = "PERFLAB_BENCH_SIZES";

/// The kind of run criterion is about to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `cargo bench`: warm up, sample, analyse.
    Bench,
    /// `cargo test --benches` or `-- --test`: each body once, no timing.
    Test,
    /// `-- --profile-time N`: iterate for N seconds under the flamegraph profiler, no analysis.
    Profile,
    /// `-- --list`: print the benchmark names only.
    List,
}

impl Mode {
    /// Decides the mode from the process's arguments, with criterion's precedence.
    pub fn from_args<S: AsRef<str>>(args: &[S]) -> Mode {
        let has = |flag: &str| args.iter().any(|a| a.as_ref() == flag);
        let has_prefix = |flag: &str| {
            args.iter()
                .any(|a| a.as_ref() == flag || a.as_ref().starts_with(&format!("{flag}=")))
        };
        if has("--list") {
            Mode::List
        } else if !has("--bench") || has("--test") {
            Mode::Test
        } else if has_prefix("--profile-time") {
            Mode::Profile
        } else {
            Mode::Bench
        }
    }
}

/// The sizes to run: [`SIZES_ENV`] if set, else [`TEST_SIZE`] in test mode, else [`BENCH_SIZES`].
///
/// # Errors
/// The variable's text when a size in it does not parse, so the binary can say what was wrong.
pub fn sizes(mode: Mode, env: Option<&str>) -> Result<Vec<usize>, String> {
    match env.map(str::trim).filter(|s| !s.is_empty()) {
        Some(list) => list
            .split(',')
            .map(|s| parse_size(s).map_err(|e| format!("{SIZES_ENV}={list}: {e}")))
            .collect(),
        None if mode == Mode::Test => Ok(vec![TEST_SIZE]),
        None => Ok(BENCH_SIZES.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_follow_criterion() {
        assert_eq!(Mode::from_args(&["x"]), Mode::Test);
        assert_eq!(Mode::from_args(&["x", "--bench"]), Mode::Bench);
        assert_eq!(Mode::from_args(&["x", "--bench", "--test"]), Mode::Test);
        assert_eq!(
            Mode::from_args(&["x", "--bench", "--profile-time", "5", "search"]),
            Mode::Profile
        );
        assert_eq!(
            Mode::from_args(&["x", "--bench", "--profile-time=5"]),
            Mode::Profile
        );
        assert_eq!(Mode::from_args(&["x", "--bench", "--list"]), Mode::List);
    }

    #[test]
    fn sizes_from_env_or_mode() {
        assert_eq!(sizes(Mode::Test, None), Ok(vec![4096]));
        assert_eq!(sizes(Mode::Bench, None), Ok(BENCH_SIZES.to_vec()));
        assert_eq!(
            sizes(Mode::Test, Some("4KiB, 16MiB")),
            Ok(vec![4096, 16 << 20])
        );
        assert_eq!(sizes(Mode::Bench, Some("")), Ok(BENCH_SIZES.to_vec()));
        assert!(
            sizes(Mode::Bench, Some("4KiB,lots"))
                .unwrap_err()
                .contains("lots")
        );
    }
}
