//! Sampled stacks: pprof interrupts the process with `SIGPROF` and unwinds the running stack.
//!
//! No perf, no root, no second process: the cell runs in this process's own loop while pprof
//! samples it at [`FREQUENCY_HZ`], unwinding with its default unwinder (the `.eh_frame` DWARF
//! tables every Rust binary carries, so frame pointers are not needed) and naming frames from
//! the binary's symbols and line tables, inlined functions included (the release profile keeps
//! `line-tables-only` debug info; the `profiling` profile keeps full debug info).
//!
//! [`fold_report`] cuts each stack at the harness: everything from `main` down to the harness's
//! timed loop (`perflab_core::registry` … `run_iters`) is replaced by one root frame naming the
//! cell, so the widest frames under it are the kernel's own functions, not the harness.

use crate::{Cell, Folded, ProfileError};
use std::time::Duration;

/// Sampling frequency: 999 Hz rather than 1000 so sampling does not beat in step with anything
/// periodic in the benchmark loop.
pub const FREQUENCY_HZ: i32 = 999;

/// The root frame of samples taken outside the cell's loop (setup, the profiler itself).
pub const OUTSIDE_ROOT: &str = "[outside the kernel]";

/// Libraries whose frames pprof must not unwind from inside (unwinding through them while they
/// hold locks can deadlock).
const BLOCKLIST: [&str; 4] = ["libc", "libgcc", "pthread", "vdso"];

/// A running sampler; [`Sampler::finish`] stops it and returns the folded stacks.
pub struct Sampler {
    guard: pprof::ProfilerGuard<'static>,
}

impl Sampler {
    /// Starts sampling this process.
    ///
    /// # Errors
    /// pprof cannot install its signal handler or timer (e.g. another profiler is running).
    pub fn start() -> Result<Sampler, ProfileError> {
        let guard = pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY_HZ)
            .blocklist(&BLOCKLIST)
            .build()
            .map_err(|e| ProfileError::Sampler(e.to_string()))?;
        Ok(Sampler { guard })
    }

    /// Stops sampling and folds the stacks; with `cell_root`, each stack is cut at the harness
    /// and rooted at that name (see [`fold_report`]).
    ///
    /// # Errors
    /// pprof cannot build its report.
    pub fn finish(self, cell_root: Option<&str>) -> Result<Folded, ProfileError> {
        let report = self
            .guard
            .report()
            .build()
            .map_err(|e| ProfileError::Sampler(e.to_string()))?;
        drop(self.guard);
        Ok(fold_report(&report, cell_root))
    }
}

/// Runs `cell` for `duration` under the sampler and returns its stacks rooted at the cell's id.
///
/// # Errors
/// The sampler cannot start or report.
pub fn sample_cell(cell: &mut Cell, duration: Duration) -> Result<Folded, ProfileError> {
    let sampler = Sampler::start()?;
    cell.run_for(duration);
    sampler.finish(Some(&format!("{}/{}", cell.workload(), cell.variant())))
}

/// One stack per distinct sample, root first, as [`Folded`].
///
/// Without `cell_root`, stacks are rooted at the thread's name (the whole process, as criterion
/// profiles it). With it, a stack that passes through the harness's loop keeps only the frames
/// below the loop, under a root frame `cell_root`; the others are kept whole under
/// [`OUTSIDE_ROOT`], so every sample is counted and the harness is easy to tell apart.
pub fn fold_report(report: &pprof::Report, cell_root: Option<&str>) -> Folded {
    let mut folded = Folded::new();
    for (frames, &count) in &report.data {
        // pprof lists frames leaf first, and inlined symbols innermost first within a frame.
        let names: Vec<String> = frames
            .frames
            .iter()
            .rev()
            .flat_map(|frame| frame.iter().rev().map(|s| clean_symbol(&s.name())))
            .collect();
        let count = count.max(0) as u64;
        match cell_root {
            None => {
                let thread = frames.thread_name_or_id();
                folded.add(
                    std::iter::once(thread.as_str()).chain(names.iter().map(String::as_str)),
                    count,
                );
            }
            Some(root) => match names.iter().rposition(|n| is_harness_loop(n)) {
                Some(cut) => {
                    let mut below: Vec<String> = names[cut + 1..].to_vec();
                    if let (Some(first), Some(kernel)) =
                        (below.first_mut(), qualified_kernel_run(&names[cut]))
                        && first == "run"
                    {
                        *first = kernel;
                    }
                    folded.add(
                        std::iter::once(root).chain(below.iter().map(String::as_str)),
                        count,
                    );
                }
                None => folded.add(
                    std::iter::once(OUTSIDE_ROOT).chain(names.iter().map(String::as_str)),
                    count,
                ),
            },
        }
    }
    folded
}

/// The harness's timed loop, under which the kernel runs: `run_iters` in perflab-core's
/// registry. A function the optimiser kept is named by its symbol
/// (`perflab_core::registry::…::run_iters`); an inlined one only by its debug-info name, which
/// has no path (`run_iters<perflab_text::wordfreq::Wordfreq, …::Naive>`).
fn is_harness_loop(name: &str) -> bool {
    name.starts_with("perflab_core::registry::")
        || (name.contains("perflab_core::registry::") && name.ends_with("::run_iters"))
        || name == "run_iters"
        || name.starts_with("run_iters<")
}

/// `<K as Kernel<W>>::run` from an inlined `run_iters<W, K>` frame: in a release build the
/// kernel's `run` is inlined too and named just `run`, so the loop's type arguments are the only
/// place that says whose `run` it is.
fn qualified_kernel_run(run_iters: &str) -> Option<String> {
    let args = run_iters.strip_prefix("run_iters<")?.strip_suffix('>')?;
    let (mut depth, mut split) = (0i32, None);
    for (i, c) in args.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => split = Some(i),
            _ => {}
        }
    }
    let i = split?;
    let (workload, kernel) = (args[..i].trim(), args[i + 1..].trim());
    Some(format!(
        "<{kernel} as perflab_core::Kernel<{workload}>>::run"
    ))
}

/// A demangled name without the legacy mangling's `::h0123456789abcdef` hash suffix, which
/// differs between builds and would split one function into several frames in a diff.
fn clean_symbol(name: &str) -> String {
    match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head.to_owned()
        }
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stripped_and_the_loop_is_recognised() {
        assert_eq!(clean_symbol("a::b::h0123456789abcdef"), "a::b");
        assert_eq!(clean_symbol("a::hello"), "a::hello");
        assert!(is_harness_loop(
            "<perflab_core::registry::Prepared<W> as perflab_core::registry::PreparedInput>::run_iters"
        ));
        assert!(is_harness_loop(
            "perflab_core::registry::<impl perflab_core::registry::Entry<W> for K>::run_iters"
        ));
        assert!(is_harness_loop(
            "run_iters<perflab_text::wordfreq::Wordfreq, perflab_text::wordfreq::naive::Naive>"
        ));
        assert_eq!(
            qualified_kernel_run("run_iters<a::W, b::K<c::X, d::Y>>").as_deref(),
            Some("<b::K<c::X, d::Y> as perflab_core::Kernel<a::W>>::run")
        );
        assert_eq!(qualified_kernel_run("run_iters<a::W>"), None);
        assert!(!is_harness_loop(
            "<perflab_text::wordfreq::naive::Naive as perflab_core::workload::Kernel<perflab_text::wordfreq::Wordfreq>>::run"
        ));
    }

    #[test]
    fn sampling_a_cell_names_the_kernel_functions() {
        let registry = perflab_catalog::registry();
        let mut cell = Cell::prepare(&registry, "wordfreq", "naive", 64 << 10, 1).unwrap();
        // The sampler counts CPU time: on a loaded machine 600 ms of wall time can hold few
        // samples, so a starved run samples longer rather than failing by chance.
        let mut wall = Duration::from_millis(600);
        let folded = loop {
            let folded = sample_cell(&mut cell, wall).unwrap();
            if folded.total() > 50 || wall >= Duration::from_secs(20) {
                break folded;
            }
            wall *= 2;
        };
        let text = folded.to_text();
        assert!(
            folded.total() > 50,
            "{} samples in {wall:?}",
            folded.total()
        );
        let in_cell: u64 = folded
            .stacks()
            .filter(|(s, _)| s.starts_with("wordfreq/naive;"))
            .map(|(_, c)| c)
            .sum();
        assert!(
            in_cell * 2 >= folded.total(),
            "most samples are in the kernel:\n{text}"
        );
        assert!(text.contains("perflab_text::wordfreq::naive"), "{text}");
    }
}
