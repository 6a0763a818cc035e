//! A criterion [`Profiler`] that samples the benchmark's own process and draws a flamegraph.
//!
//! `cargo bench --bench system -- --profile-time 5 search` makes criterion iterate each matching
//! benchmark for 5 s without analysing it, calling [`Profiler::start_profiling`] before and
//! [`Profiler::stop_profiling`] after. Sampling, folding and rendering are perflab-profile's (the
//! same code as `perflab flame`): pprof at [`FREQUENCY_HZ`], inferno's SVG written to
//! `<criterion dir>/<group>/<function>/profile/flamegraph.svg` with the folded stacks beside it
//! (`flamegraph.folded`), so every benchmark has a flamegraph naming the kernel's functions
//! without perf or root.

use criterion::profiler::Profiler;
use perflab_profile::render::{self, Labels};
use perflab_profile::sampling::Sampler;
use std::path::Path;

pub use perflab_profile::sampling::FREQUENCY_HZ;

/// The file written into each benchmark's profile directory.
pub const SVG_NAME: &str = "flamegraph.svg";

/// Samples while criterion profiles a benchmark; writes [`SVG_NAME`] when it stops.
#[derive(Default)]
pub struct FlameProfiler {
    sampler: Option<Sampler>,
}

impl FlameProfiler {
    /// A profiler that is idle until criterion starts profiling a benchmark.
    pub fn new() -> Self {
        FlameProfiler::default()
    }
}

impl Profiler for FlameProfiler {
    fn start_profiling(&mut self, benchmark_id: &str, _benchmark_dir: &Path) {
        match Sampler::start() {
            Ok(sampler) => self.sampler = Some(sampler),
            Err(e) => eprintln!("perflab-benches: cannot profile {benchmark_id}: {e}"),
        }
    }

    fn stop_profiling(&mut self, benchmark_id: &str, benchmark_dir: &Path) {
        let Some(sampler) = self.sampler.take() else {
            return;
        };
        // criterion's own loop is not perflab's harness loop: keep whole stacks, rooted at the
        // thread.
        let folded = match sampler.finish(None) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("perflab-benches: no profile for {benchmark_id}: {e}");
                return;
            }
        };
        let path = benchmark_dir.join(SVG_NAME);
        let labels = Labels {
            title: format!("{benchmark_id} (pprof {FREQUENCY_HZ} Hz)"),
            subtitle: None,
            count_name: "samples".into(),
        };
        let written = folded
            .write(&path.with_extension("folded"))
            .and_then(|()| render::write_svg(&labels, &folded, &path));
        match written {
            Ok(()) => eprintln!(
                "perflab-benches: flamegraph of {benchmark_id} ({} samples): {}",
                folded.total(),
                path.display()
            ),
            Err(e) => eprintln!("perflab-benches: {e}"),
        }
    }
}
