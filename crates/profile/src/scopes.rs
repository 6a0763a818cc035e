//! Stacks from puffin scopes: what the kernels' `perflab_core::scope!` marks, by self time.
//!
//! Where sampling shows every function, scopes show the phases a person named (the variant,
//! tokenize, top-k…), exactly timed rather than sampled. [`record_cell`] turns puffin's scopes on,
//! runs a cell in frames, and folds each frame as it arrives into `scope;child;… self_ns`.

use crate::{Cell, Folded, ProfileError};
use puffin::{FrameData, GlobalProfiler, Reader, ScopeCollection, Stream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long each puffin frame of [`record_cell`] runs the cell: long enough that frame overhead
/// is negligible, short enough that a frame's scope data stays small.
pub const FRAME_LENGTH: Duration = Duration::from_millis(10);

/// At most this many runs of the cell per frame, so a sub-microsecond kernel does not fill a
/// frame with a million scopes.
pub const MAX_RUNS_PER_FRAME: u64 = 2_000;

/// Folds puffin frames, as they arrive, into stacks of scope names weighted by self time (ns).
///
/// Scope names come from the frames' scope deltas, accumulated in arrival order, so frames must
/// be added oldest first.
#[derive(Default)]
pub struct ScopeFolder {
    scopes: ScopeCollection,
    folded: Folded,
    frames: u64,
}

impl ScopeFolder {
    /// An empty folder.
    pub fn new() -> Self {
        ScopeFolder::default()
    }

    /// Folds one frame (every thread's scopes), learning the scopes it introduces.
    pub fn add_frame(&mut self, frame: &FrameData) {
        for scope in &frame.scope_delta {
            self.scopes.insert(Arc::clone(scope));
        }
        let Ok(unpacked) = frame.unpacked() else {
            return;
        };
        for stream_info in unpacked.thread_streams.values() {
            let mut stack = Vec::new();
            fold_children(
                &self.scopes,
                &stream_info.stream,
                0,
                &mut stack,
                &mut self.folded,
            );
        }
        self.frames += 1;
    }

    /// Learns the names in `scopes` (e.g. a `FrameView`'s collection, whose frames may no
    /// longer carry the deltas that introduced them).
    pub fn learn(&mut self, scopes: &ScopeCollection) {
        for details in scopes.scopes_by_id().values() {
            self.scopes.insert(Arc::clone(details));
        }
    }

    /// Frames folded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The names of every scope seen.
    pub fn scope_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .scopes
            .scopes_by_id()
            .values()
            .map(|d| d.name().to_string())
            .collect();
        names.sort();
        names
    }

    /// The folded stacks.
    pub fn into_folded(self) -> Folded {
        self.folded
    }
}

/// Folds the sibling scopes starting at `offset`; returns their total duration so the parent
/// can subtract it from its own to get its self time.
fn fold_children(
    scopes: &ScopeCollection,
    stream: &Stream,
    offset: u64,
    stack: &mut Vec<String>,
    out: &mut Folded,
) -> i64 {
    let Ok(reader) = Reader::with_offset(stream, offset) else {
        return 0;
    };
    let mut total = 0;
    for scope in reader {
        let Ok(scope) = scope else {
            break;
        };
        let name = scopes
            .fetch_by_id(&scope.id)
            .map_or_else(|| format!("scope#{}", scope.id.0), |d| d.name().to_string());
        let frame = if scope.record.data.is_empty() {
            name
        } else {
            format!("{name}({})", scope.record.data)
        };
        stack.push(frame);
        let children = fold_children(scopes, stream, scope.child_begin_position, stack, out);
        let self_ns = (scope.record.duration_ns - children).max(0) as u64;
        out.add(stack.iter().map(String::as_str), self_ns);
        stack.pop();
        total += scope.record.duration_ns;
    }
    total
}

/// Runs `cell` for about `duration` with puffin's scopes on, one frame per [`FRAME_LENGTH`],
/// and folds the kernel's scopes by self time (ns). Scopes are off again afterwards.
///
/// # Errors
/// [`ProfileError::ScopesNotCompiled`] when the kernels were built without their scopes.
pub fn record_cell(cell: &mut Cell, duration: Duration) -> Result<ScopeFolder, ProfileError> {
    if !perflab_core::SCOPES_COMPILED {
        return Err(ProfileError::ScopesNotCompiled);
    }
    let frames: Arc<Mutex<Vec<Arc<FrameData>>>> = Arc::default();
    let sink = Arc::clone(&frames);
    let sink_id = {
        let mut profiler = GlobalProfiler::lock();
        let id = profiler.add_sink(Box::new(move |frame| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(frame);
        }));
        // A sink added after scopes were registered (say, by an earlier profile in this
        // process) still learns their names.
        profiler.emit_scope_snapshot();
        id
    };
    // Runs per frame, doubled until a frame lasts FRAME_LENGTH (or the cap).
    let mut runs = 1u64;
    let mut folder = ScopeFolder::new();
    let start = Instant::now();
    puffin::set_scopes_on(true);
    while start.elapsed() < duration {
        let t = Instant::now();
        cell.run(runs);
        if t.elapsed() < FRAME_LENGTH / 2 && runs < MAX_RUNS_PER_FRAME {
            runs = (runs * 2).min(MAX_RUNS_PER_FRAME);
        }
        GlobalProfiler::lock().new_frame();
        let arrived = std::mem::take(&mut *frames.lock().unwrap_or_else(PoisonError::into_inner));
        for frame in &arrived {
            folder.add_frame(frame);
        }
    }
    puffin::set_scopes_on(false);
    GlobalProfiler::lock().remove_sink(sink_id);
    Ok(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_fold_into_kernel_phases_by_self_time() {
        let _serial = crate::live::tests::PUFFIN.lock();
        let registry = perflab_catalog::registry();
        let mut cell = Cell::prepare(&registry, "wordfreq", "naive", 16 << 10, 1).unwrap();
        let folder = record_cell(&mut cell, Duration::from_millis(200)).unwrap();
        assert!(folder.frames() > 0);
        let folded = folder.into_folded();
        let text = folded.to_text();
        assert!(
            text.contains("wordfreq/naive;tokenize_count ")
                && text.contains("wordfreq/naive;top_k "),
            "{text}"
        );
        assert!(!puffin::are_scopes_on());
    }
}
