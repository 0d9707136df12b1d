//! Requests as received, kept for tests to assert on (e.g. key injection).

use actix_web::HttpRequest;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One request the server received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lowercase names, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; a JSON string when it is not JSON; `null` when empty.
    pub body: Value,
    /// When it arrived, Unix milliseconds (for asserting on client pacing).
    #[serde(default)]
    pub unix_ms: u64,
}

impl RecordedRequest {
    pub fn from_parts(req: &HttpRequest, body: &[u8]) -> RecordedRequest {
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
        };
        RecordedRequest {
            method: req.method().as_str().to_owned(),
            path: req.path().to_owned(),
            query: req.query_string().to_owned(),
            headers,
            body,
            unix_ms: u64::try_from(crate::reply::unix_now_ms()).unwrap_or(u64::MAX),
        }
    }

    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
