//! Reading a multipart body into named parts, with one byte bound for the whole body.

use actix_multipart::Multipart;
use futures::StreamExt;

use crate::error::{ApiError, ApiResult};

/// One part of a multipart body.
#[derive(Debug)]
pub struct Part {
    /// Form field name.
    pub name: String,
    /// File name, for file parts.
    pub filename: Option<String>,
    /// The part's bytes, as sent.
    pub bytes: Vec<u8>,
}

impl Part {
    /// The content as text.
    pub fn text(&self) -> ApiResult<String> {
        String::from_utf8(self.bytes.clone()).map_err(|_| {
            ApiError::BadRequest(format!("form field `{}` is not UTF-8 text", self.name))
        })
    }
}

/// Reads every part; more than `limit` bytes in total is a 413.
pub async fn read_parts(mut payload: Multipart, limit: usize) -> ApiResult<Vec<Part>> {
    let mut parts = Vec::new();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| ApiError::BadRequest(format!("malformed multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::BadRequest(format!("malformed multipart field `{name}`: {e}"))
            })?;
            total += chunk.len();
            if total > limit {
                return Err(ApiError::TooLarge(format!(
                    "the multipart body is over the {limit}-byte limit"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.push(Part {
            name,
            filename,
            bytes,
        });
    }
    Ok(parts)
}
