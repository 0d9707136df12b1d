//! Tasks: named, versioned runbooks of a collection. A new version only when the text
//! changes; a runbook with errors is refused with its diagnostics.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Body of `POST /api/v1/tasks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    name: String,
    runbook: String,
    #[serde(default)]
    description: Option<String>,
}

/// `POST /api/v1/tasks`.
pub async fn put(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewTask>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let checked = wharf_runbook::check(&format!("{}.md", body.name), body.runbook.as_bytes());
    if checked.has_errors() {
        return Err(ApiError::Runbook(format!(
            "the runbook has errors; the task was not saved:\n{}",
            checked.render_diagnostics()
        )));
    }
    let info = state
        .catalog()
        .put_task(
            caller.collection(),
            &body.name,
            &body.runbook,
            body.description.as_deref(),
        )
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(info))
}

/// `GET /api/v1/tasks`: the latest version of each.
pub async fn list(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let data = state.catalog().tasks(caller.collection()).await?;
    Ok(HttpResponse::Ok().json(json!({"object": "list", "data": data})))
}

/// Query of `GET /api/v1/tasks/{name}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    version: Option<i64>,
}

/// `GET /api/v1/tasks/{name}`: the latest version, or `?version=N`.
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    let task = state
        .catalog()
        .task(caller.collection(), &path, query.version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("task `{}`", path.escape_debug())))?;
    Ok(HttpResponse::Ok().json(task))
}
