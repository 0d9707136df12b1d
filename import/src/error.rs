//! The crate's error type: every message names the format and where in the input it went
//! wrong (a line for JSONL, a JSON path, a span), so a user can open the file and look.

use wharf_model::{ErrorKind, ModelError};

/// Why an import failed. Nothing is imported when any error occurs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// The input is over [`MAX_INPUT_BYTES`](crate::MAX_INPUT_BYTES).
    #[error("input is {size} bytes, over the {limit}-byte limit of one import; split it")]
    TooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// The bound in bytes ([`MAX_INPUT_BYTES`](crate::MAX_INPUT_BYTES)).
        limit: u64,
    },
    /// The whole input is not JSON (JSON documents: ATIF, OTLP/JSON, Jetty).
    #[error("{format}: not valid JSON: {message}")]
    Json {
        /// The detected or requested format (`atif`, `otlp-json`, ...).
        format: &'static str,
        /// serde_json's message with line and column.
        message: String,
    },
    /// A line of a JSONL input is wrong.
    #[error("{format}: line {line}: {message}")]
    Line {
        /// The detected or requested format (`atif`, `otlp-json`, ...).
        format: &'static str,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A value inside a JSON document (or a span of a trace) is wrong.
    #[error("{format}: `{path}`: {message}")]
    Field {
        /// The detected or requested format (`atif`, `otlp-json`, ...).
        format: &'static str,
        /// Where: a JSON path such as `steps[3].tool_calls[0].arguments`, or a span.
        path: String,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The input as a whole is wrong (no spans, undecodable protobuf, no timestamps).
    #[error("{format}: {message}")]
    Input {
        /// The detected or requested format (`atif`, `otlp-json`, ...).
        format: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
    /// A run would get more events than [`MAX_EVENTS`](crate::MAX_EVENTS).
    #[error("{format}: more than {limit} events in one run; split the input")]
    TooManyEvents {
        /// The detected or requested format (`atif`, `otlp-json`, ...).
        format: &'static str,
        /// The bound ([`MAX_EVENTS`](crate::MAX_EVENTS)).
        limit: usize,
    },
    /// A record built from the input does not validate (a bug here, or a value out of range
    /// in the input, such as a negative token count).
    #[error("{format}: {at}: {}", model_detail(source))]
    Invalid {
        /// The detected or requested format (`atif`, `otlp-json`, ...).
        format: &'static str,
        /// Which record: `run`, `events[12]`, `scores[0]`, `llm_calls[3]`.
        at: String,
        /// The model's complaint.
        source: ModelError,
    },
    /// No importer recognized the input.
    #[error("{name}: not a known trajectory format; expected one of: {expected}")]
    Unknown {
        /// Input name as given.
        name: String,
        /// The accepted format names.
        expected: String,
    },
    /// An import option is wrong.
    #[error("option `{option}`: {message}")]
    Option {
        /// The option's name as the user spells it.
        option: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// A model error without its line number (imports have none).
pub(crate) fn model_detail(error: &ModelError) -> String {
    match error {
        ModelError::Field { field, message, .. } => format!("field `{field}`: {message}"),
        ModelError::Line { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// Only what a model error says is wrong (for option values, which are not fields).
pub(crate) fn model_message(error: &ModelError) -> String {
    match error {
        ModelError::Field { message, .. } | ModelError::Line { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl ImportError {
    /// The class of the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ImportError::TooLarge { .. } | ImportError::TooManyEvents { .. } => ErrorKind::TooLarge,
            _ => ErrorKind::InvalidInput,
        }
    }

    pub(crate) fn line(format: &'static str, line: u64, message: impl Into<String>) -> Self {
        ImportError::Line {
            format,
            line,
            message: message.into(),
        }
    }

    pub(crate) fn field(
        format: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ImportError::Field {
            format,
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn input(format: &'static str, message: impl Into<String>) -> Self {
        ImportError::Input {
            format,
            message: message.into(),
        }
    }

    pub(crate) fn json(format: &'static str, error: &serde_json::Error) -> Self {
        ImportError::Json {
            format,
            message: error.to_string(),
        }
    }
}
