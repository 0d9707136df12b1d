//! The crate's one error type.

/// Everything that can stop grading. Judge errors are recorded as score rows
/// with `error` set (see [`crate::judge_error_scores`]), never as scores.
#[derive(Debug, thiserror::Error)]
pub enum GraderError {
    /// The judge configuration cannot work.
    #[error("invalid judge config: {0}")]
    Config(String),
    /// There is nothing to judge (no rubric criteria, no objective).
    #[error("cannot judge: {0}")]
    Input(String),
    /// The model provider failed after every retry.
    #[error("judge request failed after {attempts} attempt(s): {message}")]
    Transport {
        /// Requests sent, retries included.
        attempts: u32,
        /// The last failure.
        message: String,
        /// Its HTTP status, when there was a response.
        status: Option<u16>,
    },
    /// The judge kept answering in a shape that does not validate.
    #[error(
        "judge answer invalid after {attempts} attempt(s): {message}; check the judge model supports json_schema output"
    )]
    Format {
        /// Answers received and rejected, retries included.
        attempts: u32,
        /// The last validation error.
        message: String,
    },
    /// The judge cache could not be read or written.
    #[error("judge cache {path}: {message}")]
    Cache {
        /// File or key concerned.
        path: String,
        /// The I/O or JSON error.
        message: String,
    },
}

impl GraderError {
    /// What kind of failure this is.
    pub fn kind(&self) -> wharf_model::ErrorKind {
        use wharf_model::ErrorKind;
        match self {
            GraderError::Config(_) | GraderError::Input(_) => ErrorKind::InvalidInput,
            GraderError::Transport { .. } | GraderError::Format { .. } => ErrorKind::Upstream,
            GraderError::Cache { .. } => ErrorKind::Internal,
        }
    }

    /// A short stable name of the failure (in score rows and metrics).
    pub fn name(&self) -> &'static str {
        match self {
            GraderError::Config(_) => "config",
            GraderError::Input(_) => "input",
            GraderError::Transport { .. } => "transport",
            GraderError::Format { .. } => "format",
            GraderError::Cache { .. } => "cache",
        }
    }
}
