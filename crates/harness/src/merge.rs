//! Joining results files: shards of one sharded run, or runs of disjoint parts of the matrix.
//!
//! Wall times from different machines or compilers are not comparable, so files whose
//! environments differ are refused unless the caller forces the merge.

use crate::results::{Results, SCHEMA};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Why files could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no results files to merge")]
    Nothing,
    /// Environments differ and the merge was not forced.
    #[error(
        "{} was measured in a different environment than {} ({what}); pass --force to merge anyway",
        path.display(), first.display()
    )]
    Environment {
        /// The first file.
        first: PathBuf,
        /// The file that differs.
        path: PathBuf,
        /// What differs.
        what: String,
    },
}

/// The merged document and the ids that appeared in more than one file (the later file won).
pub struct Merged {
    /// The union of the cells.
    pub results: Results,
    /// Ids seen twice.
    pub duplicates: Vec<String>,
}

/// Merges files in order. Cells are matched by id; a later file's cell replaces an earlier one.
pub fn merge(files: Vec<(PathBuf, Results)>, force: bool) -> Result<Merged, MergeError> {
    let mut iter = files.into_iter();
    let (first_path, mut merged) = iter.next().ok_or(MergeError::Nothing)?;
    merged.schema = SCHEMA.to_owned();
    merged.config.shard = None;
    let mut seen: BTreeSet<String> = merged.benchmarks.iter().map(|b| b.id.clone()).collect();
    let mut duplicates = Vec::new();
    for (path, other) in iter {
        if !force && !merged.environment.comparable_with(&other.environment) {
            return Err(MergeError::Environment {
                first: first_path,
                path,
                what: describe_difference(&merged.environment, &other.environment),
            });
        }
        for a in other.config.allocators {
            if !merged.config.allocators.contains(&a) {
                merged.config.allocators.push(a);
            }
        }
        for s in other.config.sizes {
            if !merged.config.sizes.contains(&s) {
                merged.config.sizes.push(s);
            }
        }
        for b in other.benchmarks {
            if !seen.insert(b.id.clone()) {
                duplicates.push(b.id.clone());
            }
            merged.upsert(b);
        }
    }
    Ok(Merged {
        results: merged,
        duplicates,
    })
}

fn describe_difference(a: &crate::results::Environment, b: &crate::results::Environment) -> String {
    let mut d = Vec::new();
    if a.cpu_model != b.cpu_model {
        d.push(format!("CPU `{}` vs `{}`", a.cpu_model, b.cpu_model));
    }
    if a.simd_features != b.simd_features {
        d.push("SIMD features".to_owned());
    }
    if a.cores != b.cores {
        d.push(format!("{} vs {} cores", a.cores, b.cores));
    }
    if a.os != b.os || a.arch != b.arch {
        d.push(format!("OS `{} {}` vs `{} {}`", a.os, a.arch, b.os, b.arch));
    }
    if a.rustc != b.rustc {
        d.push("rustc".to_owned());
    }
    d.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Benchmark, Environment, RunConfig};
    use perflab_core::VariantKind;

    fn file(cpu: &str, ids: &[&str]) -> Results {
        let env = Environment {
            cpu_model: cpu.into(),
            ..Environment::default()
        };
        let mut r = Results::new(env, RunConfig::default());
        for id in ids {
            let mut b = Benchmark::empty("w", id, VariantKind::Naive, "system", "4KiB", 1);
            b.id = (*id).to_owned();
            r.upsert(b);
        }
        r
    }

    #[test]
    fn unions_cells_and_reports_duplicates() {
        let m = merge(
            vec![
                ("a".into(), file("x", &["1", "2"])),
                ("b".into(), file("x", &["2", "3"])),
            ],
            false,
        )
        .unwrap();
        let ids: Vec<_> = m.results.benchmarks.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
        assert_eq!(m.duplicates, ["2"]);
    }

    #[test]
    fn refuses_other_environments_unless_forced() {
        let files = || {
            vec![
                ("a".into(), file("x", &["1"])),
                ("b".into(), file("y", &["2"])),
            ]
        };
        let e = merge(files(), false).err().unwrap();
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(merge(files(), true).unwrap().results.benchmarks.len(), 2);
        assert!(matches!(merge(vec![], false), Err(MergeError::Nothing)));
    }
}
