//! Secrets of the caller's collection: values are write-only (reads list names), `PATCH`
//! merges and `null` deletes, `check` says what a runbook or task still needs.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /api/v1/secrets`.
pub async fn list(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let data = state.catalog().secret_infos(caller.collection()).await?;
    Ok(HttpResponse::Ok().json(json!({"object": "list", "data": data})))
}

/// `PATCH /api/v1/secrets`: `{"NAME": "value", "OTHER": null}`.
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<BTreeMap<String, Option<String>>>,
) -> ApiResult<HttpResponse> {
    let data = state
        .catalog()
        .patch_secrets(caller.collection(), &body.into_inner())
        .await;
    state.caches.forget_secrets(caller.collection());
    let data = data?;
    Ok(HttpResponse::Ok().json(json!({"object": "list", "data": data})))
}

/// Body of `POST /api/v1/secrets/check`: names, a stored task, or a runbook text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    task: Option<String>,
    #[serde(default)]
    runbook: Option<String>,
}

/// `POST /api/v1/secrets/check`: configured, missing, ready.
pub async fn check(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<CheckRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut names = body.names;
    let runbook = match (&body.runbook, &body.task) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(task)) => Some(
            state
                .catalog()
                .task(caller.collection(), task, None)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("task `{task}`")))?
                .runbook,
        ),
        (None, None) => None,
    };
    if let Some(text) = runbook {
        let checked = wharf_runbook::check("runbook.md", text.as_bytes());
        let Some(parsed) = checked.runbook.as_ref().filter(|_| !checked.has_errors()) else {
            return Err(ApiError::Runbook(checked.render_diagnostics()));
        };
        names.extend(
            parsed
                .frontmatter
                .secrets
                .iter()
                .filter(|s| s.required)
                .map(|s| s.env.clone()),
        );
    }
    if names.is_empty() {
        return Err(ApiError::BadRequest(
            "name the secrets to check: `names`, a `task`, or a `runbook`".into(),
        ));
    }
    let check = state
        .catalog()
        .check_secrets(caller.collection(), &names)
        .await?;
    Ok(HttpResponse::Ok().json(check))
}
