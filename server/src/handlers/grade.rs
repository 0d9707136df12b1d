//! `POST /api/v1/runs/{run_id}/grade`: grade a recorded run against a runbook (bring your
//! own agent, or a re-grade under a new rubric or judge). JSON
//! `{runbook | task, template_variables}` grades the run's stored outputs (its kept
//! attempt); multipart (`runbook` or `task`, `param` NAME=VALUE parts, output files named
//! by their path in the results directory) grades the files sent. The judge sees the
//! run's recorded events. Scores are added under the run (the latest grading wins in
//! `kept_scores`, and its verdict in `runs` and the run's summary); the answer is the verdict.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use wharf_engine::{GradeRequest, RunbookSource};
use wharf_model::EventRecord;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Events the judge's digest reads at most.
const DIGEST_EVENTS: usize = 2_000;

/// The JSON body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBody {
    #[serde(default)]
    runbook: Option<String>,
    #[serde(default)]
    task: Option<String>,
    #[serde(default)]
    template_variables: std::collections::BTreeMap<String, Value>,
}

/// `POST /api/v1/runs/{run_id}/grade`: grades a recorded run against a runbook.
pub async fn grade(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let run_id = crate::lookup::recorded_run(&state, &caller, &path).await?;
    let collection = caller.collection().to_owned();
    let session = crate::sql::session(&state, &collection).await?;
    let (body, uploaded) = if crate::body::media_type(&req) == "multipart/form-data" {
        let multipart = actix_multipart::Multipart::new(req.headers(), payload);
        let parts = crate::multipart::read_parts(multipart, state.config.max_upload_bytes).await?;
        let mut body = GradeBody::default();
        let mut files = Vec::new();
        for part in parts {
            match part.name.as_str() {
                "runbook" => body.runbook = Some(part.text()?),
                "task" => body.task = Some(part.text()?),
                "param" => {
                    let text = part.text()?;
                    let (k, v) = text.split_once('=').ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "form field `param`: `{text}` is not NAME=VALUE"
                        ))
                    })?;
                    body.template_variables
                        .insert(k.trim().to_owned(), v.into());
                }
                _ if part.filename.is_some() => {
                    files.push((part.filename.clone().unwrap_or_default(), part.bytes));
                }
                other => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown form field `{other}` (expected runbook, task, param, or output file parts)"
                    )));
                }
            }
        }
        (body, Some(files))
    } else {
        let bytes = crate::body::read(payload, state.config.max_json_bytes).await?;
        let body: GradeBody = if bytes.is_empty() {
            GradeBody::default()
        } else {
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
                .map_err(|e| {
                    ApiError::BadRequest(format!("invalid body at `{}`: {}", e.path(), e.inner()))
                })?
        };
        (body, None)
    };
    let (runbook, _) =
        crate::submit::resolve_runbook(&state, &collection, body.runbook, body.task.as_deref())
            .await?;
    let params: Vec<(String, String)> = body
        .template_variables
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect();
    let (outputs, attempt) = match uploaded {
        Some(files) => (files, 1),
        None => stored_outputs(&state, &session, &run_id).await?,
    };
    let events = recorded_events(&session, &run_id, state.config.max_sql_rows).await?;
    let runbook = wharf_engine::load(&RunbookSource::text(runbook), &params).await?;
    let summary = state
        .service
        .regrade(GradeRequest {
            runbook,
            run_id,
            collection,
            attempt,
            outputs,
            events,
        })
        .await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// The run's kept outputs (not its inputs) and their attempt.
async fn stored_outputs(
    state: &AppState,
    session: &wharf_query::Session,
    run_id: &str,
) -> ApiResult<(Vec<(String, Vec<u8>)>, i32)> {
    let rows = crate::sql::rows(
        session,
        &format!(
            "SELECT path, object_key, attempt FROM kept_artifacts \
             WHERE run_id = '{run_id}' AND role <> 'input' AND object_key IS NOT NULL ORDER BY path"
        ),
        10_000,
    )
    .await?;
    let mut out = Vec::new();
    let mut attempt = 1;
    for r in rows {
        let (Some(path), Some(key)) = (
            r.get("path").and_then(Value::as_str),
            r.get("object_key").and_then(Value::as_str),
        ) else {
            continue;
        };
        attempt = r
            .get("attempt")
            .and_then(Value::as_i64)
            .and_then(|a| i32::try_from(a).ok())
            .unwrap_or(1);
        let bytes = state.objects().get(key).await?;
        out.push((path.to_owned(), bytes.to_vec()));
    }
    Ok((out, attempt))
}

/// The run's events, for the judge's digest.
async fn recorded_events(
    session: &wharf_query::Session,
    run_id: &str,
    max: usize,
) -> ApiResult<Vec<EventRecord>> {
    let rows = crate::sql::rows(
        session,
        &format!(
            "SELECT * FROM events WHERE run_id = '{run_id}' \
             AND kind IN ('tool_call', 'tool_result', 'assistant_message', 'error') \
             ORDER BY attempt, seq LIMIT {DIGEST_EVENTS}"
        ),
        max.min(DIGEST_EVENTS),
    )
    .await?;
    Ok(crate::records::events(rows))
}
