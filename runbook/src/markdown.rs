//! A line-oriented markdown scanner: fenced code blocks, ATX headings and
//! pipe tables. One pass, no recursion, linear in the input. Anything inside
//! a fenced code block is content, never structure.

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::table::{self, Row, Table};

/// One line of the file (without its line ending).
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    pub start: usize,
    pub text: &'a str,
    /// Inside a fenced code block, or a fence line itself.
    pub code: bool,
    /// Part of the frontmatter.
    pub front: bool,
}

/// An ATX heading outside code.
#[derive(Debug, Clone)]
pub(crate) struct Heading {
    pub level: u8,
    pub title: String,
    /// 0-based line index.
    pub line: usize,
    /// The title text.
    pub span: Span,
}

/// A fenced code block.
#[derive(Debug, Clone)]
pub(crate) struct CodeBlock {
    pub lang: String,
    /// 0-based line index of the opening fence.
    pub open: usize,
    /// 0-based line index of the closing fence, if any.
    pub close: Option<usize>,
    pub body: String,
    /// The opening fence line.
    pub span: Span,
}

/// The scanned document.
#[derive(Debug, Default)]
pub(crate) struct Document<'a> {
    pub lines: Vec<Line<'a>>,
    pub headings: Vec<Heading>,
    pub blocks: Vec<CodeBlock>,
    pub tables: Vec<Table>,
}

struct Fence {
    ch: u8,
    len: usize,
    block: CodeBlock,
}

impl<'a> Document<'a> {
    /// Scan `text`; lines before `body_line` are frontmatter and skipped.
    pub fn scan(text: &'a str, body_line: usize, diags: &mut Vec<Diagnostic>) -> Self {
        let mut doc = Document::default();
        let mut offset = 0;
        for raw in text.split_inclusive('\n') {
            let t = raw.strip_suffix('\n').unwrap_or(raw);
            let t = t.strip_suffix('\r').unwrap_or(t);
            doc.lines.push(Line {
                start: offset,
                text: t,
                code: false,
                front: doc.lines.len() < body_line,
            });
            offset += raw.len();
        }
        doc.mark_code(diags);
        doc.find_headings();
        doc.find_tables();
        doc
    }

    fn mark_code(&mut self, diags: &mut Vec<Diagnostic>) {
        let mut open: Option<Fence> = None;
        for idx in 0..self.lines.len() {
            let Some(line) = self.lines.get_mut(idx) else {
                continue;
            };
            if line.front {
                continue;
            }
            let trimmed = line.text.trim_start();
            match open.as_mut() {
                Some(f) => {
                    line.code = true;
                    if is_closing(trimmed, f.ch, f.len) {
                        f.block.close = Some(idx);
                        if let Some(f) = open.take() {
                            self.blocks.push(f.block);
                        }
                    } else {
                        f.block.body.push_str(line.text);
                        f.block.body.push('\n');
                    }
                }
                None => {
                    if let Some((ch, len, info)) = opening(trimmed) {
                        line.code = true;
                        let lang = info.split_whitespace().next().unwrap_or("");
                        let lead = line.text.len() - trimmed.len();
                        open = Some(Fence {
                            ch,
                            len,
                            block: CodeBlock {
                                lang: lang.trim_matches(|c| c == '{' || c == '}').to_lowercase(),
                                open: idx,
                                close: None,
                                body: String::new(),
                                span: Span::new(line.start + lead, line.start + lead + len),
                            },
                        });
                    }
                }
            }
        }
        if let Some(f) = open {
            diags.push(
                Diagnostic::new(Code::UnterminatedFence, "code fence is never closed")
                    .at(f.block.span)
                    .label("opened here")
                    .help(format!(
                        "close it with a line containing only {}; until then the rest of the \
                         file is code, not structure",
                        String::from_utf8_lossy(&vec![f.ch; f.len])
                    )),
            );
            self.blocks.push(f.block);
        }
    }

    fn find_headings(&mut self) {
        for (idx, line) in self.lines.iter().enumerate() {
            if line.code || line.front {
                continue;
            }
            if let Some((level, title, off)) = atx_heading(line.text) {
                self.headings.push(Heading {
                    level,
                    title: title.to_string(),
                    line: idx,
                    span: Span::new(line.start + off, line.start + off + title.len()),
                });
            }
        }
    }

    fn find_tables(&mut self) {
        let usable = |l: &Line<'_>| !l.code && !l.front && atx_heading(l.text).is_none();
        let mut idx = 0;
        while idx + 1 < self.lines.len() {
            let (Some(head), Some(delim)) = (self.lines.get(idx), self.lines.get(idx + 1)) else {
                break;
            };
            if !(usable(head)
                && usable(delim)
                && head.text.contains('|')
                && table::is_delimiter_row(delim.text))
            {
                idx += 1;
                continue;
            }
            let mut table = Table {
                header: table::split_row(head.text, head.start),
                rows: Vec::new(),
                line: idx,
            };
            let mut j = idx + 2;
            while let Some(l) = self.lines.get(j) {
                if !usable(l) || l.text.trim().is_empty() || !l.text.contains('|') {
                    break;
                }
                table.rows.push(Row {
                    cells: table::split_row(l.text, l.start),
                    line: j,
                });
                j += 1;
            }
            self.tables.push(table);
            idx = j;
        }
    }

    /// The raw text of lines `from..to` (0-based, end exclusive), trimmed.
    pub fn text_of(&self, from: usize, to: usize) -> String {
        let mut out = String::new();
        for l in self
            .lines
            .get(from..to.min(self.lines.len()))
            .unwrap_or(&[])
        {
            out.push_str(l.text);
            out.push('\n');
        }
        out.trim().to_string()
    }
}

fn opening(trimmed: &str) -> Option<(u8, usize, &str)> {
    let ch = *trimmed.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = trimmed.bytes().take_while(|&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = trimmed.get(len..).unwrap_or("").trim();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    Some((ch, len, info))
}

fn is_closing(trimmed: &str, ch: u8, len: usize) -> bool {
    let n = trimmed.bytes().take_while(|&b| b == ch).count();
    n >= len && trimmed.get(n..).is_some_and(|rest| rest.trim().is_empty())
}

/// `(level, title, byte offset of the title in the line)` for an ATX heading.
pub(crate) fn atx_heading(line: &str) -> Option<(u8, &str, usize)> {
    let lead = line.len() - line.trim_start_matches(' ').len();
    if lead > 3 {
        return None;
    }
    let rest = line.get(lead..)?;
    let hashes = rest.bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let after = rest.get(hashes..)?;
    if !(after.is_empty() || after.starts_with(' ') || after.starts_with('\t')) {
        return None;
    }
    let mut title = after.trim();
    let closing = title.trim_end_matches('#');
    if closing.is_empty() || closing.ends_with(' ') || closing.ends_with('\t') {
        title = closing.trim_end();
    }
    let off = lead + hashes + (after.len() - after.trim_start().len());
    // `hashes` is at most 6, so the cast is lossless.
    Some((hashes as u8, title, off))
}
