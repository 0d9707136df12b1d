//! Printing diagnostics: compiler-style text (file:line:column, the source
//! line, carets under the span, a help line) and a JSON form.

use std::fmt::Write as _;

use serde::Serialize;
use unicode_width::UnicodeWidthChar;

use crate::codes::Code;
use crate::codes::Severity;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

/// Widest source excerpt shown, in characters; longer lines are windowed.
const MAX_EXCERPT: usize = 140;

/// Render diagnostics as text, in order, separated by blank lines.
pub fn format_text(src: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        format_one(src, d, &mut out);
        out.push('\n');
    }
    out
}

fn format_one(src: &SourceFile, d: &Diagnostic, out: &mut String) {
    let _ = writeln!(out, "{}[{}]: {}", d.severity.as_str(), d.code, d.message);
    let Some(span) = d.span else {
        let _ = writeln!(out, " --> {}", src.name());
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        return;
    };
    let start = src.location(span.start);
    let end = src.location(span.end);
    let gutter = start.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(
        out,
        "{pad}--> {}:{}:{}",
        src.name(),
        start.line,
        start.column
    );
    let _ = writeln!(out, "{pad} |");
    let line = src.line_text(start.line);
    let len = line.chars().count();
    let first = start.column.saturating_sub(1).min(len);
    let last = if end.line == start.line {
        end.column.saturating_sub(1).clamp(first, len)
    } else {
        len
    };
    let (from, to) = if len <= MAX_EXCERPT {
        (0, len)
    } else {
        let from = first.saturating_sub(40);
        (from, (from + MAX_EXCERPT).min(len))
    };
    let mut text = String::new();
    let mut lead = 0;
    let mut carets = 0;
    if from > 0 {
        text.push('…');
        lead += 1;
    }
    for (i, c) in line.chars().enumerate().skip(from).take(to - from) {
        let (shown, width) = display(c);
        text.push_str(&shown);
        if i < first {
            lead += width;
        } else if i < last {
            carets += width;
        }
    }
    if to < len {
        text.push('…');
    }
    let _ = writeln!(out, "{} | {}", start.line, text.trim_end());
    let mut marker = format!("{pad} | {}{}", " ".repeat(lead), "^".repeat(carets.max(1)));
    if let Some(label) = &d.label {
        marker.push(' ');
        marker.push_str(label);
    }
    let _ = writeln!(out, "{}", marker.trim_end());
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{pad} = help: {help}");
    }
}

/// A character as shown and its display width (tabs as 4 spaces, control
/// characters as U+FFFD).
fn display(c: char) -> (String, usize) {
    if c == '\t' {
        return ("    ".to_string(), 4);
    }
    if c.is_control() {
        return ('\u{FFFD}'.to_string(), 1);
    }
    (c.to_string(), c.width().unwrap_or(1))
}

/// Count errors and warnings.
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    (errors, diagnostics.len() - errors)
}

/// `2 errors, 1 warning`.
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// A diagnostic as JSON (`check --format json`). Lines and columns are
/// 1-based; `end_column` is exclusive.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticJson {
    /// `R021`.
    pub code: Code,
    /// A short title for the code.
    pub title: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The diagnostic's message, as `check` prints it in text form.
    pub message: String,
    /// Start line, if placed.
    pub line: Option<usize>,
    /// Start column, if placed.
    pub column: Option<usize>,
    /// End line, if placed.
    pub end_line: Option<usize>,
    /// End column (exclusive), if placed.
    pub end_column: Option<usize>,
    /// The label under the span.
    pub label: Option<String>,
    /// The help line.
    pub help: Option<String>,
}

/// Convert diagnostics to their JSON form.
pub fn to_json(src: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<DiagnosticJson> {
    diagnostics
        .iter()
        .map(|d| {
            let start = d.span.map(|s| src.location(s.start));
            let end = d.span.map(|s| src.location(s.end));
            DiagnosticJson {
                code: d.code,
                title: d.code.title(),
                severity: d.severity,
                message: d.message.clone(),
                line: start.map(|l| l.line),
                column: start.map(|l| l.column),
                end_line: end.map(|l| l.line),
                end_column: end.map(|l| l.column),
                label: d.label.clone(),
                help: d.help.clone(),
            }
        })
        .collect()
}
