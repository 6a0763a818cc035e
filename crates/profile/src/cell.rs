//! One cell (`workload/variant` at a size), prepared once and run in the harness's own loop.
//!
//! Profiles must show the code the benchmarks time, so a [`Cell`] is the harness's own
//! [`Subject`]: the same look-up, the same verification against naive before anything runs, and
//! the same statically dispatched, `black_box`ed loop the engine times, rather than a loop of its
//! own.

use crate::ProfileError;
use perflab_core::{InputSource, Registry, VariantInfo, format_size};
use perflab_harness::crew::Crew;
use perflab_harness::subject::{Phase, Readiness, Subject};
use std::time::{Duration, Instant};

/// A variant with its input built and verified, ready to run.
pub struct Cell {
    workload: &'static str,
    variant: &'static str,
    /// `64KiB` for generated input, `file` for a user's file: the size label of the results
    /// file's cell ids, so a profile and its cell share a name.
    size: String,
    subject: Subject,
    /// The other threads, when the cell runs on several at once ([`Cell::on_threads`]).
    crew: Option<Crew>,
}

impl Cell {
    /// Prepares `workload/variant` on generated input of `size` bytes; see [`Cell::prepare_on`].
    ///
    /// # Errors
    /// As [`Cell::prepare_on`].
    pub fn prepare(
        registry: &Registry,
        workload: &str,
        variant: &str,
        size: usize,
        seed: u64,
    ) -> Result<Cell, ProfileError> {
        Cell::prepare_on(
            registry,
            workload,
            variant,
            &InputSource::Generated { size, seed },
        )
    }

    /// Prepares `workload/variant` on `source` (generated, or the user's own file, so the
    /// profile shows the kernel on the data that matters to them), and verifies it against
    /// naive (outside any profile), so that a kernel that panics or disagrees is an error here,
    /// not a crash mid-profile or a profile of a wrong answer.
    ///
    /// # Errors
    /// An unknown workload or variant, a variant this CPU cannot run, an input that cannot be
    /// built (or a file this workload cannot parse), or a kernel that panics or disagrees with
    /// naive.
    pub fn prepare_on(
        registry: &Registry,
        workload: &str,
        variant: &str,
        source: &InputSource,
    ) -> Result<Cell, ProfileError> {
        let w = registry.find(workload)?;
        let variants = w.variants();
        let index = variants
            .iter()
            .position(|v| v.name == variant)
            .ok_or_else(|| ProfileError::UnknownVariant {
                workload: workload.to_owned(),
                name: variant.to_owned(),
                expected: names(&variants),
            })?;
        let info = &variants[index];
        if !info.supported {
            return Err(ProfileError::Unsupported {
                workload: workload.to_owned(),
                variant: variant.to_owned(),
            });
        }
        let cell_id = format!("{workload}/{variant}");
        let mut subject = Subject::prepare(registry, workload, source, &[variant.to_owned()])
            .map_err(|message| ProfileError::KernelFailed {
                cell: cell_id.clone(),
                message: message.to_string(),
            })?;
        // Verified against naive like every measured cell: a profile of a wrong answer, or of
        // a kernel that panics, has nothing to show.
        match subject.verify(&mut |_| {}).pop() {
            Some(Readiness::Ready { .. }) => {}
            Some(Readiness::Unavailable { error, .. }) => {
                return Err(ProfileError::KernelFailed {
                    cell: cell_id,
                    message: format!("failed its check against naive: {error}"),
                });
            }
            None => unreachable!("one variant was asked for"),
        }
        let size = match source {
            InputSource::Generated { size, .. } => format_size(*size),
            InputSource::File { .. } => "file".to_owned(),
        };
        Ok(Cell {
            workload: w.name(),
            variant: info.name,
            size,
            subject,
            crew: None,
        })
    }

    /// The same cell run by `threads` threads at once, as `perflab run --threads` measures it:
    /// the other threads each build their own copy of the input with its own context and arena,
    /// verify the variant on it, and then run with this one, released together. A sampling
    /// profile then covers every thread (pprof's signal goes to whichever thread is running), and
    /// puffin shows one timeline per thread.
    ///
    /// # Errors
    /// A thread that cannot build its input, or on which the variant fails its check.
    pub fn on_threads(
        mut self,
        registry: &Registry,
        source: &InputSource,
        threads: usize,
    ) -> Result<Cell, ProfileError> {
        self.crew = None;
        if threads > 1 {
            let cell = format!("{}/{}", self.workload, self.variant);
            let failed = |message| ProfileError::KernelFailed {
                cell: cell.clone(),
                message,
            };
            let names = [self.variant.to_owned()];
            let crew = Crew::start(registry, self.workload, source, &names, threads - 1, &[])
                .map_err(failed)?;
            self.crew = Some(crew);
            // A run on every thread checks that the variant verified on each of them.
            self.try_run(1).map_err(failed)?;
        }
        Ok(self)
    }

    /// Threads that run the cell at once.
    pub fn threads(&self) -> usize {
        self.crew.as_ref().map_or(1, Crew::capacity)
    }

    /// Every supported variant of the named workloads (all workloads when `workloads` is
    /// empty), in catalogue order: the rotation `perflab live` runs.
    ///
    /// # Errors
    /// As [`Cell::prepare`]; unsupported variants are skipped, not errors.
    pub fn all(
        registry: &Registry,
        workloads: &[String],
        size: usize,
        seed: u64,
    ) -> Result<Vec<Cell>, ProfileError> {
        let chosen: Vec<&str> = if workloads.is_empty() {
            registry.names()
        } else {
            workloads.iter().map(String::as_str).collect()
        };
        let mut cells = Vec::new();
        for name in chosen {
            let w = registry.find(name)?;
            for v in w.variants().iter().filter(|v| v.supported) {
                cells.push(Cell::prepare(registry, name, v.name, size, seed)?);
            }
        }
        Ok(cells)
    }

    /// `workload/variant/size`, e.g. `wordfreq/naive/64KiB` (`…/file` on a user's file), with
    /// `/2t` at two threads, as results files name the cell.
    pub fn id(&self) -> String {
        match self.threads() {
            1 => format!("{}/{}/{}", self.workload, self.variant, self.size),
            n => format!("{}/{}/{}/{n}t", self.workload, self.variant, self.size),
        }
    }

    /// The size label: `64KiB`, or `file` for a user's file, as in results files' cell ids.
    pub fn size_label(&self) -> &str {
        &self.size
    }

    /// The workload's name.
    pub fn workload(&self) -> &'static str {
        self.workload
    }

    /// The variant's name.
    pub fn variant(&self) -> &'static str {
        self.variant
    }

    /// Runs the variant `iters` times in the harness's timed loop (on every thread at once).
    pub fn run(&mut self, iters: u64) {
        // The one variant was verified in `prepare` (and on every thread in `on_threads`), so a
        // failure here is a kernel that panics only sometimes: the run just has less to show.
        let _ = self.try_run(iters);
    }

    fn try_run(&mut self, iters: u64) -> Result<(), String> {
        match self.crew.as_mut() {
            Some(crew) => {
                let threads = crew.capacity();
                crew.run(&mut self.subject, 0, iters, threads, false)
                    .map(|_| ())
            }
            None => self
                .subject
                .run(0, iters, Phase::Profiled)
                .map_err(String::from),
        }
    }

    /// Runs the variant for about `duration`, in batches of about a millisecond so the clock is
    /// read rarely, and returns how many runs were made (at least one).
    pub fn run_for(&mut self, duration: Duration) -> u64 {
        let start = Instant::now();
        let mut batch = 1u64;
        let mut runs = 0u64;
        loop {
            let t = Instant::now();
            self.run(batch);
            runs += batch;
            let took = t.elapsed();
            if start.elapsed() >= duration {
                return runs;
            }
            if took < Duration::from_micros(500) {
                batch = batch.saturating_mul(2);
            }
        }
    }
}

fn names(variants: &[VariantInfo]) -> String {
    variants
        .iter()
        .map(|v| v.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_runs_and_bad_names_say_what_exists() {
        let registry = perflab_catalog::registry();
        let mut cell = Cell::prepare(&registry, "wordfreq", "naive", 4096, 1).unwrap();
        assert_eq!(cell.id(), "wordfreq/naive/4KiB");
        assert!(cell.run_for(Duration::from_millis(5)) >= 1);
        let err = Cell::prepare(&registry, "wordfreq", "nope", 4096, 1)
            .err()
            .unwrap();
        assert!(err.to_string().contains("naive"), "{err}");
        let err = Cell::prepare(&registry, "nope", "naive", 4096, 1)
            .err()
            .unwrap();
        assert!(err.to_string().contains("wordfreq"), "{err}");
        let all = Cell::all(&registry, &["search".to_owned()], 4096, 1).unwrap();
        assert!(all.iter().all(|c| c.workload() == "search") && all.len() >= 2);
    }

    #[test]
    fn a_cell_runs_on_a_users_file() {
        let registry = perflab_catalog::registry();
        let path = std::env::temp_dir().join(format!("perflab-cell-{}.txt", std::process::id()));
        std::fs::write(
            &path,
            "the quick brown fox jumps over the lazy dog\n".repeat(50),
        )
        .unwrap();
        let source = InputSource::from_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut cell = Cell::prepare_on(&registry, "wordfreq", "optimized", &source).unwrap();
        assert_eq!(cell.id(), "wordfreq/optimized/file");
        assert_eq!(cell.size_label(), "file");
        assert!(cell.run_for(Duration::from_millis(2)) >= 1);
    }
}
