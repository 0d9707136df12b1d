//! The model crate's error type.

/// A record or line that does not satisfy the trajectory format.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// A field has a wrong, missing or out-of-range value.
    #[error("{}field `{field}`: {message}", at_line(.line))]
    Field {
        /// 1-based line number in the input (0 when not from a file).
        line: u64,
        /// Dotted path of the offending field.
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// The line is not a JSON object of a known record type.
    #[error("{}{message}", at_line(.line))]
    Line {
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// Building an Arrow batch failed (a bug, not bad input).
    #[error("building {table} batch: {message}")]
    Batch {
        /// The table's name (`runs`, `events`, ...).
        table: &'static str,
        /// Arrow's message.
        message: String,
    },
}

impl ModelError {
    /// A bad field or line is the caller's input; a batch that cannot be built is a bug.
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            ModelError::Field { .. } | ModelError::Line { .. } => crate::ErrorKind::InvalidInput,
            ModelError::Batch { .. } => crate::ErrorKind::Internal,
        }
    }

    /// A field error not yet tied to a line.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ModelError::Field {
            line: 0,
            field: field.into(),
            message: message.into(),
        }
    }

    /// Attaches the 1-based line number.
    pub fn at_line(self, line_no: u64) -> Self {
        match self {
            ModelError::Field { field, message, .. } => ModelError::Field {
                line: line_no,
                field,
                message,
            },
            ModelError::Line { message, .. } => ModelError::Line {
                line: line_no,
                message,
            },
            other => other,
        }
    }

    /// The line number, when the error came from a line.
    pub fn line(&self) -> Option<u64> {
        match self {
            ModelError::Field { line, .. } | ModelError::Line { line, .. } => Some(*line),
            ModelError::Batch { .. } => None,
        }
    }
}

/// `line N: ` for a place in an input file, nothing for a value given elsewhere (line 0).
fn at_line(line: &u64) -> String {
    if *line == 0 {
        String::new()
    } else {
        format!("line {line}: ")
    }
}
