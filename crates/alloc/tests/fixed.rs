//! `PerflabAllocator::fixed` pins an allocator at compile time, whatever `PERFLAB_ALLOCATOR` says.
//!
//! The driver re-runs this executable with the variable naming another allocator (or an unknown
//! one) and checks in the child that the fixed allocator won and really serves the process.

use std::process::Command;

use perflab_alloc::{Allocator, ENV_VAR, PerflabAllocator, measure, proof, selection};

#[global_allocator]
static GLOBAL: PerflabAllocator = PerflabAllocator::fixed(Allocator::Mimalloc);

const CHILD: &str = "PERFLAB_ALLOC_TEST_CHILD";

#[test]
fn fixed_allocator_ignores_env() {
    for env_value in ["jemalloc", "bogus"] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "--test-threads=1", "worker_fixed"])
            .env(ENV_VAR, env_value)
            .env(CHILD, "1")
            .output()
            .expect("spawn child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{ENV_VAR}={env_value}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn worker_fixed() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert_eq!(selection(), Ok(Allocator::Mimalloc));
    assert!(perflab_alloc::installed());
    let p = proof();
    assert!(p.confirmed(), "{p}");
    let (_v, d) = measure(|| vec![0u8; 4096]);
    assert_eq!((d.allocations, d.bytes_allocated), (1, 4096));
}
