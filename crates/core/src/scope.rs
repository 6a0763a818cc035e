//! Profiling scopes the kernels carry, free when profiling is not compiled in.
//!
//! A benchmark says how fast; a profile says why. Kernels mark their variant and main phases
//! with [`scope!`](crate::scope) so that `perflab live` and `perflab flame --source scopes` can
//! show where a variant spends its time. With this crate's `puffin` feature off (the default for
//! every kernel crate) the macro expands to nothing; with it on, each call is a puffin scope,
//! which costs one relaxed atomic load while puffin's run-time switch
//! (`puffin::set_scopes_on`) is off, as it is during `perflab run`.
//!
//! Scopes belong at the level a person reads in a profile (the variant, its tokenize / hash /
//! aggregate phases), never per byte or per token: an enabled scope costs tens of nanoseconds.

/// Opens a profiling scope named `$name` (a string literal: ASCII, no spaces, no `;`) that lasts
/// until the end of the enclosing block.
///
/// Kernels call it as `perflab_core::scope!("wordfreq/naive")` at the top of `run`, and as
/// `perflab_core::scope!("top_k")` at the top of a phase's block. A second argument (a `&str`,
/// evaluated only while scopes are on) tells apart what shares one name, e.g. the ISA level.
#[cfg(feature = "puffin")]
#[macro_export]
macro_rules! scope {
    ($name:literal) => {
        $crate::__puffin::profile_scope!($name);
    };
    ($name:literal, $data:expr) => {
        $crate::__puffin::profile_scope!($name, $data);
    };
}

/// Opens a profiling scope named `$name` (a string literal: ASCII, no spaces, no `;`) that lasts
/// until the end of the enclosing block.
///
/// Kernels call it as `perflab_core::scope!("wordfreq/naive")` at the top of `run`, and as
/// `perflab_core::scope!("top_k")` at the top of a phase's block. A second argument (a `&str`,
/// evaluated only while scopes are on) tells apart what shares one name, e.g. the ISA level.
#[cfg(not(feature = "puffin"))]
#[macro_export]
macro_rules! scope {
    ($name:literal) => {};
    ($name:literal, $data:expr) => {};
}

/// Whether this build compiled the kernels' scopes in (the `puffin` feature), so that a profile
/// made from scopes can say why it is empty.
pub const SCOPES_COMPILED: bool = cfg!(feature = "puffin");

#[cfg(test)]
mod tests {
    #[test]
    fn a_scope_compiles_in_any_block() {
        let x = {
            crate::scope!("test/phase");
            crate::scope!("test/level", "sse2");
            1 + 1
        };
        assert_eq!(x, 2);
    }
}
