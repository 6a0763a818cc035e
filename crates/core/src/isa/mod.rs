//! The instruction-set levels perflab's SIMD kernels run at, and which of them this CPU has.
//!
//! Every SIMD family (`search`, `checksum`, the parsers' `scan`, `wordfreq`) names its levels
//! with this one [`Level`] enum and asks this module whether the CPU has them, so that "AVX2"
//! means the same features everywhere and the CPU is probed once per process, not once per
//! family or per call. A family lists the levels it implements (its `LEVELS`), resolves its
//! kernel function for a level once, when a variant is constructed, and never re-detects in the
//! timed loop (the memchr habit: decide once, then call straight through).
//!
//! Detection is at run time (`is_x86_feature_detected!`), never by `target-cpu`: one binary runs
//! everywhere and reports the levels it cannot use as unsupported. On other architectures only
//! [`Level::Scalar`] is supported. [`features`] names what `perflab list` and results files show
//! as "SIMD features", a wider list than the levels, so readers see what the CPU offers.
//!
//! [`Emulated`] is the portable vector every family's width tests bind its vector trait to.
//!
//! This module needs no unsafe code: it only detects. The `unsafe` calls into `#[target_feature]`
//! functions stay in each family's `simd` module, next to the detection they rely on.

mod emulated;

pub use emulated::{Emulated, every_byte_blocks, first_mask_mismatch};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set level a SIMD kernel can run at, narrowest first.
///
/// Each level names exactly the CPU features a kernel at that level may use (see
/// [`Level::is_supported`]); a family implements the subset it has code for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Portable code (SWAR or tables): runs on every CPU.
    Scalar,
    /// 16-byte vectors: SSE2 (every x86-64 CPU).
    Sse2,
    /// 16-byte vectors with SSSE3's `pshufb` and `pmaddubsw`.
    Ssse3,
    /// 32-byte vectors: AVX2.
    Avx2,
    /// 64-byte vectors with byte operations: AVX-512F and AVX-512BW.
    Avx512,
    /// AVX-512F, AVX-512BW and AVX-512 VNNI (`vpdpbusd`).
    Avx512Vnni,
}

impl Level {
    /// Every level, narrowest first.
    pub const ALL: [Level; 6] = [
        Level::Scalar,
        Level::Sse2,
        Level::Ssse3,
        Level::Avx2,
        Level::Avx512,
        Level::Avx512Vnni,
    ];

    /// The lower-case name, as in a variant's name: `simd-` + this.
    pub fn name(self) -> &'static str {
        match self {
            Level::Scalar => "portable",
            Level::Sse2 => "sse2",
            Level::Ssse3 => "ssse3",
            Level::Avx2 => "avx2",
            Level::Avx512 => "avx512",
            Level::Avx512Vnni => "avx512vnni",
        }
    }

    /// The name of a family's variant at this level, e.g. `simd-avx2`: one spelling for every
    /// family, so the same level has the same variant name in each.
    pub fn variant_name(self) -> &'static str {
        match self {
            Level::Scalar => "simd-portable",
            Level::Sse2 => "simd-sse2",
            Level::Ssse3 => "simd-ssse3",
            Level::Avx2 => "simd-avx2",
            Level::Avx512 => "simd-avx512",
            Level::Avx512Vnni => "simd-avx512vnni",
        }
    }

    /// Whether this CPU has every feature the level uses and the level is within the process's
    /// [`cap`]. Detected once per process (all levels together), then two loads and a compare.
    #[inline]
    pub fn is_supported(self) -> bool {
        self as u8 <= CAP.load(Ordering::Relaxed) && detected() & self.bit() != 0
    }

    /// The widest of `levels` this CPU supports, if any. `levels` is a family's own list; the
    /// order does not matter.
    pub fn best_of(levels: &[Level]) -> Option<Level> {
        levels.iter().copied().filter(|l| l.is_supported()).max()
    }

    /// The function `table` gives for this level, if the family has one and this CPU has the
    /// level: the one place a family's kernel is chosen. Each family lists its per-level
    /// functions once and calls this when a kernel is constructed (not per call); a function it
    /// returns may use the level's instructions, which is what each family's `unsafe` call of it
    /// relies on.
    pub fn resolve<F: Copy>(self, table: &[(Level, F)]) -> Option<F> {
        if !self.is_supported() {
            return None;
        }
        table.iter().find(|(l, _)| *l == self).map(|&(_, f)| f)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Asks the CPU (std caches each feature; [`detected`] caches the answer for all levels).
    fn probe(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let avx512 = || has!("avx512f") && has!("avx512bw");
            match self {
                Level::Scalar => true,
                Level::Sse2 => has!("sse2"),
                Level::Ssse3 => has!("ssse3"),
                Level::Avx2 => has!("avx2"),
                Level::Avx512 => avx512(),
                Level::Avx512Vnni => avx512() && has!("avx512vnni"),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Level::Scalar
        }
    }
}

/// The widest level [`Level::is_supported`] may report; `u8::MAX` until [`cap`] lowers it.
static CAP: AtomicU8 = AtomicU8::new(u8::MAX);

/// From now on, this process reports every level wider than `max` as unsupported, whatever the
/// CPU has.
///
/// For code that runs on an emulated CPU narrower than the real one, and must agree with a
/// process on the real one about which variants exist. Callgrind (valgrind 3.19, which
/// `scripts/install-valgrind.sh` installs) emulates x86-64 up to AVX2 and hides AVX-512 from
/// `cpuid`; the gungraun target lists its cases natively and counts each by position under
/// callgrind, so both sides cap at [`Level::Avx2`] to list the same variants. Kernels built
/// before the call keep the function they resolved; build them after it. A kernel that detects
/// features itself (`supported_if(|| is_x86_feature_detected!(..))`) does not see the cap.
pub fn cap(max: Level) {
    CAP.store(max as u8, Ordering::Relaxed);
}

/// One bit per supported level, probed on first use and cached for the process.
fn detected() -> u8 {
    static DETECTED: OnceLock<u8> = OnceLock::new();
    *DETECTED.get_or_init(|| {
        Level::ALL
            .into_iter()
            .filter(|l| l.probe())
            .fold(0, |bits, l| bits | l.bit())
    })
}

/// The SIMD features this CPU has, by their `std::arch` names: what `perflab list` prints and
/// results files record as "SIMD features" (the features the levels use and their neighbours).
pub fn features() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut found: Vec<&'static str> = Vec::new();
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        macro_rules! probe {
            ($($f:tt),*) => {$( if std::arch::is_x86_feature_detected!($f) { found.push($f); } )*};
        }
        probe!(
            "sse2",
            "ssse3",
            "sse4.1",
            "sse4.2",
            "popcnt",
            "avx",
            "avx2",
            "bmi2",
            "avx512f",
            "avx512bw",
            "avx512vl",
            "avx512vnni",
            "avxvnni"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            found.push("neon");
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_always_and_detection_agrees_with_probing() {
        assert!(Level::Scalar.is_supported());
        for level in Level::ALL {
            assert_eq!(level.is_supported(), level.probe(), "{level:?}");
        }
    }

    #[test]
    fn best_of_is_the_widest_supported() {
        assert_eq!(Level::best_of(&[]), None);
        assert_eq!(
            Level::best_of(&[Level::Scalar, Level::Sse2]).map(Level::is_supported),
            Some(true)
        );
        let best = Level::best_of(&Level::ALL).unwrap();
        assert!(best.is_supported());
        assert!(Level::ALL.iter().all(|&l| l <= best || !l.is_supported()));
    }

    #[test]
    fn resolve_only_what_the_cpu_and_the_table_have() {
        let table = [(Level::Scalar, 1), (Level::Avx512Vnni, 2)];
        assert_eq!(Level::Scalar.resolve(&table), Some(1));
        assert_eq!(Level::Sse2.resolve(&table), None);
        let vnni = Level::Avx512Vnni.is_supported().then_some(2);
        assert_eq!(Level::Avx512Vnni.resolve(&table), vnni);
    }

    #[test]
    fn names_follow_the_variant_spelling() {
        for level in Level::ALL {
            assert_eq!(level.variant_name(), format!("simd-{}", level.name()));
        }
    }

    #[test]
    fn features_name_the_levels_this_cpu_has() {
        let found = features();
        assert_eq!(found.contains(&"avx2"), Level::Avx2.is_supported());
    }
}
