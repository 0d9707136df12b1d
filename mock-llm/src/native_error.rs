//! Error bodies in each API's native shape, so clients' error handling runs
//! exactly as against the real provider.

use serde_json::{Value, json};

use crate::conversation::Api;
use crate::error::MockError;
use crate::reply::fresh_id;

/// The JSON error body `api` would send for `err`.
pub fn body(api: Api, err: &MockError) -> Value {
    let status = err.status_code();
    let message = err.to_string();
    match api {
        Api::Chat | Api::Responses => {
            let (ty, code) = match err {
                MockError::Unauthorized => ("invalid_request_error", json!("invalid_api_key")),
                MockError::ModelNotFound(_) => ("invalid_request_error", json!("model_not_found")),
                MockError::NoRoute { .. } => ("invalid_request_error", json!("unknown_url")),
                _ => match status {
                    429 => ("rate_limit_exceeded", json!("rate_limit_exceeded")),
                    400..=499 => ("invalid_request_error", Value::Null),
                    _ => ("server_error", Value::Null),
                },
            };
            json!({"error": {"message": message, "type": ty, "param": null, "code": code}})
        }
        Api::Anthropic => {
            let ty = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": ty, "message": message},
                   "request_id": fresh_id("req_")})
        }
        Api::Gemini => {
            let st = match status {
                400 => "INVALID_ARGUMENT",
                401 => "UNAUTHENTICATED",
                403 => "PERMISSION_DENIED",
                404 => "NOT_FOUND",
                429 => "RESOURCE_EXHAUSTED",
                503 => "UNAVAILABLE",
                504 => "DEADLINE_EXCEEDED",
                _ => "INTERNAL",
            };
            json!({"error": {"code": status, "message": message, "status": st}})
        }
    }
}
