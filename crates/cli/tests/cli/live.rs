//! `perflab live`: puffin's own client connected to the server sees the kernels' scopes, a
//! recorded capture is read back by puffin, SIGTERM still writes it, and a port in use or a flag
//! out of range is one line and exit 2.

use crate::common::{HANG_GUARD, assert_usage_error, perflab, tmp, wait_for};
use std::io::{BufRead, BufReader, Read};
use std::process::{ChildStdout, Stdio};

/// Reads `stdout` up to and including the line containing `needle`; panics if it ends first.
fn read_until(stdout: &mut BufReader<ChildStdout>, needle: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "perflab live ended before printing {needle:?}");
        if line.contains(needle) {
            return line;
        }
    }
}

/// The names of the scopes in `view`.
fn scope_names(view: &puffin::FrameView) -> Vec<String> {
    let scopes = view.scope_collection().scopes_by_name();
    scopes.keys().map(ToString::to_string).collect()
}

/// Whether the client has received at least `frames` frames and scopes of every name in `names`.
fn has_seen(client: &puffin_http::Client, frames: usize, names: &[&str]) -> bool {
    let view = client.frame_view();
    let seen = scope_names(&view);
    view.all_uniq().count() >= frames && names.iter().all(|n| seen.iter().any(|k| k == n))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn live_serves_puffin_clients_and_records_a_capture_puffin_reads_back() {
    let dir = tmp("live");
    let capture = dir.join("live.puffin");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = perflab()
        .args([
            "live",
            "--addr",
            &addr,
            "--workload",
            "wordfreq",
            "--workload",
            "search",
            "--size",
            "16KiB",
            "--seconds",
            "4",
            "--record",
            capture.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The server is bound once the command line for the viewer is printed.
    let line = read_until(&mut stdout, "puffin_viewer --url");
    assert!(
        line.contains(&format!("puffin_viewer --url {addr}")),
        "printed {line:?}"
    );

    // Watch until the client has seen what it should, or until the session is over (its four
    // seconds are up and the client has read all it was sent): what it saw is then checked,
    // however long the frames took to come.
    let client = puffin_http::Client::new(addr.clone());
    let wanted = [
        "wordfreq/naive",
        "wordfreq/simd",
        "tokenize_count",
        "search/naive",
    ];
    wait_for("the live session", HANG_GUARD, || {
        let ended = child.try_wait().unwrap().is_some() && !client.connected();
        (ended || has_seen(&client, 6, &wanted)).then_some(())
    });
    let view = client.frame_view();
    let frames = view.all_uniq().count();
    assert!(frames > 5, "{frames} frames arrived");
    let names = scope_names(&view);
    for want in wanted {
        assert!(names.iter().any(|n| n == want), "{want} not in {names:?}");
    }
    // The latest frame holds the kernels' scopes (not only their names).
    let latest = view.latest_frame().expect("a frame");
    let unpacked = latest.unpacked().unwrap();
    assert!(
        unpacked.meta.num_scopes >= 4,
        "{} scopes",
        unpacked.meta.num_scopes
    );
    drop(view);
    drop(client);

    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("recorded"), "{rest}");
    let file = std::fs::File::open(&capture).unwrap();
    let view = puffin::FrameView::read(&mut BufReader::new(file)).expect("puffin reads it");
    assert!(view.all_uniq().count() > 10);
    let recorded = scope_names(&view);
    for want in ["wordfreq/naive", "wordfreq/arena", "top_k", "search/memchr"] {
        assert!(
            recorded.iter().any(|n| n == want),
            "{want} not in {recorded:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn live_on_a_port_in_use_is_exit_2_naming_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    assert_usage_error(
        &[
            "live",
            "--addr",
            &addr,
            "--seconds",
            "1",
            "--workload",
            "search",
        ],
        &addr,
    );
}

#[test]
fn live_flags_out_of_range_are_one_line_and_exit_2() {
    assert_usage_error(&["live", "--seconds", "1e20"], "1e20");
    assert_usage_error(&["live", "--seconds", "NaN"], "NaN");
    assert_usage_error(&["live", "--record", "x.puffin", "--max-frames", "0"], "0");
    let missing = "/no/such/dir/x.puffin";
    assert_usage_error(&["live", "--record", missing, "--seconds", "5"], missing);
}

#[cfg(unix)]
#[test]
fn live_ended_by_sigterm_still_writes_its_capture() {
    let dir = tmp("live-term");
    let capture = dir.join("term.puffin");
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = perflab()
        .args(["live", "--addr", &addr, "-w", "search", "--size", "4KiB"])
        .args(["--record", capture.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    read_until(&mut stdout, "running until");
    // Signalled once a viewer has been sent a frame: the session is under way and has recorded
    // something, whatever the machine's speed.
    let client = puffin_http::Client::new(addr);
    wait_for("a frame sent to a viewer", HANG_GUARD, || {
        has_seen(&client, 1, &[]).then_some(())
    });
    drop(client);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    let _ = stdout.read_to_string(&mut rest);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {rest}");
    assert!(rest.contains("recorded"), "{rest}");
    assert!(std::fs::metadata(&capture).unwrap().len() > 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
