//! What kind of failure an error is, independent of the crate it comes from. Each crate's
//! error enum says its kind; the server maps kinds to HTTP statuses and the CLI to exit
//! codes, each in one place.

/// The kind of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's input is wrong: a malformed file, request or configuration value.
    InvalidInput,
    /// What was asked for does not exist (or is not the caller's).
    NotFound,
    /// No valid credentials.
    Unauthorized,
    /// The request conflicts with the current state.
    Conflict,
    /// A part this operation needs is not there or not ready (e.g. no sandbox backend).
    Unavailable,
    /// The system failed.
    Internal,
}

impl ErrorKind {
    /// Is the caller at fault (HTTP 4xx, CLI exit 2)?
    pub fn is_caller_error(self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidInput
                | ErrorKind::NotFound
                | ErrorKind::Unauthorized
                | ErrorKind::Conflict
        )
    }
}
