//! Collections and their API tokens. Creating collections and tokens needs an admin token;
//! every token only ever reaches its own collection's data.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// `GET /api/v1/collections`: the caller's collection (admins: all names).
pub async fn list(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let all = state.catalog().collections().await?;
    let data: Vec<_> = all
        .into_iter()
        .filter(|c| caller.0.admin || c.name == caller.collection())
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({"object": "list", "data": data, "current": caller.collection()})))
}

/// Body of `POST /api/v1/collections`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCollection {
    name: String,
}

/// `POST /api/v1/collections` (admin): creates a collection and its first (non-admin)
/// token, shown once.
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewCollection>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let collection = state.catalog().create_collection(&body.name).await?;
    let (info, token) = state
        .catalog()
        .create_token(&collection.name, "default", false)
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({
        "collection": collection,
        "token": token,
        "token_info": info,
        "note": "the token is shown only once",
    })))
}

/// Body of `POST /api/v1/tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: String,
    #[serde(default)]
    admin: bool,
}

/// `GET /api/v1/tokens`: the collection's tokens (never their values).
pub async fn tokens(state: web::Data<AppState>, caller: Caller) -> ApiResult<HttpResponse> {
    let data = state.catalog().tokens(caller.collection()).await?;
    Ok(HttpResponse::Ok().json(json!({"object": "list", "data": data})))
}

/// `POST /api/v1/tokens` (admin): a new token for the caller's collection, shown once.
pub async fn create_token(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewToken>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let (info, token) = state
        .catalog()
        .create_token(caller.collection(), &body.name, body.admin)
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(json!({"token": token, "token_info": info})))
}

/// `DELETE /api/v1/tokens/{id}` (admin).
pub async fn revoke_token(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    if state
        .catalog()
        .revoke_token(caller.collection(), &path)
        .await?
    {
        state.caches.forget_token_id(&path);
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!(
            "token {}",
            path.escape_debug()
        )))
    }
}
