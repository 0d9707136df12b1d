//! `GET /api/v1/runs/{run_id}/webhooks`: the run's deliveries and their attempts.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::state::AppState;

/// `GET /api/v1/runs/{run_id}/webhooks`: the run's webhook deliveries and attempts.
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let run = crate::lookup::run(&state, &caller, &path).await?;
    let data = state
        .catalog()
        .deliveries(caller.collection(), &run.run_id)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"object": "list", "data": data})))
}
