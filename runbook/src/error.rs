//! The crate's error type, for the file-level operations the CLI calls.
//! Problems *in* a runbook are [`crate::Diagnostic`]s, not errors.

use std::path::PathBuf;

/// What can go wrong around runbooks (I/O, arguments), as opposed to in them.
#[derive(Debug, thiserror::Error)]
pub enum RunbookError {
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file that could not be written.
        path: PathBuf,
        /// The I/O error of the write.
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
    /// What kind of failure this is.
    pub fn kind(&self) -> wharf_model::ErrorKind {
        use wharf_model::ErrorKind;
        match self {
            RunbookError::Write { .. } | RunbookError::Json(_) => ErrorKind::Internal,
            RunbookError::Exists(_) => ErrorKind::Conflict,
            RunbookError::InvalidName(_) | RunbookError::InvalidParam(_) => ErrorKind::InvalidInput,
        }
    }
}
