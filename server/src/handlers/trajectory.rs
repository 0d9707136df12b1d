//! `GET /api/v1/runs/{run_id}/trajectory`: everything recorded about a run in one JSON
//! document (the run row, events, scores, labels, artifacts, LLM calls).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::sql::rows;
use crate::state::AppState;
use crate::views::run_view;

/// The handler.
pub async fn trajectory(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let run = crate::lookup::run(&state, &caller, &path).await?;
    let id = &run.run_id;
    let c = caller.collection();
    let record = rows(
        &state,
        c,
        &format!("SELECT * FROM runs WHERE run_id = '{id}'"),
    )
    .await?;
    let events = rows(
        &state,
        c,
        &format!("SELECT * EXCLUDE (collection, date) FROM events WHERE run_id = '{id}' ORDER BY attempt, seq"),
    )
    .await?;
    let scores = rows(&state, c, &format!("SELECT * EXCLUDE (collection, date) FROM scores WHERE run_id = '{id}' ORDER BY attempt, created_at")).await?;
    let labels = rows(&state, c, &format!("SELECT * EXCLUDE (collection, date) FROM labels WHERE run_id = '{id}' ORDER BY created_at")).await?;
    let artifacts = rows(&state, c, &format!("SELECT * EXCLUDE (collection, date) FROM artifacts WHERE run_id = '{id}' ORDER BY attempt, path")).await?;
    let calls = rows(&state, c, &format!("SELECT * EXCLUDE (collection, date) FROM llm_calls WHERE run_id = '{id}' ORDER BY started_at")).await?;
    Ok(HttpResponse::Ok().json(json!({
        "object": "wharf.trajectory",
        "run": run_view(&run),
        "record": record.into_iter().next(),
        "events": events,
        "scores": scores,
        "labels": labels,
        "artifacts": artifacts,
        "llm_calls": calls,
    })))
}
