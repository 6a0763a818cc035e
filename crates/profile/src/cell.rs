//! One cell (`workload/variant` at a size), prepared once and run in the harness's own loop.
//!
//! Profiles must show the code the benchmarks time, so a [`Cell`] runs the variant through
//! [`PreparedInput::run_iters`], the same statically dispatched, `black_box`ed loop the harness
//! measures, rather than a loop of its own.

use crate::ProfileError;
use perflab_core::{Ctx, PreparedInput, Registry, VariantInfo, format_size, panic_message};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// A variant with its input built, ready to run.
pub struct Cell {
    workload: &'static str,
    variant: &'static str,
    size: usize,
    index: usize,
    input: Box<dyn PreparedInput>,
    ctx: Ctx,
}

impl Cell {
    /// Prepares `workload/variant` on generated input of `size` bytes, and runs it once (outside
    /// any profile) so that a kernel that panics is an error here, not a crash mid-profile.
    ///
    /// # Errors
    /// An unknown workload or variant, a variant this CPU cannot run, or a kernel that panics.
    pub fn prepare(
        registry: &Registry,
        workload: &str,
        variant: &str,
        size: usize,
        seed: u64,
    ) -> Result<Cell, ProfileError> {
        let w = registry
            .get(workload)
            .ok_or_else(|| ProfileError::UnknownWorkload {
                name: workload.to_owned(),
                expected: registry.names().join(", "),
            })?;
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
        let source = perflab_core::InputSource::Generated { size, seed };
        let input = w.prepare(&source)?;
        let mut cell = Cell {
            workload: w.name(),
            variant: info.name,
            size,
            index,
            input,
            ctx: Ctx::new(),
        };
        cell.warm_up()?;
        Ok(cell)
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
            let w = registry
                .get(name)
                .ok_or_else(|| ProfileError::UnknownWorkload {
                    name: name.to_owned(),
                    expected: registry.names().join(", "),
                })?;
            for v in w.variants().iter().filter(|v| v.supported) {
                cells.push(Cell::prepare(registry, name, v.name, size, seed)?);
            }
        }
        Ok(cells)
    }

    /// `workload/variant/size`, e.g. `wordfreq/naive/64KiB`.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.workload,
            self.variant,
            format_size(self.size)
        )
    }

    /// The workload's name.
    pub fn workload(&self) -> &'static str {
        self.workload
    }

    /// The variant's name.
    pub fn variant(&self) -> &'static str {
        self.variant
    }

    /// Runs the variant `iters` times in the harness's timed loop.
    pub fn run(&mut self, iters: u64) {
        self.input.run_iters(self.index, iters, &mut self.ctx);
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

    fn warm_up(&mut self) -> Result<(), ProfileError> {
        let (index, ctx, input) = (self.index, &mut self.ctx, &self.input);
        catch_unwind(AssertUnwindSafe(|| input.check(index, ctx)))
            .map(drop)
            .map_err(|payload| ProfileError::KernelPanicked {
                cell: format!("{}/{}", self.workload, self.variant),
                message: panic_message(payload.as_ref()),
            })
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
}
