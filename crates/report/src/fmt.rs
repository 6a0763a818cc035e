//! How numbers look on the page: three significant digits and a unit a person reads at a glance.
//!
//! Public so that tests (and other front ends, such as a terminal summary) show a cell's numbers
//! exactly as the report does.

/// Three significant digits: `1.23`, `12.3`, `123`, `1234` (integers stay whole).
pub fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_owned();
    }
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A duration in nanoseconds: `12.3 ns`, `4.56 µs`, `789 ms`, `1.20 s`.
pub fn time_ns(ns: f64) -> String {
    let a = ns.abs();
    if a < 1e3 {
        format!("{} ns", sig3(ns))
    } else if a < 1e6 {
        format!("{} µs", sig3(ns / 1e3))
    } else if a < 1e9 {
        format!("{} ms", sig3(ns / 1e6))
    } else {
        format!("{} s", sig3(ns / 1e9))
    }
}

/// A 95% interval of times: `4.50–4.61 µs`, both ends in the unit of the upper end.
pub fn time_ci(ci: [f64; 2]) -> String {
    let (scale, unit) = time_unit(ci[1]);
    format!("{}–{} {unit}", sig3(ci[0] / scale), sig3(ci[1] / scale))
}

fn time_unit(ns: f64) -> (f64, &'static str) {
    let a = ns.abs();
    if a < 1e3 {
        (1.0, "ns")
    } else if a < 1e6 {
        (1e3, "µs")
    } else if a < 1e9 {
        (1e6, "ms")
    } else {
        (1e9, "s")
    }
}

/// Bytes per second in binary units: `812 MiB/s`, `12.4 GiB/s`.
pub fn throughput(bps: f64) -> String {
    format!("{}/s", bytes(bps))
}

/// A byte count in binary units: `0 B`, `512 B`, `53.0 KiB`, `1.00 MiB`.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if b.abs() < 1024.0 {
        return if b == b.trunc() {
            format!("{b:.0} B")
        } else {
            format!("{} B", sig3(b))
        };
    }
    let mut v = b / 1024.0;
    let mut unit = UNITS[0];
    for u in &UNITS[1..] {
        if v.abs() < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    format!("{} {unit}", sig3(v))
}

/// An input size as perflab names it: `4KiB`, `16MiB`, `1000B` (exact binary multiples only).
pub fn size_label(bytes: u64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] {
        if bytes >= 1 << shift && bytes.is_multiple_of(1 << shift) {
            return format!("{}{unit}", bytes >> shift);
        }
    }
    format!("{bytes}B")
}

/// A compact axis tick for throughput: `100 MiB/s`, `2 GiB/s` (no trailing zeros).
pub fn throughput_tick(bps: f64) -> String {
    let s = throughput(bps);
    // "2.00 GiB/s" → "2 GiB/s"; "1.50 GiB/s" → "1.5 GiB/s".
    match s.split_once(' ') {
        Some((num, unit)) if num.contains('.') => {
            let num = num.trim_end_matches('0').trim_end_matches('.');
            format!("{num} {unit}")
        }
        _ => s,
    }
}

/// A count per iteration: `0`, `53`, `0.50`, `1.2k`-free (counts are shown in full).
pub fn count(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        sig3(x)
    }
}

/// A speed-up or ratio: `6.87×`.
pub fn ratio(x: f64) -> String {
    format!("{}×", sig3(x))
}

/// A ratio's 95% interval: `6.67–7.98`.
pub fn ratio_ci(ci: [f64; 2]) -> String {
    format!("{}–{}", sig3(ci[0]), sig3(ci[1]))
}

/// A relative change of a time ratio: `+12.3%`, `−4.5%`.
pub fn percent_change(ratio: f64) -> String {
    let p = (ratio - 1.0) * 100.0;
    if p < 0.0 {
        format!("−{}%", sig3(-p))
    } else {
        format!("+{}%", sig3(p))
    }
}

/// A share of a profile's samples: `41.0%`, `<0.1%`, or `none`.
pub fn share(x: f64) -> String {
    if x <= 0.0 {
        "none".to_owned()
    } else if x < 0.001 {
        "<0.1%".to_owned()
    } else {
        format!("{:.1}%", x * 100.0)
    }
}

/// A signed time difference: `+120 µs`, `−1.20 ms`.
pub fn signed_time(ns: f64) -> String {
    let sign = if ns > 0.0 { "+" } else { "−" };
    format!("{sign}{}", time_ns(ns.abs()))
}

/// The plural of `thread` for `n`.
pub fn threads_word(n: u32) -> String {
    if n == 1 {
        "1 thread".to_owned()
    } else {
        format!("{n} threads")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(time_ns(12.3), "12.3 ns");
        assert_eq!(time_ns(672_656.5), "673 µs");
        assert_eq!(time_ns(1_306_841.0), "1.31 ms");
        assert_eq!(time_ci([631_935.0, 826_118.0]), "632–826 µs");
        assert_eq!(throughput(97_428_628.0), "92.9 MiB/s");
        assert_eq!(bytes(0.0), "0 B");
        assert_eq!(bytes(54_272.0), "53.0 KiB");
        assert_eq!(throughput_tick(2.0 * 1024.0 * 1024.0 * 1024.0), "2 GiB/s");
        assert_eq!(throughput_tick(1.5 * 1024.0 * 1024.0), "1.5 MiB/s");
        assert_eq!(count(53.0), "53");
        assert_eq!(size_label(4096), "4KiB");
        assert_eq!(size_label(16 << 20), "16MiB");
        assert_eq!(size_label(1000), "1000B");
        assert_eq!(count(0.5), "0.50");
        assert_eq!(ratio(6.866), "6.87×");
        assert_eq!(percent_change(1.123), "+12.3%");
        assert_eq!(percent_change(0.955), "−4.50%");
        assert_eq!(sig3(f64::NAN), "–");
    }
}
