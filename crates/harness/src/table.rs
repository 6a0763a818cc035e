//! Tables of text: one model, rendered for a terminal or as GitHub-flavoured Markdown.
//!
//! perflab prints the same tables to a terminal (`run`'s summary, `compare`, `list`, `verify`)
//! and into pull-request comments and `$GITHUB_STEP_SUMMARY` (`compare --format markdown`). A
//! caller builds a [`Table`] once — a header, its columns' alignments and rows of cells — and
//! chooses the rendering, so the two never drift apart and no caller pads format strings by hand.
//!
//! The terminal rendering is laid out by comfy-table with a fixed, width-independent layout: no
//! colour, no terminal-width detection, no wrapping. The same table prints the same text on a
//! terminal, into a pipe and in a test, and columns are padded by display width, so `µs` and `×`
//! line up.
//!
//! ```
//! use perflab_harness::table::{Column, Table};
//!
//! let mut t = Table::new([Column::left("variant"), Column::right("speed-up")]);
//! t.push_row(["naive", "1.00×"]);
//! t.push_row(["simd-avx2", "12.40×"]);
//! assert_eq!(
//!     t.terminal(),
//!     "variant    speed-up\n───────────────────\nnaive         1.00×\nsimd-avx2    12.40×"
//! );
//! assert_eq!(
//!     t.markdown(),
//!     "| variant | speed-up |\n|---|---:|\n| naive | 1.00× |\n| simd-avx2 | 12.40× |"
//! );
//! ```

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, TableStyle};

/// How a column's cells line up: text reads from the left, numbers are right-aligned so their
/// digits (and units) stand under each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    /// Flush left (text, names, ids).
    #[default]
    Left,
    /// Flush right (numbers).
    Right,
}

/// One column of a [`Table`]: its heading and how its cells are shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    header: String,
    align: Align,
    code: bool,
}

impl Column {
    /// A left-aligned column, for text.
    pub fn left(header: impl Into<String>) -> Self {
        Column {
            header: header.into(),
            align: Align::Left,
            code: false,
        }
    }

    /// A right-aligned column, for numbers.
    pub fn right(header: impl Into<String>) -> Self {
        Column {
            align: Align::Right,
            ..Column::left(header)
        }
    }

    /// In Markdown, shows this column's cells as inline code: for ids and paths, whose `_`, `*`
    /// or `<` must not be read as emphasis or HTML. The terminal shows them as they are.
    pub fn code(self) -> Self {
        Column { code: true, ..self }
    }

    /// The heading.
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The alignment.
    pub fn align(&self) -> Align {
        self.align
    }
}

/// Which rendering of a [`Table`] to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Padded plain text for a terminal, a pipe or a log ([`Table::terminal`]).
    Terminal,
    /// A GitHub-flavoured Markdown table ([`Table::markdown`]).
    Markdown,
}

/// A table of text cells under a header, rendered on demand for a terminal or as Markdown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
}

/// The terminal style: a rule under the header and nothing else, so a line is its cells (a
/// script can still split lines on whitespace, and a test find a line by its first cell).
const TERMINAL_STYLE: TableStyle = TableStyle::new().header_separator(LineStyle::none().fill('─'));

/// Spaces between two columns in the terminal rendering.
const GAP: u16 = 2;

impl Table {
    /// A table with these columns and no rows yet.
    pub fn new(columns: impl IntoIterator<Item = Column>) -> Self {
        Table {
            columns: columns.into_iter().collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row: one cell per column, in the columns' order.
    ///
    /// # Panics
    ///
    /// When the row does not have one cell per column: a row that silently lost or gained a
    /// cell would show its values under the wrong headings.
    pub fn push_row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let row: Vec<String> = cells.into_iter().map(Into::into).collect();
        assert_eq!(
            row.len(),
            self.columns.len(),
            "a table row needs one cell per column"
        );
        self.rows.push(row);
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The rows, each one cell per column.
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// How many rows (the header not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows (a header alone is still rendered; callers that print nothing
    /// for nothing ask this first).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Terminal => self.terminal(),
            Format::Markdown => self.markdown(),
        }
    }

    /// For a terminal: the header, a rule under it, then one line per row; columns two spaces
    /// apart and padded to their widest cell by display width; no trailing spaces and no final
    /// newline. A cell with a line break spans several lines. A table without columns is empty.
    pub fn terminal(&self) -> String {
        if self.columns.is_empty() {
            return String::new();
        }
        let mut t = comfy_table::Table::new();
        t.load_style(TERMINAL_STYLE)
            // Fixed layout: never wrap to the terminal's width (without comfy-table's `tty`
            // feature it cannot ask for it, nor colour anything, either).
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.columns.iter().map(|c| c.header.as_str()));
        for row in &self.rows {
            t.add_row(row);
        }
        for (i, (column, c)) in t.column_iter_mut().zip(&self.columns).enumerate() {
            // The first column starts the line; each other is preceded by the gap.
            column.set_padding(if i == 0 { (0, 0) } else { (GAP, 0) });
            column.set_cell_alignment(match c.align {
                Align::Left => CellAlignment::Left,
                Align::Right => CellAlignment::Right,
            });
        }
        t.trim_fmt()
    }

    /// As GitHub-flavoured Markdown: the header, the `|---|` separator (`---:` for a
    /// right-aligned column), then one line per row; no padding and no final newline. A `|` in
    /// a cell is escaped (it would end the cell) and a line break becomes `<br>` (a space in a
    /// code cell); any other Markdown in a cell is left to the reader's renderer. A table without
    /// columns is empty.
    pub fn markdown(&self) -> String {
        if self.columns.is_empty() {
            return String::new();
        }
        let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
        let mut lines = vec![line(
            self.columns.iter().map(|c| escape(&c.header)).collect(),
        )];
        let rule = self.columns.iter().map(|c| match c.align {
            Align::Left => "---|",
            Align::Right => "---:|",
        });
        lines.push(std::iter::once("|").chain(rule).collect());
        for row in &self.rows {
            let cells = row.iter().zip(&self.columns).map(|(cell, c)| {
                if c.code {
                    code_span(cell)
                } else {
                    escape(cell)
                }
            });
            lines.push(line(cells.collect()));
        }
        lines.join("\n")
    }
}

/// A cell's text for a Markdown table: `|` escaped, line breaks as `<br>`.
fn escape(cell: &str) -> String {
    cell.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

/// A cell's text as one Markdown code span: fenced by one more backtick than its longest run of
/// backticks (and spaced from a backtick at either end), `|` escaped (GitHub unescapes it inside
/// code spans too), line breaks as spaces. An empty cell stays empty: "``" is not a code span.
fn code_span(cell: &str) -> String {
    if cell.is_empty() {
        return String::new();
    }
    let text = cell
        .replace('|', "\\|")
        .replace("\r\n", " ")
        .replace('\n', " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new([
            Column::left("cell").code(),
            Column::left("verdict"),
            Column::right("base"),
        ]);
        t.push_row(["search/naive/system/4KiB", "REGRESSION", "1.25 µs"]);
        t.push_row(["w/x", "unchanged", "100.0 ns"]);
        t
    }

    #[test]
    fn terminal_pads_left_and_right_aligned_columns() {
        assert_eq!(
            sample().terminal(),
            "\
cell                      verdict         base
──────────────────────────────────────────────
search/naive/system/4KiB  REGRESSION   1.25 µs
w/x                       unchanged   100.0 ns"
        );
    }

    #[test]
    fn terminal_pads_by_display_width() {
        // `µ`, `×` and `—` are two bytes or more but one column wide; `✅` is two columns.
        let mut t = Table::new([Column::left("unit"), Column::right("x")]);
        t.push_row(["µs", "1.50×"]);
        t.push_row(["ns", "—"]);
        t.push_row(["✅", "10.00×"]);
        let out = t.terminal();
        let spaces = |n: usize| " ".repeat(n);
        assert_eq!(
            out,
            format!(
                "unit{}x\n{}\nµs{}1.50×\nns{}—\n✅{}10.00×",
                spaces(7),
                "─".repeat(12),
                spaces(5),
                spaces(9),
                spaces(4),
            )
        );
    }

    #[test]
    fn terminal_lines_carry_no_trailing_spaces_or_colour() {
        let out = sample().terminal();
        assert!(out.lines().all(|l| l == l.trim_end()), "{out:?}");
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(!out.ends_with('\n'));
    }

    #[test]
    fn terminal_layout_does_not_depend_on_the_width() {
        // Far wider than any terminal: never wrapped or truncated.
        let mut t = Table::new([Column::left("a"), Column::left("b")]);
        let long = "x".repeat(500);
        t.push_row([long.as_str(), "end"]);
        let out = t.terminal();
        assert_eq!(out.lines().nth(2), Some(format!("{long}  end").as_str()));
    }

    #[test]
    fn markdown_has_a_header_separator_with_alignment_colons() {
        assert_eq!(
            sample().markdown(),
            "\
| cell | verdict | base |
|---|---|---:|
| `search/naive/system/4KiB` | REGRESSION | 1.25 µs |
| `w/x` | unchanged | 100.0 ns |"
        );
    }

    #[test]
    fn markdown_escapes_pipes_and_line_breaks() {
        let mut t = Table::new([Column::left("a|b"), Column::left("id").code()]);
        t.push_row(["x | y\nz", "p|q\nr"]);
        t.push_row(["", ""]);
        assert_eq!(
            t.markdown(),
            "| a\\|b | id |\n|---|---|\n| x \\| y<br>z | `p\\|q r` |\n|  |  |"
        );
    }

    #[test]
    fn markdown_code_cells_fence_their_backticks() {
        let mut t = Table::new([Column::left("c").code()]);
        t.push_row(["a`b"]);
        t.push_row(["`x`"]);
        assert_eq!(t.markdown(), "| c |\n|---|\n| ``a`b`` |\n| `` `x` `` |");
    }

    #[test]
    fn an_empty_table_renders_its_header() {
        let t = Table::new([Column::left("cell"), Column::right("ns")]);
        assert!(t.is_empty());
        assert_eq!(t.len(), 0);
        assert_eq!(t.terminal(), "cell  ns\n────────");
        assert_eq!(t.markdown(), "| cell | ns |\n|---|---:|");
        let none = Table::new([]);
        assert_eq!(none.render(Format::Terminal), "");
        assert_eq!(none.render(Format::Markdown), "");
    }

    #[test]
    fn one_model_two_renderings() {
        let t = sample();
        assert_eq!(t.render(Format::Terminal), t.terminal());
        assert_eq!(t.render(Format::Markdown), t.markdown());
        assert_eq!(t.len(), 2);
        assert_eq!(t.columns()[2].align(), Align::Right);
        assert_eq!(t.columns()[0].header(), "cell");
        assert_eq!(t.rows()[1][1], "unchanged");
    }

    #[test]
    #[should_panic(expected = "one cell per column")]
    fn a_row_of_the_wrong_width_is_refused() {
        sample().push_row(["only one"]);
    }
}
