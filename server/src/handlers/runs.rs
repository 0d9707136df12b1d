//! `/api/v1/runs`: create (JSON or multipart), list, get, cancel.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use wharf_catalog::{CancelOutcome, RunFilter};

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::multipart::read_parts;
use crate::state::AppState;
use crate::submit::{RunInput, RunOptions, submit};
use crate::views::run_view;

/// `POST /api/v1/runs`: JSON `{runbook: "<markdown>", ...options}` or multipart with a
/// `runbook` part, an `options` JSON part (or one part per option), `param` parts
/// (`NAME=VALUE`), `label` parts (`KEY=VALUE`) and file parts (input files).
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    let media = crate::body::media_type(&req);
    let input = if media == "multipart/form-data" {
        let multipart = actix_multipart::Multipart::new(req.headers(), body);
        multipart_input(read_parts(multipart, state.config.max_upload_bytes).await?)?
    } else if media == "application/json" {
        let bytes = crate::body::read(body, state.config.max_json_bytes).await?;
        json_input(&bytes)?
    } else {
        return Err(ApiError::BadRequest(
            "send the run as application/json or multipart/form-data".into(),
        ));
    };
    let run = submit(&state, caller.collection(), input).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(run_view(&run)))
}

fn json_input(bytes: &[u8]) -> ApiResult<RunInput> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    let runbook = match value.as_object_mut().and_then(|o| o.remove("runbook")) {
        Some(serde_json::Value::String(text)) => Some(text),
        Some(serde_json::Value::Null) | None => None,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "`runbook` must be the runbook's markdown text".into(),
            ));
        }
    };
    let options = RunOptions::parse(value, "run request")?;
    Ok(RunInput {
        options,
        runbook,
        files: Vec::new(),
    })
}

fn multipart_input(parts: Vec<crate::multipart::Part>) -> ApiResult<RunInput> {
    let mut runbook = None;
    let mut options = serde_json::Map::new();
    let mut params = serde_json::Map::new();
    let mut labels = serde_json::Map::new();
    let mut files = Vec::new();
    for part in parts {
        match part.name.as_str() {
            "runbook" => runbook = Some(part.text()?),
            "options" => {
                let v: serde_json::Value = serde_json::from_slice(&part.bytes).map_err(|e| {
                    ApiError::BadRequest(format!("form field `options` is not JSON: {e}"))
                })?;
                let serde_json::Value::Object(o) = v else {
                    return Err(ApiError::BadRequest(
                        "form field `options` must be a JSON object".into(),
                    ));
                };
                options.extend(o);
            }
            "param" | "label" => {
                let text = part.text()?;
                let (k, v) = text.split_once('=').ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "form field `{}`: `{text}` is not NAME=VALUE",
                        part.name
                    ))
                })?;
                let target = if part.name == "param" {
                    &mut params
                } else {
                    &mut labels
                };
                target.insert(k.trim().to_owned(), v.into());
            }
            "timeout_sec" | "max_rounds" => {
                let text = part.text()?;
                let n: serde_json::Number = text.trim().parse().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "form field `{}`: `{text}` is not a number",
                        part.name
                    ))
                })?;
                options.insert(part.name.clone(), n.into());
            }
            "task" | "agent" | "model" | "model_provider" | "snapshot" | "webhook_url" => {
                options.insert(part.name.clone(), part.text()?.into());
            }
            _ if part.filename.is_some() => {
                let name = part.filename.clone().unwrap_or_default();
                files.push((name, part.bytes));
            }
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown form field `{other}` (expected runbook, options, param, label, task, agent, model, model_provider, snapshot, webhook_url, timeout_sec, max_rounds, or file parts)"
                )));
            }
        }
    }
    if !params.is_empty() {
        options.insert("template_variables".into(), params.into());
    }
    if !labels.is_empty() {
        options.insert("labels".into(), labels.into());
    }
    let options = RunOptions::parse(serde_json::Value::Object(options), "run options")?;
    Ok(RunInput {
        options,
        runbook,
        files,
    })
}

/// Query of `GET /api/v1/runs`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    status: Option<String>,
    task: Option<String>,
    agent: Option<String>,
    created_after: Option<DateTime<Utc>>,
    created_before: Option<DateTime<Utc>>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// `GET /api/v1/runs`: the collection's runs, newest first, with a cursor.
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let filter = RunFilter {
        status: q
            .status
            .as_deref()
            .map(|s| wharf_catalog::parse_status("status", s))
            .transpose()?,
        task: q.task,
        agent: q.agent,
        created_after: q.created_after,
        created_before: q.created_before,
        limit: q.limit,
        cursor: q.cursor,
    };
    let page = state.catalog().runs(caller.collection(), &filter).await?;
    let data: Vec<_> = page.items.iter().map(run_view).collect();
    Ok(HttpResponse::Ok().json(json!({
        "object": "list",
        "data": data,
        "next_cursor": page.next_cursor,
    })))
}

/// `GET /api/v1/runs/{run_id}`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let run = crate::lookup::run(&state, &caller, &path).await?;
    Ok(HttpResponse::Ok().json(run_view(&run)))
}

/// `POST /api/v1/runs/{run_id}/cancel`.
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let run = crate::lookup::run(&state, &caller, &path).await?;
    let outcome = state
        .service
        .cancel(caller.collection(), &run.run_id)
        .await?;
    let (status, note) = match outcome {
        CancelOutcome::Cancelled => ("cancelled", "the run was still queued; it will not start"),
        CancelOutcome::Requested => ("cancelling", "the agent is being stopped"),
        CancelOutcome::AlreadyFinished(ended) => {
            return Err(ApiError::Conflict(format!(
                "run {} already ended ({ended})",
                run.run_id
            )));
        }
        CancelOutcome::NotFound => return Err(ApiError::not_found(format!("run {}", run.run_id))),
    };
    Ok(
        HttpResponse::Accepted()
            .json(json!({"run_id": run.run_id, "status": status, "note": note})),
    )
}
