//! The crate's one error type. `status_code` is what `server` turns into an
//! HTTP status; the body is rendered in the calling API's native shape.

use std::path::PathBuf;

/// Everything that can go wrong loading a script or answering a request.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    #[error("cannot read script {path}: {source}")]
    ReadScript {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid script: {0}")]
    ParseScript(String),
    #[error("invalid script: {0}; fix the turn or option it names")]
    InvalidScript(String),
    #[error("invalid api key; send the key the script's `api_key` option names")]
    Unauthorized,
    #[error("the model `{0}` does not exist or you do not have access to it")]
    ModelNotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("no route for {method} {path}; mock-llm serves the OpenAI, Anthropic and Gemini APIs")]
    NoRoute { method: String, path: String },
    #[error("{message}")]
    Scripted { status: u16, message: String },
}

impl MockError {
    /// HTTP status for errors that reach a client.
    pub fn status_code(&self) -> u16 {
        match self {
            MockError::Unauthorized => 401,
            MockError::ModelNotFound(_) | MockError::NoRoute { .. } => 404,
            MockError::BadRequest(_) => 400,
            MockError::Scripted { status, .. } => *status,
            MockError::ReadScript { .. }
            | MockError::ParseScript(_)
            | MockError::InvalidScript(_) => 500,
        }
    }
}
