//! `/healthz`, `/metrics`, `/openapi.json`.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::ApiResult;
use crate::state::AppState;

/// Liveness plus what the server runs on. The status is about the catalog (503 without
/// it); `sandbox` says whether runs can start, and why not (SQL, imports and the
/// dashboards work without sandboxes, so an unavailable one still answers 200).
pub async fn healthz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let catalog = state.catalog().queue_depth().await.is_ok();
    let sandbox = match state.engine().backend.unavailable() {
        None => json!({"available": true}),
        Some(reason) => json!({"available": false, "reason": reason}),
    };
    let body = json!({
        "status": if catalog { "ok" } else { "degraded" },
        "version": env!("CARGO_PKG_VERSION"),
        "catalog": state.catalog().backend(),
        "offline_models": state.offline,
        "sandbox": sandbox,
    });
    Ok(if catalog {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    })
}

/// Prometheus text format.
pub async fn metrics(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let m = &state.metrics;
    m.queue_depth.set(state.catalog().queue_depth().await?);
    m.running
        .set(i64::try_from(state.service.running()).unwrap_or(i64::MAX));
    for (status, count) in state.catalog().run_counts().await? {
        m.runs.with_label_values(&[status.as_str()]).set(count);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(m.render()?))
}

/// The OpenAPI document, generated from the route table the server mounts.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}
