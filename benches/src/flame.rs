//! A criterion [`Profiler`] that samples the benchmark's own process and draws a flamegraph.
//!
//! `cargo bench --bench system -- --profile-time 5 search` makes criterion iterate each matching
//! benchmark for 5 s without analysing it, calling [`Profiler::start_profiling`] before and
//! [`Profiler::stop_profiling`] after. We sample the stack with pprof (`SIGPROF` at
//! [`FREQUENCY_HZ`], unwinding with its default unwinder; the bench profile keeps line tables
//! and symbols) and render the folded stacks with inferno to
//! `<criterion dir>/<group>/<function>/profile/flamegraph.svg`, so every benchmark has a
//! flamegraph naming the kernel's functions without perf or root.

use criterion::profiler::Profiler;
use std::fmt::Write as _;
use std::path::Path;

/// Sampling frequency: a prime-ish 999 Hz rather than 1000 so sampling does not beat in step
/// with anything periodic in the benchmark loop.
pub const FREQUENCY_HZ: i32 = 999;

/// The file written into each benchmark's profile directory.
pub const SVG_NAME: &str = "flamegraph.svg";

/// Samples while criterion profiles a benchmark; writes [`SVG_NAME`] when it stops.
#[derive(Default)]
pub struct FlameProfiler {
    guard: Option<pprof::ProfilerGuard<'static>>,
}

impl FlameProfiler {
    /// A profiler that is idle until criterion starts profiling a benchmark.
    pub fn new() -> Self {
        FlameProfiler::default()
    }
}

impl Profiler for FlameProfiler {
    fn start_profiling(&mut self, benchmark_id: &str, _benchmark_dir: &Path) {
        match pprof::ProfilerGuardBuilder::default()
            .frequency(FREQUENCY_HZ)
            .blocklist(&["libc", "libgcc", "pthread", "vdso"])
            .build()
        {
            Ok(guard) => self.guard = Some(guard),
            Err(e) => eprintln!("perflab-benches: cannot profile {benchmark_id}: {e}"),
        }
    }

    fn stop_profiling(&mut self, benchmark_id: &str, benchmark_dir: &Path) {
        let Some(guard) = self.guard.take() else {
            return;
        };
        let report = match guard.report().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("perflab-benches: no profile for {benchmark_id}: {e}");
                return;
            }
        };
        drop(guard);
        let lines = folded_stacks(&report);
        let path = benchmark_dir.join(SVG_NAME);
        match write_svg(benchmark_id, &lines, &path) {
            Ok(()) => eprintln!(
                "perflab-benches: flamegraph of {benchmark_id} ({} samples): {}",
                lines.iter().map(|l| sample_count(l)).sum::<u64>(),
                path.display()
            ),
            Err(e) => eprintln!("perflab-benches: cannot write {}: {e}", path.display()),
        }
    }
}

/// One line per distinct stack, `thread;root;...;leaf count`, the format inferno reads.
fn folded_stacks(report: &pprof::Report) -> Vec<String> {
    let mut lines: Vec<String> = report
        .data
        .iter()
        .map(|(frames, count)| {
            let mut line = frames.thread_name_or_id();
            // pprof lists frames leaf first, and inlined symbols innermost first within a frame.
            for frame in frames.frames.iter().rev() {
                for symbol in frame.iter().rev() {
                    let _ = write!(line, ";{symbol}");
                }
            }
            let _ = write!(line, " {count}");
            line
        })
        .collect();
    lines.sort();
    lines
}

fn sample_count(line: &str) -> u64 {
    line.rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn write_svg(title: &str, lines: &[String], path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut options = inferno::flamegraph::Options::default();
    options.title = format!("{title} (pprof {FREQUENCY_HZ} Hz)");
    if lines.is_empty() {
        // inferno refuses an empty profile; say so in the picture rather than leave no file.
        return inferno::flamegraph::from_lines(&mut options, ["no-samples 1"], file);
    }
    inferno::flamegraph::from_lines(&mut options, lines.iter().map(String::as_str), file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_become_an_svg_naming_the_frames() {
        let dir = std::env::temp_dir().join(format!("perflab-flame-{}", std::process::id()));
        let path = dir.join("profile").join(SVG_NAME);
        let lines = vec![
            "main;bench;count_generic 7".to_owned(),
            "main;bench;find_generic 3".to_owned(),
        ];
        assert_eq!(lines.iter().map(|l| sample_count(l)).sum::<u64>(), 10);
        write_svg("system/search/4KiB/simd-avx2", &lines, &path).unwrap();
        write_svg("empty", &[], &dir.join("empty.svg")).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(svg.contains("count_generic") && svg.contains("simd-avx2"));
    }
}
