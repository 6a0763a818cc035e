//! What serde cannot check: a results file that parses but says something no measurement can
//! produce (a time that is not positive, an `ok` cell without a measurement, two cells with one
//! id) is refused by every reader, naming the cell, rather than turned into a wrong verdict.

use super::{Benchmark, CellStatus, Results, ResultsError, SCHEMA};
use std::path::Path;

impl Results {
    /// Unknown fields stay ignored; this looks only at the values perflab's readers compute with.
    pub fn validate(&self, path: &Path) -> Result<(), ResultsError> {
        let mut seen = std::collections::HashSet::with_capacity(self.benchmarks.len());
        for b in &self.benchmarks {
            let invalid = |what: String| ResultsError::Invalid {
                path: path.to_owned(),
                id: b.name.id.clone(),
                what,
            };
            if !seen.insert(b.name.id.as_str()) {
                return Err(invalid("appears more than once".to_owned()));
            }
            if let Some(what) = b.problem() {
                return Err(invalid(what));
            }
            if let Some(k) = b
                .environment
                .filter(|&k| k as usize >= self.environments.len().max(1))
            {
                return Err(invalid(format!(
                    "environment {k} is not one of the file's {} environments",
                    self.environments.len().max(1)
                )));
            }
        }
        Ok(())
    }
}

/// A time or rate: finite and above zero.
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// A count: finite and not below zero.
fn not_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

impl Benchmark {
    /// What makes this cell impossible, if anything: a time that is not positive and finite, a
    /// negative count or rate, or an `ok` status without a measurement.
    fn problem(&self) -> Option<String> {
        self.sample_problem()
            .or_else(|| self.number_problem())
            .or_else(|| self.ratio_problem())
            .or_else(|| {
                (self.status == CellStatus::Ok
                    && self.time.samples_ns.is_empty()
                    && self.instructions.is_none())
                .then(|| "status is ok but it has no samples (nor an instruction count)".to_owned())
            })
    }

    /// A sample or a process's median that is not a positive time.
    fn sample_problem(&self) -> Option<String> {
        if let Some((i, x)) = self
            .time
            .samples_ns
            .iter()
            .enumerate()
            .find(|(_, x)| !positive(**x))
        {
            return Some(format!("samples_ns[{i}] is {x}, not a positive time"));
        }
        if let Some((i, x)) = self
            .process_medians_ns
            .iter()
            .enumerate()
            .find(|(_, x)| !positive(**x))
        {
            return Some(format!(
                "process_medians_ns[{i}] is {x}, not a positive time"
            ));
        }
        None
    }

    /// A time or rate that is not positive, an interval upside down, a count that is negative,
    /// no threads.
    fn number_problem(&self) -> Option<String> {
        if self.threads == 0 {
            return Some("threads is 0".to_owned());
        }
        let times = [
            (
                "aggregate_throughput_bytes_per_s",
                self.threaded.aggregate_throughput_bytes_per_s,
            ),
            ("median_ns", self.time.median_ns),
            ("ci95_ns[0]", self.time.ci95_ns.map(|c| c[0])),
            ("ci95_ns[1]", self.time.ci95_ns.map(|c| c[1])),
            ("throughput_bytes_per_s", self.time.throughput_bytes_per_s),
        ];
        for (name, v) in times {
            if let Some(x) = v.filter(|x| !positive(*x)) {
                return Some(format!("{name} is {x}, not a positive number"));
            }
        }
        if let Some([lo, hi]) = self.time.ci95_ns.filter(|c| c[0] > c[1]) {
            return Some(format!(
                "ci95_ns [{lo}, {hi}] has its low end above its high end"
            ));
        }
        let counts = [
            ("mad_ns", self.time.mad_ns),
            ("allocs_per_iter", self.alloc.allocs_per_iter),
            ("reallocs_per_iter", self.alloc.reallocs_per_iter),
            (
                "bytes_allocated_per_iter",
                self.alloc.bytes_allocated_per_iter,
            ),
            ("instructions", self.instructions),
            (
                "footprint.fragmentation",
                self.footprint.as_ref().and_then(|f| f.fragmentation),
            ),
        ];
        for (name, v) in counts {
            if let Some(x) = v.filter(|x| !not_negative(*x)) {
                return Some(format!("{name} is {x}, not a count"));
            }
        }
        None
    }

    /// A paired ratio (median or interval end) that is not a positive number.
    fn ratio_problem(&self) -> Option<String> {
        let ratios = [
            ("speedup_vs_naive", self.paired.speedup_vs_naive),
            ("time_vs_system", self.paired.time_vs_system),
            ("vs_base", self.ab.vs_base),
            ("vs_base_other", self.ab.vs_base_other),
            ("scaling_vs_one_thread", self.threaded.scaling_vs_one_thread),
        ];
        for (name, e) in ratios {
            let Some(e) = e else { continue };
            if ![e.median, e.ci95[0], e.ci95[1]].into_iter().all(positive) {
                return Some(format!(
                    "{name} {} [{}, {}] is not a positive ratio",
                    e.median, e.ci95[0], e.ci95[1]
                ));
            }
        }
        None
    }
}

/// Whether a file's `schema` tag is of the major version this perflab reads: [`SCHEMA`] alone or
/// followed by minor versions, `.` and digits (`perflab/results/v1.3.1`), as [`SCHEMA_PATTERN`]
/// says it in the JSON Schema.
pub(super) fn is_this_major(found: &str) -> bool {
    let Some(rest) = found.strip_prefix(SCHEMA) else {
        return false;
    };
    let mut minors = rest.split('.');
    minors.next() == Some("")
        && minors.all(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
}
