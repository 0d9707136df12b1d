//! Reading a request body with a byte bound.

use actix_web::web;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use crate::error::{ApiError, ApiResult};

/// Reads the whole body; more than `limit` bytes is a 413.
pub async fn read(mut payload: web::Payload, limit: usize) -> ApiResult<Bytes> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("reading the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge(format!(
                "the body is over the {limit}-byte limit"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The request's media type, lower-cased, without parameters (`multipart/form-data`).
pub fn media_type(req: &actix_web::HttpRequest) -> String {
    req.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}
