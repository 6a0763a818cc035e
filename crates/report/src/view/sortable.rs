//! A figure as a table shows it, beside the number its column sorts by.
//!
//! The page's tables sort in the browser on each cell's `data-v`: that must be the raw number,
//! since the shown text is rounded and carries units (`1.2 µs` sorts after `980 ns` as text).
//! Every sortable figure on the page is built here, so a missing one is always `–` with an empty
//! sort key (which the page's script sorts last).

use crate::fmt;
use std::fmt as std_fmt;

/// A shown figure and its sort key.
pub struct Sortable {
    /// What the cell shows; `–` when there is no figure.
    pub text: String,
    /// The raw value the column sorts by; empty when there is no figure.
    pub v: String,
}

impl Sortable {
    /// `value` formatted by `show`, or `–` and no key.
    pub fn of(value: Option<f64>, show: impl Fn(f64) -> String) -> Sortable {
        match value {
            Some(x) => Sortable {
                text: show(x),
                v: format!("{x}"),
            },
            None => Sortable::missing(),
        }
    }

    /// A byte count, as [`Sortable::of`] shows it.
    pub fn bytes(value: Option<u64>) -> Sortable {
        match value {
            Some(x) => Sortable {
                text: fmt::bytes(x as f64),
                v: x.to_string(),
            },
            None => Sortable::missing(),
        }
    }

    /// No figure: `–`, sorted last.
    pub fn missing() -> Sortable {
        Sortable {
            text: "–".to_owned(),
            v: String::new(),
        }
    }
}

/// The shown text, so a template writes `{{ figure }}` for the text and `{{ figure.v }}` for the
/// key.
impl std_fmt::Display for Sortable {
    fn fmt(&self, f: &mut std_fmt::Formatter<'_>) -> std_fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_figure_shows_a_dash_and_sorts_by_nothing() {
        for s in [
            Sortable::of(None, fmt::time_ns),
            Sortable::bytes(None),
            Sortable::missing(),
        ] {
            assert_eq!((s.text.as_str(), s.v.as_str()), ("–", ""));
        }
    }

    #[test]
    fn a_figure_sorts_by_its_raw_value_not_its_text() {
        let s = Sortable::of(Some(1234.5), fmt::time_ns);
        assert_eq!(s.v, "1234.5");
        assert_eq!(s.to_string(), fmt::time_ns(1234.5));
        let b = Sortable::bytes(Some(65536));
        assert_eq!((b.text, b.v), (fmt::bytes(65536.0), "65536".to_owned()));
    }
}
