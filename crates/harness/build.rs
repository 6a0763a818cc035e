//! Records the compiler version and git commit perflab is built from, for results files.
use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    if let Some(v) = output(Command::new(rustc).arg("-V")) {
        println!("cargo:rustc-env=PERFLAB_RUSTC_VERSION={v}");
    }
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    if let Some(c) = output(Command::new("git").args(["-C", &manifest, "rev-parse", "HEAD"])) {
        println!("cargo:rustc-env=PERFLAB_GIT_COMMIT={c}");
    }
    if let Some(dir) = output(Command::new("git").args(["-C", &manifest, "rev-parse", "--git-dir"]))
    {
        let dir = std::path::Path::new(&manifest).join(dir);
        for f in ["HEAD", "refs", "packed-refs"] {
            println!("cargo:rerun-if-changed={}", dir.join(f).display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !s.is_empty()).then_some(s)
}
