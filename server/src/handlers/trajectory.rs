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
