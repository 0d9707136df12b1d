//! Trajectories recorded elsewhere: `POST /api/v1/trajectories` (any format `wharf import`
//! reads, detected unless `?format=` says) and `POST /v1/traces` (OTLP/HTTP, protobuf or
//! JSON by content type). Every record lands in the caller's collection, whatever the
//! input says; the input is checked whole before anything is written.

use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;
use wharf_import::{Format, ImportOptions};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `?format=&task=`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    task: Option<String>,
}

/// Imports `body` as `format` into the caller's collection; returns the run ids.
async fn import(
    state: &AppState,
    caller: &Caller,
    format: Format,
    body: Bytes,
    task: Option<String>,
) -> ApiResult<(Vec<String>, usize, usize)> {
    let collection = caller.collection().to_owned();
    let opts = ImportOptions {
        collection: Some(collection.clone()),
        task,
        default_time: Some(chrono::Utc::now()),
        ..ImportOptions::default()
    };
    let runs = tokio::task::spawn_blocking(move || wharf_import::import(format, &body, &opts))
        .await
        .map_err(|e| ApiError::Internal(format!("import: {e}")))??;
    let mut ids = Vec::new();
    let mut records = Vec::new();
    for mut run in runs {
        // The token's collection, never one the input names.
        run.run.collection = Some(collection.clone());
        ids.push(run.run.run_id.clone());
        for r in &mut run.records {
            set_collection(r, &collection);
        }
        records.extend(run.into_records());
    }
    let total = records.len();
    let receipt = state.engine().store.ingest(records).await?;
    Ok((ids, total, receipt.accepted_total()))
}

fn set_collection(r: &mut wharf_model::Record, collection: &str) {
    use wharf_model::Record;
    let c = Some(collection.to_owned());
    match r {
        Record::Run(x) => x.collection = c,
        Record::Event(x) => x.collection = c,
        Record::Score(x) => x.collection = c,
        Record::Label(x) => x.collection = c,
        Record::Artifact(x) => x.collection = c,
        Record::LlmCall(x) => x.collection = c,
    }
}

/// `POST /api/v1/trajectories`.
pub async fn trajectories(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let body = crate::body::read(payload, state.config.max_upload_bytes).await?;
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the body is empty: send the trajectory file as the request body".into(),
        ));
    }
    let query = query.into_inner();
    let format = match &query.format {
        Some(f) => f
            .parse::<Format>()
            .map_err(|e| ApiError::BadRequest(format!("`format`: {e}")))?,
        None => wharf_import::detect("upload", &body),
    };
    let (ids, records, new) = import(&state, &caller, format, body, query.task).await?;
    Ok(HttpResponse::Created().json(json!({
        "object": "import", "format": format.name(), "run_ids": ids,
        "records": records, "new_records": new,
    })))
}

/// `POST /v1/traces`: OTLP/HTTP export (`application/x-protobuf` or `application/json`).
pub async fn traces(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let media = crate::body::media_type(&req);
    let format = match media.as_str() {
        "application/x-protobuf" | "application/protobuf" => Format::OtlpProtobuf,
        "application/json" => Format::OtlpJson,
        other => {
            return Err(ApiError::BadRequest(format!(
                "OTLP/HTTP traces are `application/x-protobuf` or `application/json`, got `{other}`"
            )));
        }
    };
    let body = crate::body::read(payload, state.config.max_upload_bytes).await?;
    import(&state, &caller, format, body, None).await?;
    // The OTLP success response: an empty ExportTraceServiceResponse.
    Ok(if format == Format::OtlpProtobuf {
        HttpResponse::Ok()
            .content_type("application/x-protobuf")
            .body(Vec::<u8>::new())
    } else {
        HttpResponse::Ok().json(json!({}))
    })
}
