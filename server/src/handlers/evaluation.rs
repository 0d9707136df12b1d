//! Evaluation reports over the caller's collection: compare two runs or two groups,
//! calibrate the judge against human labels, export a dataset.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use wharf_query::evaluation::{self, DatasetFormat, Selection};
use wharf_stats::BootstrapOptions;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `POST /api/v1/compare` body: each side a run id or a condition over `runs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    a: String,
    b: String,
    #[serde(default)]
    resamples: Option<u32>,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    seed: Option<u64>,
}

/// `POST /api/v1/compare`.
pub async fn compare(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CompareRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let opts = bootstrap(body.resamples, body.confidence, body.seed)?;
    let a = Selection::parse(&body.a)?;
    let b = Selection::parse(&body.b)?;
    let session = crate::sql::session(&state, caller.collection()).await?;
    let report = evaluation::compare(&session, &a, &b, &opts).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The bootstrap options of a request, checked.
pub fn bootstrap(
    resamples: Option<u32>,
    confidence: Option<f64>,
    seed: Option<u64>,
) -> ApiResult<BootstrapOptions> {
    let mut opts = BootstrapOptions::default();
    if let Some(r) = resamples {
        if !(100..=100_000).contains(&r) {
            return Err(ApiError::BadRequest(format!(
                "`resamples` must be between 100 and 100000, got {r}"
            )));
        }
        opts.resamples = r;
    }
    if let Some(c) = confidence {
        if !(c > 0.0 && c < 1.0) {
            return Err(ApiError::BadRequest(format!(
                "`confidence` must be in (0, 1), got {c}"
            )));
        }
        opts.confidence = c;
    }
    if let Some(s) = seed {
        opts.seed = s;
    }
    Ok(opts)
}

/// `POST /api/v1/calibration` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationRequest {
    /// Condition over `runs` (default: all runs).
    #[serde(default, rename = "where")]
    condition: Option<String>,
}

/// `POST /api/v1/calibration`.
pub async fn calibration(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CalibrationRequest>,
) -> ApiResult<HttpResponse> {
    let selection = body
        .condition
        .as_deref()
        .map(Selection::parse)
        .transpose()?;
    let session = crate::sql::session(&state, caller.collection()).await?;
    let report = evaluation::calibrate(&session, selection.as_ref()).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// `POST /api/v1/datasets/export` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// Condition over `runs`, or a run id.
    #[serde(rename = "where")]
    condition: String,
    /// `jsonl` (default) or `parquet`.
    #[serde(default)]
    format: Option<String>,
}

/// `POST /api/v1/datasets/export`.
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ExportRequest>,
) -> ApiResult<HttpResponse> {
    let format: DatasetFormat = body.format.as_deref().unwrap_or("jsonl").parse()?;
    let selection = Selection::parse(&body.condition)?;
    let session = crate::sql::session(&state, caller.collection()).await?;
    let runs = evaluation::dataset(&session, state.objects(), &selection).await?;
    let bytes = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        evaluation::write_dataset(&runs, format, &mut out).map(|()| out)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("export: {e}")))??;
    let (content_type, ext) = match format {
        DatasetFormat::Jsonl => ("application/x-ndjson", "jsonl"),
        DatasetFormat::Parquet => ("application/vnd.apache.parquet", "parquet"),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"dataset.{ext}\""),
        ))
        .body(bytes))
}
