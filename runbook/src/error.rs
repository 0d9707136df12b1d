//! The crate's error type, for the file-level operations the CLI calls.
//! Problems *in* a runbook are [`crate::Diagnostic`]s, not errors.

use std::path::PathBuf;

/// What can go wrong around runbooks (I/O, arguments), as opposed to in them.
#[derive(Debug, thiserror::Error)]
pub enum RunbookError {
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `new` would overwrite a file.
    #[error("{0} already exists; pass --force to overwrite it")]
    Exists(PathBuf),
    /// `new` was given an unusable name.
    #[error("invalid runbook name `{0}`: use letters, digits, `-`, `_` and `.`")]
    InvalidName(String),
    /// `--param` was not `NAME=VALUE`.
    #[error("invalid --param `{0}`: expected NAME=VALUE")]
    InvalidParam(String),
    /// JSON encoding failed.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl RunbookError {
    /// A stable kind for callers that map errors (e.g. to exit or HTTP codes).
    pub fn kind(&self) -> &'static str {
        match self {
            RunbookError::Write { .. } => "io",
            RunbookError::Exists(_) => "conflict",
            RunbookError::InvalidName(_) | RunbookError::InvalidParam(_) => "invalid_argument",
            RunbookError::Json(_) => "internal",
        }
    }
}
