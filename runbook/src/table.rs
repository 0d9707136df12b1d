//! GFM pipe tables: splitting rows into cells (backtick code spans and `\|`
//! keep their pipes), recognising alignment rows, and cleaning cell text.

use crate::diagnostic::Span;

/// One table cell: its text (trimmed, `\|` unescaped) and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cell {
    pub text: String,
    pub span: Span,
}

/// One body row and its 0-based line index.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub cells: Vec<Cell>,
    pub line: usize,
}

/// A table outside code: header cells and body rows.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub header: Vec<Cell>,
    pub rows: Vec<Row>,
    /// 0-based line index of the header row.
    pub line: usize,
}

impl Table {
    /// Index of the first header whose cleaned, lowercased text satisfies `pred`.
    pub fn column(&self, pred: impl Fn(&str) -> bool) -> Option<usize> {
        self.header
            .iter()
            .position(|c| pred(&plain(&c.text).to_lowercase()))
    }

    /// A body cell, if the row has that many cells.
    pub fn cell(row: &Row, col: Option<usize>) -> Option<&Cell> {
        col.and_then(|c| row.cells.get(c))
    }
}

/// A body cell's text, unless it is a blank placeholder (`--`, `n/a`, ...).
pub(crate) fn text_cell(row: &crate::table::Row, col: Option<usize>) -> Option<String> {
    Table::cell(row, col)
        .map(|c| c.text.clone())
        .filter(|s| !is_blank_value(s))
}

/// Is this line an alignment row such as `|:---|---:|`?
pub(crate) fn is_delimiter_row(line: &str) -> bool {
    let t = line.trim();
    if !t.contains('-') {
        return false;
    }
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    let mut any = false;
    for part in t.split('|') {
        let p = part.trim();
        let p = p.strip_prefix(':').unwrap_or(p);
        let p = p.strip_suffix(':').unwrap_or(p);
        if p.is_empty() || !p.bytes().all(|b| b == b'-') {
            return false;
        }
        any = true;
    }
    any
}

/// Split a table row into cells. `start` is the line's byte offset in the file.
///
/// Linear in the line length: a backtick run with no closing run of the same
/// length is remembered, so it is searched for at most once per length.
pub(crate) fn split_row(line: &str, start: usize) -> Vec<Cell> {
    let bytes = line.as_bytes();
    let mut a = line.len() - line.trim_start().len();
    let mut b = line.trim_end().len();
    if a < b && bytes.get(a) == Some(&b'|') {
        a += 1;
    }
    if b > a && bytes.get(b - 1) == Some(&b'|') && (b < 2 || bytes.get(b - 2) != Some(&b'\\')) {
        b -= 1;
    }
    let mut cells = Vec::new();
    let mut unmatched_runs: Vec<usize> = Vec::new();
    let mut cell_start = a;
    let mut i = a;
    while i < b {
        match bytes.get(i) {
            Some(b'\\') => i += 2,
            Some(b'`') => {
                let n = run_len(bytes, i, b);
                let after = i + n;
                if unmatched_runs.contains(&n) {
                    i = after;
                } else if let Some(close) = find_run(bytes, after, b, n) {
                    i = close + n;
                } else {
                    unmatched_runs.push(n);
                    i = after;
                }
            }
            Some(b'|') => {
                cells.push(make_cell(line, cell_start, i, start));
                cell_start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    cells.push(make_cell(line, cell_start, b.max(cell_start), start));
    cells
}

fn run_len(bytes: &[u8], from: usize, end: usize) -> usize {
    bytes
        .get(from..end)
        .map_or(0, |s| s.iter().take_while(|&&c| c == b'`').count())
}

fn find_run(bytes: &[u8], from: usize, end: usize, n: usize) -> Option<usize> {
    let mut k = from;
    while k < end {
        if bytes.get(k) == Some(&b'`') {
            let m = run_len(bytes, k, end);
            if m == n {
                return Some(k);
            }
            k += m.max(1);
        } else {
            k += 1;
        }
    }
    None
}

fn make_cell(line: &str, from: usize, to: usize, start: usize) -> Cell {
    let raw = line.get(from..to).unwrap_or("");
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    let s = start + from + lead;
    Cell {
        text: trimmed.replace("\\|", "|"),
        span: Span::new(s, s + trimmed.len()),
    }
}

/// Strip emphasis markers (`**x**`, `*x*`, `__x__`, `_x_`) around the whole text.
pub(crate) fn strip_emphasis(s: &str) -> &str {
    let mut s = s.trim();
    loop {
        let before = s;
        for m in ["**", "__", "*", "_"] {
            if s.len() > 2 * m.len() && s.starts_with(m) && s.ends_with(m) {
                s = s.get(m.len()..s.len() - m.len()).unwrap_or(s).trim();
                break;
            }
        }
        if s == before {
            return s;
        }
    }
}

/// If the whole text is one code span (`` `x` ``), its content.
pub(crate) fn unwrap_code(s: &str) -> Option<&str> {
    let s = s.trim();
    let n = s.bytes().take_while(|&b| b == b'`').count();
    if n == 0 || s.len() <= 2 * n {
        return None;
    }
    let inner = s.get(n..s.len() - n)?;
    if !s.ends_with(&"`".repeat(n)) || inner.contains(&"`".repeat(n)) || inner.ends_with('`') {
        return None;
    }
    Some(
        inner
            .strip_prefix(' ')
            .and_then(|i| i.strip_suffix(' '))
            .unwrap_or(inner),
    )
}

/// A cell's plain value: emphasis removed and a lone code span unwrapped.
pub(crate) fn plain(s: &str) -> String {
    let s = strip_emphasis(s);
    match unwrap_code(s) {
        Some(inner) => inner.to_string(),
        None => s.to_string(),
    }
}

/// Is the value an empty placeholder (`--`, `-`, `—`, `n/a`, `(none)`)?
pub(crate) fn is_blank_value(s: &str) -> bool {
    let t = strip_emphasis(s).trim();
    matches!(
        t.to_lowercase().as_str(),
        "" | "-" | "--" | "—" | "–" | "n/a" | "(none)" | "none." | "(required)"
    )
}

/// Parse a yes/no cell.
pub(crate) fn parse_yes_no(s: &str) -> Option<bool> {
    let t = plain(s).to_lowercase();
    let first = t.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    match first {
        "yes" | "y" | "true" | "required" | "mandatory" => Some(true),
        "no" | "n" | "false" | "optional" => Some(false),
        _ => None,
    }
}
