//! Turning raw bytes into trusted text, and byte offsets into line/column.
//!
//! Everything downstream works on a [`SourceFile`]: valid UTF-8 with any BOM
//! removed. Line endings are left as they are (`\n` or `\r\n`); lines are
//! split on `\n` and a trailing `\r` is not part of a line's text.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};

/// Files larger than this are refused before parsing (R004). Real runbooks
/// are tens of kilobytes; an agent could not read a larger mission anyway.
pub const MAX_RUNBOOK_BYTES: usize = 4 * 1024 * 1024;

/// A decoded runbook file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and 1-based column (counted in Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    /// Line number, from 1.
    pub line: usize,
    /// Column, from 1, in characters.
    pub column: usize,
}

impl SourceFile {
    /// A source from text already known to be UTF-8 (a leading BOM is dropped).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    /// The file name shown in diagnostics.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The decoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines (a trailing newline does not start a new line).
    pub fn line_count(&self) -> usize {
        let n = self.line_starts.len();
        if n > 1 && self.line_starts.last() == Some(&self.text.len()) {
            n - 1
        } else {
            n
        }
    }

    /// The text of a 1-based line, without its line ending; empty if out of range.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.line_starts.get(i)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next.saturating_sub(1));
        let raw = self.text.get(start..end.max(start)).unwrap_or("");
        raw.strip_suffix('\r').unwrap_or(raw)
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        line.checked_sub(1)
            .and_then(|i| self.line_starts.get(i))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// Line and column of a byte offset (clamped into the text and back to a
    /// character boundary).
    pub fn location(&self, offset: usize) -> Location {
        let offset = floor_char_boundary(&self.text, offset);
        let idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(idx).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        Location {
            line: idx + 1,
            column,
        }
    }
}

/// The largest char boundary `<= offset` (and `<= text.len()`).
pub(crate) fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Bytes that are not a runbook's text: a best-effort (lossy) source to show
/// the diagnostic against, and the diagnostic.
#[derive(Debug, Clone)]
pub struct Undecodable {
    /// The lossily decoded text (empty for oversized or UTF-16 files).
    pub source: SourceFile,
    /// R002, R003 or R004.
    pub diagnostic: Diagnostic,
}

fn undecodable(source: SourceFile, diagnostic: Diagnostic) -> Box<Undecodable> {
    Box::new(Undecodable { source, diagnostic })
}

/// Decode raw bytes: refuse oversized, UTF-16, binary and non-UTF-8 input;
/// drop a UTF-8 BOM.
pub fn decode(name: &str, bytes: &[u8]) -> Result<SourceFile, Box<Undecodable>> {
    if bytes.len() > MAX_RUNBOOK_BYTES {
        let d = Diagnostic::new(
            Code::TooLarge,
            format!(
                "runbook is {} bytes; the limit is {} bytes",
                bytes.len(),
                MAX_RUNBOOK_BYTES
            ),
        )
        .help("a runbook is a mission for an agent: move bulk data into uploaded files");
        return Err(undecodable(SourceFile::new(name, ""), d));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let d = Diagnostic::new(Code::NotUtf8, "runbook is UTF-16, not UTF-8")
            .help("save the file as UTF-8");
        return Err(undecodable(SourceFile::new(name, ""), d));
    }
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let lossy = SourceFile::new(name, String::from_utf8_lossy(bytes).into_owned());
        let at = lossy.text().find('\0').unwrap_or(0);
        let end = at + usize::from(at < lossy.text().len());
        let d = Diagnostic::new(
            Code::Binary,
            format!("runbook looks like a binary file (NUL byte at offset {nul})"),
        )
        .at(Span::new(at, end))
        .label("NUL byte")
        .help("a runbook is a markdown text file");
        return Err(undecodable(lossy, d));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(e) => {
            let at = e.valid_up_to();
            let lossy = SourceFile::new(name, String::from_utf8_lossy(bytes).into_owned());
            // The lossy text agrees with the bytes up to the first bad byte; a
            // dropped BOM shifts it by three.
            let shift = if bytes.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            let start = floor_char_boundary(lossy.text(), at.saturating_sub(shift));
            let end = start
                + lossy
                    .text()
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .map_or(0, char::len_utf8);
            let d = Diagnostic::new(
                Code::NotUtf8,
                format!("runbook is not valid UTF-8 (bad byte at offset {at})"),
            )
            .at(Span::new(start, end))
            .label("invalid UTF-8 here")
            .help("save the file as UTF-8");
            Err(undecodable(lossy, d))
        }
    }
}
