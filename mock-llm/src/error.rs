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
    Scripted {
        status: u16,
        message: String,
        /// `retry-after` header, seconds.
        retry_after: Option<u64>,
        /// `retry-after-ms` header.
        retry_after_ms: Option<u64>,
    },
    #[error(
        "rate limit reached ({requests_per_second} requests per second, burst {burst}); retry after {wait_ms} ms"
    )]
    RateLimited {
        requests_per_second: f64,
        burst: u32,
        wait_ms: u64,
    },
}

impl MockError {
    /// HTTP status for errors that reach a client.
    pub fn status_code(&self) -> u16 {
        match self {
            MockError::Unauthorized => 401,
            MockError::ModelNotFound(_) | MockError::NoRoute { .. } => 404,
            MockError::BadRequest(_) => 400,
            MockError::Scripted { status, .. } => *status,
            MockError::RateLimited { .. } => 429,
            MockError::ReadScript { .. }
            | MockError::ParseScript(_)
            | MockError::InvalidScript(_) => 500,
        }
    }

    /// `retry-after` / `retry-after-ms` headers the response carries.
    pub fn retry_headers(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self {
            MockError::Scripted {
                retry_after,
                retry_after_ms,
                ..
            } => {
                if let Some(s) = retry_after {
                    out.push(("retry-after", s.to_string()));
                }
                if let Some(ms) = retry_after_ms {
                    out.push(("retry-after-ms", ms.to_string()));
                }
            }
            MockError::RateLimited { wait_ms, .. } => {
                // Whole seconds, rounded up, as HTTP requires; the exact wait in ms.
                out.push(("retry-after", wait_ms.div_ceil(1000).to_string()));
                out.push(("retry-after-ms", wait_ms.to_string()));
            }
            _ => {}
        }
        out
    }
}
