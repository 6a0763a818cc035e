//! `.puffin` captures that keep every scope's name, however long the capture.
//!
//! puffin sends a scope's name (its "details") only in the first frame after the scope is first
//! used. `FrameView::write` writes each kept frame with only its own new scopes, so once a long
//! capture has dropped its first frames, the file has scopes without names. The [`Recorder`]
//! keeps the full scope collection apart from the frames and writes it with the first frame it
//! kept, so puffin_viewer (and [`read_capture`]) name every scope.

use crate::ProfileError;
use puffin::{FrameData, FrameSinkId, FrameView, GlobalProfiler, ScopeCollection};
use std::collections::VecDeque;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// How many frames a [`Recorder`] keeps by default: the most recent ones beyond that are kept
/// and the oldest dropped. At `perflab live`'s pace (at most 250 frames a second) that is more
/// than ten minutes; packed frames of the whole catalogue take a few kB each.
pub const DEFAULT_MAX_FRAMES: usize = 200_000;

#[derive(Default)]
struct Recording {
    frames: VecDeque<Arc<FrameData>>,
    scopes: ScopeCollection,
    dropped: u64,
}

/// Records the global profiler's frames for a `.puffin` file.
pub struct Recorder {
    sink_id: FrameSinkId,
    recording: Arc<Mutex<Recording>>,
}

/// What a finished capture holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureSummary {
    /// The file written.
    pub path: PathBuf,
    /// Frames written.
    pub frames: usize,
    /// The oldest frames dropped to stay within the frame limit.
    pub dropped: u64,
    /// Scope names written (all scopes seen during the capture).
    pub scopes: usize,
}

impl Recorder {
    /// Starts recording every frame the global profiler emits, keeping the newest `max_frames`.
    pub fn start(max_frames: usize) -> Recorder {
        let recording: Arc<Mutex<Recording>> = Arc::default();
        let sink = Arc::clone(&recording);
        let max_frames = max_frames.max(1);
        let mut profiler = GlobalProfiler::lock();
        let sink_id = profiler.add_sink(Box::new(move |frame: Arc<FrameData>| {
            // Compress now: a long capture holds many frames. (lz4, microseconds per frame.)
            frame.pack();
            let mut r = sink.lock().unwrap_or_else(PoisonError::into_inner);
            for scope in &frame.scope_delta {
                r.scopes.insert(Arc::clone(scope));
            }
            r.frames.push_back(frame);
            while r.frames.len() > max_frames {
                r.frames.pop_front();
                r.dropped += 1;
            }
        }));
        // Scopes registered before this sink existed are re-sent with the next frame.
        profiler.emit_scope_snapshot();
        Recorder { sink_id, recording }
    }

    /// Stops recording and writes the capture to `path` (directory created).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn finish(self, path: &Path) -> Result<CaptureSummary, ProfileError> {
        GlobalProfiler::lock().remove_sink(self.sink_id);
        let r = std::mem::take(
            &mut *self
                .recording
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        crate::render::create_parent(path)?;
        let file = std::fs::File::create(path).map_err(|e| ProfileError::io("create", path, e))?;
        let mut out = BufWriter::new(file);
        write_capture(r.frames.iter(), &r.scopes, &mut out)
            .and_then(|()| out.flush().map_err(Into::into))
            .map_err(|e| ProfileError::Capture {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
        Ok(CaptureSummary {
            path: path.to_owned(),
            frames: r.frames.len(),
            dropped: r.dropped,
            scopes: r.scopes.scopes_by_id().len(),
        })
    }
}

/// Writes frames (oldest first) in puffin's `.puffin` format, the first carrying every scope of
/// `scopes`, so that a reader learns all names before any frame that uses them.
///
/// # Errors
/// A write or encoding error.
pub fn write_capture<'a>(
    frames: impl Iterator<Item = &'a Arc<FrameData>>,
    scopes: &ScopeCollection,
    out: &mut impl std::io::Write,
) -> Result<(), PuffinError> {
    out.write_all(b"PUF0")?;
    for (i, frame) in frames.enumerate() {
        frame.write_into((i == 0).then_some(scopes), out)?;
    }
    Ok(())
}

/// Reads a `.puffin` file with puffin's own reader (as puffin_viewer does).
///
/// # Errors
/// An unreadable or malformed file.
pub fn read_capture(path: &Path) -> Result<FrameView, ProfileError> {
    let file = std::fs::File::open(path).map_err(|e| ProfileError::io("read", path, e))?;
    FrameView::read(&mut std::io::BufReader::new(file)).map_err(|e| ProfileError::Capture {
        path: path.to_owned(),
        message: format!("{e:#}"),
    })
}

/// puffin reports errors as `anyhow::Error`; boxed, so this crate need not depend on anyhow.
pub type PuffinError = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_capture_keeps_every_scope_name() {
        let _serial = crate::live::tests::PUFFIN.lock();
        let registry = perflab_catalog::registry();
        let mut cells = crate::Cell::all(&registry, &["wordfreq".to_owned()], 4096, 1).unwrap();
        // Keep only the last 3 frames: the frames that introduced the scopes are dropped.
        let recorder = Recorder::start(3);
        puffin::set_scopes_on(true);
        for _ in 0..20 {
            for cell in &mut cells {
                cell.run(1);
            }
            GlobalProfiler::lock().new_frame();
        }
        puffin::set_scopes_on(false);
        let path =
            std::env::temp_dir().join(format!("perflab-capture-{}.puffin", std::process::id()));
        let summary = recorder.finish(&path).unwrap();
        assert_eq!((summary.frames, summary.dropped), (3, 17));
        let view = read_capture(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let names: Vec<String> = view
            .scope_collection()
            .scopes_by_name()
            .keys()
            .map(ToString::to_string)
            .collect();
        for want in [
            "wordfreq/naive",
            "wordfreq/arena",
            "tokenize_count",
            "top_k",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "{want} missing from {names:?}"
            );
        }
        assert_eq!(view.all_uniq().count(), 3);
    }
}
