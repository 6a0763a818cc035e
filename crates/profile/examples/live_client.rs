//! A headless puffin viewer: connects to `perflab live` with puffin_http's own client and prints
//! what arrives, to check a server without a GUI.
//!
//! `cargo run -p perflab-profile --example live_client -- 127.0.0.1:8585 5`

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args
        .next()
        .unwrap_or_else(|| perflab_profile::live::DEFAULT_ADDR.to_owned());
    let seconds: f64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let client = puffin_http::Client::new(addr.clone());
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        std::thread::sleep(Duration::from_millis(250));
    }
    let view = client.frame_view();
    let frames: Vec<_> = view.all_uniq().cloned().collect();
    let mut folder = perflab_profile::scopes::ScopeFolder::new();
    // The client's view already knows every scope; hand the names to the folder first.
    folder.learn(view.scope_collection());
    for frame in &frames {
        folder.add_frame(frame);
    }
    let names = folder.scope_names();
    println!(
        "{addr}: connected={} frames={} (indices {:?}..{:?}), {} scope names",
        client.connected(),
        frames.len(),
        frames.first().map(|f| f.frame_index()),
        frames.last().map(|f| f.frame_index()),
        names.len()
    );
    let folded = folder.into_folded();
    println!("most self time:");
    for (frame, ns) in folded.top_self(8) {
        println!(
            "  {:>5.1}%  {frame}",
            100.0 * ns as f64 / folded.total().max(1) as f64
        );
    }
}
