//! `GET /api/v1/runs/{run_id}/trajectory`: everything recorded about a run in one JSON
//! document (the run row, events, scores, labels, artifacts, LLM calls), or with
//! `?format=atif` the run as an ATIF v1.x trajectory. Runs of the service and runs
//! imported into the collection alike.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::sql::rows;
use crate::state::AppState;
use crate::views::run_view;

/// `?format=wharf|atif`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatQuery {
    #[serde(default)]
    format: Option<String>,
}

/// `GET /api/v1/runs/{run_id}/trajectory`: everything recorded about the run.
pub async fn trajectory(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<FormatQuery>,
) -> ApiResult<HttpResponse> {
    let atif = match query.format.as_deref() {
        None | Some("wharf") => false,
        Some("atif") => true,
        Some(other) => {
            return Err(crate::error::ApiError::BadRequest(format!(
                "`format` must be wharf or atif, got `{other}`"
            )));
        }
    };
    let run_id = crate::lookup::recorded_run(&state, &caller, &path).await?;
    let run = state.catalog().run(caller.collection(), &run_id).await?;
    let id = &run_id;
    // One session (one snapshot of the tables) for every part of the document.
    let session = crate::sql::session(&state, caller.collection()).await?;
    let max = state.config.max_sql_rows;
    let part = |table: &str, order: &str| {
        format!(
            "SELECT * EXCLUDE (collection, date) FROM {table} WHERE run_id = '{id}' ORDER BY {order}"
        )
    };
    let record = rows(
        &session,
        &format!("SELECT * FROM runs WHERE run_id = '{id}'"),
        max,
    )
    .await?;
    let events = rows(&session, &part("events", "attempt, seq"), max).await?;
    let scores = rows(&session, &part("scores", "attempt, created_at"), max).await?;
    let labels = rows(&session, &part("labels", "created_at"), max).await?;
    let artifacts = rows(&session, &part("artifacts", "attempt, path"), max).await?;
    let calls = rows(&session, &part("llm_calls", "started_at"), max).await?;
    if atif {
        let Some(header) = record.into_iter().next().and_then(crate::records::run) else {
            return Err(crate::error::ApiError::not_found(format!(
                "the run row of {id} (the run has not finished)"
            )));
        };
        let doc = wharf_import::export_atif(
            &header,
            &crate::records::events(events),
            &crate::records::calls(calls),
        );
        return Ok(HttpResponse::Ok().json(doc));
    }
    Ok(HttpResponse::Ok().json(json!({
        "object": "wharf.trajectory",
        "run": run.as_ref().map(run_view),
        "record": record.into_iter().next(),
        "events": events,
        "scores": scores,
        "labels": labels,
        "artifacts": artifacts,
        "llm_calls": calls,
    })))
}
