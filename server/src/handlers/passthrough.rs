//! The gateway's model endpoints for direct users: authenticated with the collection's
//! API token (or a run token, for agents), forwarded to the configured provider, recorded
//! in `llm_calls` under the caller's collection.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use wharf_gateway::{Endpoint, RunGrant, TOKEN_PREFIX, error_response};
use wharf_model::LlmApi;

use crate::auth::{Caller, presented_token};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Header naming the provider of a passthrough call (default: the one for its API).
pub const PROVIDER_HEADER: &str = "x-wharf-provider";

/// Forwards an authenticated caller's call.
pub async fn forward(
    state: &AppState,
    caller: &Caller,
    endpoint: Endpoint,
    req: &HttpRequest,
    body: Bytes,
) -> ApiResult<HttpResponse> {
    let api = endpoint.llm_api().unwrap_or(LlmApi::Chat);
    let provider_name = req
        .headers()
        .get(PROVIDER_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    crate::submit::check_provider(state, PROVIDER_HEADER, provider_name.as_deref())?;
    let secrets = state.secrets(caller.collection()).await?;
    let env = move |k: &str| secrets.get(k).cloned().or_else(|| std::env::var(k).ok());
    let provider = wharf_engine::resolve_provider(
        provider_name.as_deref(),
        api,
        &state.engine().providers,
        &env,
    )?;
    let grant = Arc::new(RunGrant::new(None, caller.collection(), provider));
    Ok(state
        .engine()
        .gateway
        .forward_as(grant, endpoint, req, body)
        .await)
}

/// A gateway route: run tokens go straight to the gateway; API tokens are checked here.
pub async fn route(
    state: &AppState,
    endpoint: Endpoint,
    req: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let dialect = endpoint.dialect();
    let token = presented_token(&req).unwrap_or_default().to_owned();
    let gateway = &state.engine().gateway;
    if token.starts_with(TOKEN_PREFIX) {
        let Some(grant) = gateway.tokens().lookup(&token) else {
            return error_response(&wharf_gateway::GatewayError::Unauthorized, dialect);
        };
        let body = match crate::body::read(payload, gateway.config().max_request_bytes).await {
            Ok(b) => b,
            Err(e) => return actix_web::ResponseError::error_response(&e),
        };
        return gateway.forward_as(grant, endpoint, &req, body).await;
    }
    let result = async {
        let caller = match state.authenticate(&token).await? {
            Some(p) => Caller(p),
            None => {
                return Err(ApiError::Unauthorized(
                    "invalid or missing API token".into(),
                ));
            }
        };
        let body = crate::body::read(payload, gateway.config().max_request_bytes).await?;
        forward(state, &caller, endpoint, &req, body).await
    }
    .await;
    result.unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
}
