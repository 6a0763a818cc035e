//! The `logs` input generator: realistic service logs, fully determined by `(size, seed)`.
//!
//! Timestamps advance by 0–999 ms per line from 2026-11-28T07:00:00.000Z (rolling over days and
//! months); levels are weighted INFO 50%, DEBUG 25%, WARN 14%, ERROR 8%, TRACE 3%; about 30
//! components; messages of 1–8 words from a word list; 0–6 fields, with `ms` on about 60% of
//! lines; about 3% of lines end in `\r\n`, 0.5% are empty, and about 2% are malformed in one
//! of many ways (bad date or time, unknown level, bad component, bad key, empty value, bad `ms`,
//! duplicate key, a word after the fields, a tab or a non-ASCII byte).

use super::syntax::days_in_month;
use perflab_core::Rng;
use std::fmt::Write;

const COMPONENTS: [&str; 30] = [
    "net.http",
    "net.tcp",
    "net.dns",
    "db.pool",
    "db.query",
    "db.migrate",
    "cache.redis",
    "cache.local",
    "auth.session",
    "auth.oauth",
    "api.v1",
    "api.v2",
    "api.grpc",
    "queue.kafka",
    "queue.retry",
    "storage.s3",
    "storage.disk",
    "scheduler",
    "worker-7",
    "billing",
    "search.index",
    "search.query",
    "metrics",
    "tracing",
    "config",
    "deploy",
    "gc",
    "tls",
    "mailer",
    "web_ui",
];
const WORDS: [&str; 40] = [
    "request",
    "response",
    "slow",
    "connection",
    "closed",
    "opened",
    "retrying",
    "timeout",
    "cache",
    "miss",
    "hit",
    "user",
    "session",
    "expired",
    "started",
    "finished",
    "failed",
    "query",
    "took",
    "longer",
    "than",
    "expected",
    "upstream",
    "returned",
    "error",
    "ok",
    "reading",
    "writing",
    "batch",
    "flushed",
    "queue",
    "full",
    "dropping",
    "message",
    "handshake",
    "done",
    "the",
    "a",
    "of",
    "for",
];
const KEYS: [&str; 10] = [
    "path", "status", "user_id", "bytes", "retries", "peer", "method", "trace_id", "shard",
    "region",
];
const VALUES: [&str; 12] = [
    "/a",
    "/api/v1/users",
    "200",
    "503",
    "42",
    "10.0.0.7:443",
    "GET",
    "POST",
    "eu-west-1",
    "7f3a9c",
    "true",
    "q=1",
];

/// A clock that advances through valid timestamps.
struct Clock {
    y: u32,
    mo: u32,
    d: u32,
    ms_of_day: u64,
}

impl Clock {
    fn advance(&mut self, ms: u64) {
        self.ms_of_day += ms;
        if self.ms_of_day >= 86_400_000 {
            self.ms_of_day -= 86_400_000;
            self.d += 1;
            if self.d > days_in_month(self.y, self.mo) {
                self.d = 1;
                self.mo += 1;
                if self.mo > 12 {
                    self.mo = 1;
                    self.y += 1;
                }
            }
        }
    }

    fn write(&self, out: &mut String) {
        let t = self.ms_of_day;
        let (h, mi, s, ms) = (t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000);
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z",
            self.y, self.mo, self.d
        );
    }
}

/// Bytes of log lines, at most `size` long, ending at a line boundary.
pub(super) fn generate(size: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut clock = Clock {
        y: 2026,
        mo: 11,
        d: 28,
        ms_of_day: 7 * 3_600_000,
    };
    let mut out = Vec::with_capacity(size);
    let mut line = String::new();
    loop {
        line.clear();
        if !rng.chance(0.005) {
            clock.advance(rng.below(1000));
            make_line(&mut rng, &clock, &mut line);
            if rng.chance(0.02) {
                corrupt(&mut rng, &mut line);
            }
        }
        if rng.chance(0.03) {
            line.push('\r');
        }
        line.push('\n');
        if out.len() + line.len() > size {
            return out;
        }
        out.extend_from_slice(line.as_bytes());
    }
}

fn make_line(rng: &mut Rng, clock: &Clock, line: &mut String) {
    clock.write(line);
    let level = match rng.below(100) {
        0..50 => "INFO",
        50..75 => "DEBUG",
        75..89 => "WARN",
        89..97 => "ERROR",
        _ => "TRACE",
    };
    let component = COMPONENTS[(rng.below(30) * rng.below(31) / 30) as usize];
    let _ = write!(line, " {level} [{component}]");
    for _ in 0..1 + rng.below(8) {
        line.push(' ');
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        line.push_str(word);
    }
    let nfields = rng.below(7) as usize;
    let mut keys: Vec<&str> = KEYS.to_vec();
    for _ in 0..nfields.min(KEYS.len()) {
        let k = keys.swap_remove(rng.below(keys.len() as u64) as usize);
        let _ = write!(line, " {k}={}", rng.pick(&VALUES[..]));
    }
    if rng.chance(0.6) {
        // Latencies: mostly small, a long tail.
        let ms = rng.below(50) * (1 + rng.below(4) * rng.below(200));
        let _ = write!(line, " ms={ms}");
    }
}

/// Breaks a well-formed line in one of many ways.
fn corrupt(rng: &mut Rng, line: &mut String) {
    let replace =
        |line: &mut String, at: usize, with: &str| line.replace_range(at..at + with.len(), with);
    match rng.below(12) {
        0 => replace(line, 5, "13"),
        1 => replace(line, 8, "32"),
        2 => replace(line, 11, "24"),
        3 => replace(line, 23, "+"),
        4 => {
            if let Some(len) = line[25..].find(' ') {
                line.replace_range(25..25 + len, "FATAL");
            }
        }
        5 => *line = line.replacen(" [", "[", 1),
        6 => *line = line.replacen("[", "[Net", 1),
        7 => line.push_str(" Status=1"),
        8 => line.push_str(" empty="),
        9 => line.push_str(" ms=12x"),
        10 => line.push_str(" path=/b path=/c trailing"),
        _ => line.push_str(if rng.chance(0.5) {
            " caf\u{e9}"
        } else {
            "\ttab"
        }),
    }
}
