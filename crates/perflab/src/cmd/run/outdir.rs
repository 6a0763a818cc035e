//! The output directory of a run: one run at a time in it, and what an interrupt leaves there.

use anyhow::{Context, Result, bail};
use std::path::Path;

/// Creates the output directory and locks it for this run. One run per directory at a time:
/// two would each rewrite results.json with only their own cells. The lock is held until this
/// process ends, however it ends (the kernel drops it).
pub(super) fn claim_out_dir(out_dir: &Path, resuming: bool) -> Result<std::fs::File> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create output directory {}", out_dir.display()))?;
    let lock = lock_dir(out_dir)?;
    if !resuming {
        // Profiles of an earlier run into this directory are of other numbers.
        perflab_profile::after_run::remove_stale(out_dir)?;
    }
    Ok(lock)
}

/// Takes the lock of an output directory: `DIR/.perflab.lock`, an advisory lock the kernel
/// releases when this process ends, however it ends, with this process's id in the file so the
/// second run can say who holds it.
pub(super) fn lock_dir(dir: &Path) -> Result<std::fs::File> {
    use std::io::{Read as _, Seek as _, Write as _};
    let path = dir.join(".perflab.lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let holder = match text.trim() {
                "" => "another process".to_owned(),
                pid => format!("pid {pid}"),
            };
            bail!(
                "{} is in use by another perflab run ({holder}); wait for it to end or choose another --out",
                dir.display()
            );
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    // Best effort: the pid is only for the message above.
    let _ = file
        .set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    Ok(file)
}

/// On SIGINT or SIGTERM, ends the process with the conventional status 130. The handler replaces
/// whatever disposition was inherited (a background job's SIGINT is ignored), so `kill -INT`
/// always stops a run; results are saved after every group, so nothing finished is lost.
pub(super) fn exit_on_interrupt() {
    let installed = ctrlc::set_handler(|| {
        errln!("perflab: interrupted; every finished group is saved");
        std::process::exit(130);
    });
    if let Err(e) = installed {
        errln!("perflab: warning: Ctrl-C will not stop cleanly: {e}");
    }
}
