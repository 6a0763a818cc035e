//! Joining results files: shards of one sharded run, or runs of disjoint parts of the matrix.
//!
//! Wall times from different machines or compilers are not comparable, so files whose
//! environments differ are refused unless the caller forces the merge; a forced merge keeps
//! each cell's environment, so nothing about where a number came from is lost.

use crate::results::{Environment, Results, SCHEMA};
use std::collections::HashMap;
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
    /// The files measured in an environment other than the first file's, each with what
    /// differs. Their cells carry their own environment in the merged file
    /// ([`Results::environments`], [`crate::results::Benchmark::environment`]).
    pub mixed: Vec<(PathBuf, String)>,
}

/// Merges files in order. Cells are matched by id; a later file's cell replaces an earlier one.
///
/// Files from environments whose wall times are not comparable (another CPU model, core count,
/// OS or compiler: hosted CI runners differ from job to job) are refused unless `force`; when
/// forced, every environment is kept in [`Results::environments`] and every cell names the one it
/// was measured in. A group never spans files (shards split by group), so the ratios within a
/// group stay valid; only absolute times across environments are not comparable.
///
/// Linear in the number of cells: ids are matched through a hash index.
pub fn merge(files: Vec<(PathBuf, Results)>, force: bool) -> Result<Merged, MergeError> {
    let mut iter = files.into_iter();
    let (first_path, first) = iter.next().ok_or(MergeError::Nothing)?;
    let mut merged = Results {
        benchmarks: Vec::with_capacity(first.benchmarks.len()),
        environments: Vec::new(),
        ..first.clone()
    };
    merged.schema = SCHEMA.to_owned();
    merged.config.shard = None;
    // Every distinct environment, the first file's first.
    let mut envs: Vec<Environment> = vec![merged.environment.clone()];
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut duplicates = Vec::new();
    let mut mixed = Vec::new();
    let mut add_file = |path: &PathBuf, file: Results, merged: &mut Results| {
        let own = file.cell_environments();
        let mut map = Vec::with_capacity(own.len());
        for e in own {
            let k = match envs.iter().position(|x| x.comparable_with(e)) {
                Some(k) => k,
                None => {
                    mixed.push((path.clone(), describe_difference(&envs[0], e)));
                    envs.push(e.clone());
                    envs.len() - 1
                }
            };
            map.push(k);
        }
        for mut b in file.benchmarks {
            let k = b.environment.map_or(0, |i| i as usize);
            b.environment = map.get(k).map(|&k| k as u32);
            match index.get(&b.name.id) {
                Some(&slot) => {
                    duplicates.push(b.name.id.clone());
                    merged.benchmarks[slot] = b;
                }
                None => {
                    index.insert(b.name.id.clone(), merged.benchmarks.len());
                    merged.benchmarks.push(b);
                }
            }
        }
    };
    add_file(&first_path, first, &mut merged);
    for (path, other) in iter {
        if !force && !other.environment.comparable_with(&merged.environment) {
            return Err(MergeError::Environment {
                first: first_path,
                path,
                what: describe_difference(&merged.environment, &other.environment),
            });
        }
        for a in &other.config.allocators {
            if !merged.config.allocators.contains(a) {
                merged.config.allocators.push(a.clone());
            }
        }
        for s in &other.config.sizes {
            if !merged.config.sizes.contains(s) {
                merged.config.sizes.push(*s);
            }
        }
        add_file(&path, other, &mut merged);
    }
    if envs.len() > 1 {
        merged.environments = envs;
    } else {
        // One environment: the file says it once, as an unmerged file does.
        for b in &mut merged.benchmarks {
            b.environment = None;
        }
    }
    // A merge of the first file alone may have been a mixed file already: `mixed` then names it.
    Ok(Merged {
        results: merged,
        duplicates,
        mixed,
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
            b.name.id = (*id).to_owned();
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
        let ids: Vec<_> = m
            .results
            .benchmarks
            .iter()
            .map(|b| b.name.id.as_str())
            .collect();
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

    #[test]
    fn a_forced_merge_keeps_each_cells_environment() {
        let m = merge(
            vec![
                ("a".into(), file("x", &["1", "2"])),
                ("b".into(), file("y", &["3"])),
                ("c".into(), file("x", &["4"])),
            ],
            true,
        )
        .unwrap();
        assert_eq!(m.mixed.len(), 1);
        assert_eq!(m.mixed[0].0, PathBuf::from("b"));
        assert!(m.mixed[0].1.contains("`x` vs `y`"), "{}", m.mixed[0].1);
        let r = &m.results;
        assert_eq!(r.environments.len(), 2);
        assert_eq!(r.environment.cpu_model, "x");
        let cpu = |id: &str| {
            let b = r.benchmarks.iter().find(|b| b.name.id == id).unwrap();
            r.environment_of(b).cpu_model.clone()
        };
        assert_eq!([cpu("1"), cpu("3"), cpu("4")], ["x", "y", "x"]);
        // Merging the merge again (with a file from a third machine) keeps every cell's origin.
        let again = merge(
            vec![
                ("m".into(), m.results.clone()),
                ("d".into(), file("z", &["5"])),
            ],
            true,
        )
        .unwrap();
        let r2 = &again.results;
        assert_eq!(r2.environments.len(), 3);
        for (id, want) in [("1", "x"), ("3", "y"), ("5", "z")] {
            let b = r2.benchmarks.iter().find(|b| b.name.id == id).unwrap();
            assert_eq!(r2.environment_of(b).cpu_model, want);
        }
        // One environment: nothing extra is written.
        let same = merge(
            vec![
                ("a".into(), file("x", &["1"])),
                ("b".into(), file("x", &["2"])),
            ],
            false,
        )
        .unwrap();
        assert!(same.results.environments.is_empty());
        assert!(
            same.results
                .benchmarks
                .iter()
                .all(|b| b.environment.is_none())
        );
    }
}
