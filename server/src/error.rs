//! The one place errors become HTTP: every crate's error says its [`ErrorKind`], the kind
//! gives the status (`ErrorKind::http_status`, shared with the gateway), and the body is
//! the JSON OpenAI clients expect, `{"error": {"message", "type", "code"}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use wharf_catalog::CatalogError;
use wharf_dashboards::DashboardError;
use wharf_engine::EngineError;
use wharf_import::ImportError;
use wharf_ingest::IngestError;
use wharf_model::ErrorKind;
use wharf_query::QueryError;

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No token, or one that is unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token without the right (e.g. admin-only operations).
    #[error("{0}")]
    Forbidden(String),
    /// Not there (or not the caller's: the same answer, so nothing leaks).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed or names something invalid.
    #[error("{0}")]
    BadRequest(String),
    /// Conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The body is over the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A runbook with errors (the diagnostics are the message).
    #[error("{0}")]
    Runbook(String),
    /// The server failed.
    #[error("{0}")]
    Internal(String),
    /// Busy, shutting down, or a part the request needs is missing (no sandboxes).
    #[error("{0}")]
    Unavailable(String),
    /// A service the request needed (a model provider) failed.
    #[error("{0}")]
    Upstream(String),
}

impl ApiError {
    /// The answer to an error of `kind` saying `message`: how every crate's error becomes
    /// an [`ApiError`].
    pub fn of(kind: ErrorKind, message: String) -> ApiError {
        match kind {
            ErrorKind::InvalidInput => ApiError::BadRequest(message),
            ErrorKind::NotFound => ApiError::NotFound(message),
            ErrorKind::Unauthorized => ApiError::Unauthorized(message),
            ErrorKind::Forbidden => ApiError::Forbidden(message),
            ErrorKind::Conflict => ApiError::Conflict(message),
            ErrorKind::TooLarge => ApiError::TooLarge(message),
            ErrorKind::Unavailable => ApiError::Unavailable(message),
            ErrorKind::Upstream => ApiError::Upstream(message),
            ErrorKind::Internal => ApiError::Internal(message),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApiError::Unauthorized(_) => ErrorKind::Unauthorized,
            ApiError::Forbidden(_) => ErrorKind::Forbidden,
            ApiError::NotFound(_) => ErrorKind::NotFound,
            ApiError::BadRequest(_) | ApiError::Runbook(_) => ErrorKind::InvalidInput,
            ApiError::Conflict(_) => ErrorKind::Conflict,
            ApiError::TooLarge(_) => ErrorKind::TooLarge,
            ApiError::Internal(_) => ErrorKind::Internal,
            ApiError::Unavailable(_) => ErrorKind::Unavailable,
            ApiError::Upstream(_) => ErrorKind::Upstream,
        }
    }

    /// The OpenAI-style `type` and wharf's `code` of this error.
    fn wire(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::Unauthorized(_) => ("authentication_error", "invalid_api_key"),
            ApiError::Forbidden(_) => ("permission_error", "forbidden"),
            ApiError::NotFound(_) => ("invalid_request_error", "not_found"),
            ApiError::BadRequest(_) => ("invalid_request_error", "bad_request"),
            ApiError::Conflict(_) => ("invalid_request_error", "conflict"),
            ApiError::TooLarge(_) => ("invalid_request_error", "payload_too_large"),
            ApiError::Runbook(_) => ("invalid_request_error", "invalid_runbook"),
            ApiError::Internal(_) => ("server_error", "internal_error"),
            ApiError::Unavailable(_) => ("server_error", "unavailable"),
            ApiError::Upstream(_) => ("server_error", "upstream_error"),
        }
    }

    /// Shorthand for a 404 naming what was looked for.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let (kind, code) = self.wire();
        if matches!(self, ApiError::Internal(_)) {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        response.json(json!({
            "error": {"message": self.to_string(), "type": kind, "code": code}
        }))
    }
}

/// `From` each crate's error, by its kind.
macro_rules! from_kind {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(e: $error) -> Self {
                ApiError::of(e.kind(), e.to_string())
            }
        }
    )*};
}

from_kind!(
    CatalogError,
    QueryError,
    IngestError,
    ImportError,
    DashboardError
);

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Runbook(_) => ApiError::Runbook(e.to_string()),
            e => ApiError::of(e.kind(), e.to_string()),
        }
    }
}

impl From<actix_web::error::JsonPayloadError> for ApiError {
    fn from(e: actix_web::error::JsonPayloadError) -> Self {
        use actix_web::error::JsonPayloadError as J;
        match e {
            J::Overflow { limit } | J::OverflowKnownLength { limit, .. } => {
                ApiError::TooLarge(format!("the JSON body is over the {limit}-byte limit"))
            }
            J::ContentType => ApiError::BadRequest(
                "the body must be JSON (Content-Type: application/json)".into(),
            ),
            J::Deserialize(d) => ApiError::BadRequest(format!("invalid JSON body: {d}")),
            other => ApiError::BadRequest(format!("invalid JSON body: {other}")),
        }
    }
}

/// Results of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_answers_its_status() {
        for kind in [
            ErrorKind::InvalidInput,
            ErrorKind::NotFound,
            ErrorKind::Unauthorized,
            ErrorKind::Forbidden,
            ErrorKind::Conflict,
            ErrorKind::TooLarge,
            ErrorKind::Unavailable,
            ErrorKind::Upstream,
            ErrorKind::Internal,
        ] {
            let e = ApiError::of(kind, "m".into());
            assert_eq!(e.kind(), kind);
            assert_eq!(e.status_code().as_u16(), kind.http_status());
        }
        let runbook = ApiError::from(EngineError::Runbook("error[R030]".into()));
        assert_eq!(runbook.status_code(), StatusCode::BAD_REQUEST);
        assert_eq!(runbook.wire().1, "invalid_runbook");
    }
}
