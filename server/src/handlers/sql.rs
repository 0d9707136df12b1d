//! `POST /api/v1/sql`: one read-only statement over the caller's collection, answered as
//! JSON, CSV or Arrow IPC (`format` in the body, else the `Accept` header).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use wharf_query::OutputFormat;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::sql::{encode, query};
use crate::state::AppState;

/// Body of `POST /api/v1/sql`: one statement, and `json`, `csv` or `arrow` (default:
/// by the `Accept` header, else JSON).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlRequest {
    query: String,
    #[serde(default)]
    format: Option<String>,
}

/// `POST /api/v1/sql`: one read-only statement over the caller's collection.
pub async fn sql(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Json<SqlRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let format = match body.format.as_deref() {
        Some("json") => "json",
        Some("csv") => "csv",
        Some("arrow") => "arrow",
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "`format` must be json, csv or arrow, got `{other}`"
            )));
        }
        None if accept.contains("text/csv") => "csv",
        None if accept.contains("application/vnd.apache.arrow.stream") => "arrow",
        None => "json",
    };
    let (result, truncated) = query(&state, caller.collection(), &body.query).await?;
    let truncated_header = (
        "x-wharf-truncated",
        if truncated { "true" } else { "false" },
    );
    match format {
        "csv" => Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(truncated_header)
            .body(encode(&result, OutputFormat::Csv)?)),
        "arrow" => Ok(HttpResponse::Ok()
            .content_type("application/vnd.apache.arrow.stream")
            .insert_header(truncated_header)
            .body(encode(&result, OutputFormat::Arrow)?)),
        _ => {
            let rows: serde_json::Value =
                serde_json::from_slice(&encode(&result, OutputFormat::Json)?)
                    .map_err(|e| ApiError::Internal(format!("result encoding: {e}")))?;
            let columns: Vec<_> = result
                .schema
                .fields()
                .iter()
                .map(|f| json!({"name": f.name(), "type": f.data_type().to_string()}))
                .collect();
            Ok(HttpResponse::Ok()
                .insert_header(truncated_header)
                .json(json!({
                    "columns": columns,
                    "rows": rows,
                    "row_count": result.num_rows(),
                    "truncated": truncated,
                })))
        }
    }
}
