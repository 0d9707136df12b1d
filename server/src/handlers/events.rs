//! `GET /api/v1/runs/{run_id}/events`: the run's progress as SSE, from the start (or after
//! `Last-Event-ID`), live until the end, then a `result` event.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::stream::{EventFraming, respond};

/// `GET /api/v1/runs/{run_id}/events`: the run's progress as server-sent events.
pub async fn events(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let run = crate::lookup::run(&state, &caller, &path).await?;
    let after = req
        .headers()
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    Ok(respond(&state, run, after, EventFraming))
}
