//! The one place errors become HTTP: status, and the JSON body OpenAI clients expect,
//! `{"error": {"message", "type", "code"}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use wharf_catalog::CatalogError;
use wharf_engine::EngineError;
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
    /// Busy or shutting down.
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// The OpenAI-style `type` and wharf's `code` of this error.
    fn kind(&self) -> (&'static str, &'static str) {
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
        }
    }

    /// Shorthand for a 404 naming what was looked for.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) | ApiError::Runbook(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (kind, code) = self.kind();
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

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match &e {
            CatalogError::NotFound { .. } => ApiError::NotFound(e.to_string()),
            CatalogError::Conflict { .. } => ApiError::Conflict(e.to_string()),
            _ if e.is_client_error() => ApiError::BadRequest(e.to_string()),
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Runbook(_) => ApiError::Runbook(e.to_string()),
            EngineError::Catalog(c) => c.into(),
            e => match e.kind() {
                ErrorKind::InvalidInput => ApiError::BadRequest(e.to_string()),
                ErrorKind::NotFound => ApiError::NotFound(e.to_string()),
                ErrorKind::Unauthorized => ApiError::Unauthorized(e.to_string()),
                ErrorKind::Conflict => ApiError::Conflict(e.to_string()),
                ErrorKind::Unavailable => ApiError::Unavailable(e.to_string()),
                ErrorKind::Internal => ApiError::Internal(e.to_string()),
            },
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        if e.is_user_error() {
            ApiError::BadRequest(e.to_string())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        ApiError::Internal(e.to_string())
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
