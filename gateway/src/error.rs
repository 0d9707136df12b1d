//! The gateway's one error type, and the single place that turns it into a native-shaped
//! HTTP error body for the dialect the client speaks.

use serde_json::{Value, json};
use wharf_model::ErrorKind;

use crate::dialect::Dialect;

/// Everything that can go wrong in the gateway.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No credential, or one that is unknown, revoked or expired.
    #[error("invalid or expired run token; use the token wharf issued for this run")]
    Unauthorized,
    /// The run was started without a model provider, so it has no model access.
    #[error(
        "this run has no model provider, so it has no model access; start it with a provider (`--provider` on the command line, `model_provider` in the API)"
    )]
    NoProvider,
    /// The grant restricts models and this one is not among them.
    #[error("model `{model}` is not allowed for this run; allowed: {allowed}")]
    ModelNotAllowed {
        /// The model the request named.
        model: String,
        /// Allowed models, comma separated.
        allowed: String,
    },
    /// The run's provider does not serve the API the client called.
    #[error(
        "provider `{provider}` ({kind}) does not serve the {api} API; point the agent at a matching provider"
    )]
    UnsupportedApi {
        /// The provider's name (as recorded in `llm_calls.provider`).
        provider: String,
        /// The provider's kind as the config spells it (`openai`, `anthropic`, ...).
        kind: &'static str,
        /// The endpoint the request was for (`chat completions`, `messages`, ...).
        api: &'static str,
    },
    /// Unknown path under a gateway route.
    #[error("no gateway endpoint `{0}`")]
    NotFound(String),
    /// The request body exceeds the configured limit.
    #[error("request body exceeds the gateway limit of {limit} bytes")]
    BodyTooLarge {
        /// Limit in bytes.
        limit: usize,
    },
    /// The request body could not be read or rewritten.
    #[error("bad request body: {0}")]
    BadRequest(String),
    /// The provider could not be reached or failed before answering.
    #[error("upstream provider `{provider}` failed: {message}")]
    Upstream {
        /// The provider's name (as recorded in `llm_calls.provider`).
        provider: String,
        /// What failed (never contains keys: reqwest errors carry the URL without credentials).
        message: String,
    },
    /// Invalid configuration (provider, grant, price table).
    #[error("invalid gateway config: {0}")]
    Config(String),
    /// A price file could not be read.
    #[error("cannot read price file {path}: {source}")]
    PriceFile {
        /// The price file's path on the host.
        path: String,
        /// I/O error.
        source: std::io::Error,
    },
    /// The standalone server could not start.
    #[error("cannot start gateway server on {addr}: {source}")]
    Bind {
        /// The listen address as configured.
        addr: String,
        /// I/O error.
        source: std::io::Error,
    },
}

impl GatewayError {
    /// What kind of failure this is. Configuration (providers, keys, prices) is the
    /// operator's input.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unauthorized | Self::NoProvider => ErrorKind::Unauthorized,
            Self::ModelNotAllowed { .. } => ErrorKind::Forbidden,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::BodyTooLarge { .. } => ErrorKind::TooLarge,
            Self::UnsupportedApi { .. }
            | Self::BadRequest(_)
            | Self::Config(_)
            | Self::PriceFile { .. } => ErrorKind::InvalidInput,
            Self::Upstream { .. } => ErrorKind::Upstream,
            Self::Bind { .. } => ErrorKind::Internal,
        }
    }

    /// The HTTP status the client sees.
    pub fn status_code(&self) -> u16 {
        match self {
            // The client's request is fine; the operator's configuration is not.
            Self::Config(_) | Self::PriceFile { .. } => ErrorKind::Internal.http_status(),
            e => e.kind().http_status(),
        }
    }

    /// The error as the client's API would have sent it.
    pub fn native_body(&self, dialect: Dialect) -> Value {
        native_error(dialect, self.status_code(), &self.to_string())
    }
}

/// An error body in the native shape of `dialect`.
pub fn native_error(dialect: Dialect, status: u16, message: &str) -> Value {
    match dialect {
        Dialect::OpenAi => json!({
            "error": {
                "message": message,
                "type": openai_type(status),
                "param": null,
                "code": openai_code(status),
            }
        }),
        Dialect::Anthropic => json!({
            "type": "error",
            "error": { "type": anthropic_type(status), "message": message },
        }),
        Dialect::Gemini => json!({
            "error": { "code": status, "message": message, "status": gemini_status(status) }
        }),
    }
}

fn openai_type(status: u16) -> &'static str {
    // OpenAI sends `invalid_request_error` for every client error (a bad key included) and
    // tells them apart by `code`.
    match status {
        400..=499 => "invalid_request_error",
        _ => "server_error",
    }
}

fn openai_code(status: u16) -> Value {
    match status {
        401 => json!("invalid_api_key"),
        403 => json!("model_not_allowed"),
        404 => json!("unknown_url"),
        413 => json!("request_too_large"),
        _ => Value::Null,
    }
}

fn anthropic_type(status: u16) -> &'static str {
    match status {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        400 => "invalid_request_error",
        _ => "api_error",
    }
}

fn gemini_status(status: u16) -> &'static str {
    match status {
        400 | 413 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        502 => "UNAVAILABLE",
        _ => "INTERNAL",
    }
}

/// The human message inside an upstream error body of any of the dialects
/// (`{"error": {"message"}}`, `{"type":"error","error":{...}}`, Gemini's array form),
/// or the body's text, clipped.
pub fn upstream_error_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<Value>(body)
        && let Some(message) = error_message_in(&value)
    {
        return message;
    }
    clip(String::from_utf8_lossy(body).trim(), 500)
}

/// The error message inside one JSON value, if it has one.
pub fn error_message_in(value: &Value) -> Option<String> {
    let value = match value {
        Value::Array(items) => items.first()?,
        other => other,
    };
    match value.get("error")? {
        Value::String(s) => Some(s.clone()),
        Value::Object(err) => err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| Some(Value::Object(err.clone()).to_string())),
        _ => None,
    }
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_shapes() {
        let e = GatewayError::Unauthorized;
        assert_eq!(
            e.native_body(Dialect::OpenAi)["error"]["code"],
            "invalid_api_key"
        );
        assert_eq!(e.native_body(Dialect::Anthropic)["type"], "error");
        assert_eq!(
            e.native_body(Dialect::Gemini)["error"]["status"],
            "UNAUTHENTICATED"
        );
        assert_eq!(e.native_body(Dialect::Gemini)["error"]["code"], 401);
    }

    #[test]
    fn upstream_messages() {
        let openai = br#"{"error":{"message":"model gone","type":"invalid_request_error"}}"#;
        assert_eq!(upstream_error_message(openai), "model gone");
        let anthropic =
            br#"{"type":"error","error":{"type":"not_found_error","message":"no model"}}"#;
        assert_eq!(upstream_error_message(anthropic), "no model");
        let gemini =
            br#"[{"error":{"code":404,"message":"models/x is not found","status":"NOT_FOUND"}}]"#;
        assert_eq!(upstream_error_message(gemini), "models/x is not found");
        assert_eq!(upstream_error_message(b"Bad Gateway"), "Bad Gateway");
    }
}
