//! One finding about a runbook: a code, a severity, a message, and where.

use crate::codes::{Code, Severity};

/// A byte range `start..end` into a [`crate::SourceFile`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    /// Byte offset of the first byte, from the start of the text (0-based).
    pub start: usize,
    /// One past the last byte (`end >= start`).
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (swapped if given backwards).
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start.min(end),
            end: start.max(end),
        }
    }
}

/// A compiler-style diagnostic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code (`R021`).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, lowercase, one line.
    pub message: String,
    /// Where, if the finding has a place in the file.
    pub span: Option<Span>,
    /// A short note printed after the carets.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity and no position.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span: None,
            label: None,
            help: None,
        }
    }

    /// Place the diagnostic.
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Place the diagnostic if a span is known.
    pub fn at_opt(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    /// Add a label printed under the span.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Add a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Override the default severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Most diagnostics one file reports before the rest are summarised.
pub const MAX_DIAGNOSTICS: usize = 200;

/// Sort diagnostics by position (unplaced ones first) and cap their number.
pub(crate) fn finish(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diagnostics.sort_by_key(|d| (d.span.map(|s| (s.start, s.end)), d.code));
    diagnostics.dedup();
    if diagnostics.len() > MAX_DIAGNOSTICS {
        let dropped = diagnostics.len() - MAX_DIAGNOSTICS;
        diagnostics.truncate(MAX_DIAGNOSTICS);
        diagnostics.push(
            Diagnostic::new(
                Code::TooManyDiagnostics,
                format!("{dropped} more diagnostics not shown"),
            )
            .help("fix the ones above and run `wharf runbook check` again"),
        );
    }
    diagnostics
}
