//! The route table: one list that both mounts the handlers and documents them
//! (`/openapi.json` is generated from it, so the two cannot drift).

use actix_web::http::Method;
use actix_web::{HttpRequest, web};
use wharf_gateway::Endpoint;

use crate::handlers::{
    artifacts, chat, collections, evaluation, events, grade, imports, labels, ops, passthrough,
    runs, secrets, sql, tasks, trajectory, uploads, webhooks,
};
use crate::state::AppState;

mod pages;

/// One documented route.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// HTTP method.
    pub method: &'static str,
    /// Path pattern (`{name}` for parameters).
    pub path: &'static str,
    /// The group the route is listed under (the OpenAPI tag).
    pub tag: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Whether a bearer token is needed.
    pub auth: bool,
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $tag:literal, $auth:literal, $summary:literal; )*) => {
        /// Every API route.
        pub const ROUTES: &[RouteDoc] = &[
            $( RouteDoc { method: stringify!($method), path: $path, tag: $tag, summary: $summary, auth: $auth }, )*
        ];

        fn mount_api(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::method(Method::$method).to($handler)); )*
        }
    };
}

routes! {
    GET "/healthz" => ops::healthz, "ops", false, "Liveness and what the server runs on";
    GET "/metrics" => ops::metrics, "ops", false, "Prometheus metrics";
    GET "/openapi.json" => ops::openapi, "ops", false, "This document";
    POST "/v1/chat/completions" => chat::completions, "openai", true, "Model passthrough, or a runbook run with a `wharf` block (SSE with stream: true)";
    POST "/api/v1/runs" => runs::create, "runs", true, "Start a run (JSON or multipart: runbook, files, options)";
    GET "/api/v1/runs" => runs::list, "runs", true, "List runs (filters: status, task, agent, created_after, created_before; cursor pagination)";
    GET "/api/v1/runs/{run_id}" => runs::get, "runs", true, "One run";
    POST "/api/v1/runs/{run_id}/cancel" => runs::cancel, "runs", true, "Cancel a queued or running run";
    GET "/api/v1/runs/{run_id}/events" => events::events, "runs", true, "The run's progress as SSE (backlog, then live; Last-Event-ID resumes)";
    GET "/api/v1/runs/{run_id}/trajectory" => trajectory::trajectory, "runs", true, "Everything recorded about the run as JSON";
    GET "/api/v1/runs/{run_id}/artifacts" => artifacts::list, "runs", true, "The run's output files";
    GET "/api/v1/runs/{run_id}/artifacts.zip" => artifacts::zip, "runs", true, "All output files as a zip";
    GET "/api/v1/runs/{run_id}/artifacts/{path:.*}" => artifacts::get, "runs", true, "One output file";
    POST "/api/v1/runs/{run_id}/grade" => grade::grade, "evaluation", true, "Grade a recorded run against a runbook: its stored outputs (JSON) or the output files sent (multipart); returns the verdict";
    POST "/api/v1/trajectories" => imports::trajectories, "evaluation", true, "Import a trajectory recorded elsewhere (ATIF, OTLP JSON/protobuf, Jetty, claude-code, codex, native JSONL; ?format= to skip detection)";
    POST "/v1/traces" => imports::traces, "evaluation", true, "OTLP/HTTP traces (protobuf or JSON) with GenAI semantic conventions, stored as runs";
    POST "/api/v1/runs/{run_id}/labels" => labels::create, "evaluation", true, "Label a run: {key, value, note?, author?} or {labels: [...]}; visible in SQL at once";
    GET "/api/v1/runs/{run_id}/labels" => labels::list, "evaluation", true, "The run's latest label per key (?history=true: all)";
    GET "/api/v1/runs/{run_id}/webhooks" => webhooks::deliveries, "runs", true, "Webhook deliveries of the run and their attempts";
    POST "/api/v1/uploads" => uploads::create, "uploads", true, "Store input files; returns paths for `file_paths`";
    GET "/api/v1/collections" => collections::list, "collections", true, "The caller's collection (admins: all)";
    POST "/api/v1/collections" => collections::create, "collections", true, "Create a collection and its first token (admin)";
    GET "/api/v1/tokens" => collections::tokens, "collections", true, "The collection's API tokens (no values)";
    POST "/api/v1/tokens" => collections::create_token, "collections", true, "Create a token for the collection (admin)";
    DELETE "/api/v1/tokens/{token_id}" => collections::revoke_token, "collections", true, "Revoke a token (admin)";
    GET "/api/v1/secrets" => secrets::list, "secrets", true, "Secret names (values are write-only)";
    PATCH "/api/v1/secrets" => secrets::patch, "secrets", true, "Set (string) or delete (null) secrets";
    POST "/api/v1/secrets/check" => secrets::check, "secrets", true, "Which secrets a runbook or task needs: configured, missing, ready";
    POST "/api/v1/tasks" => tasks::put, "tasks", true, "Save a named runbook (a new version when it changed)";
    GET "/api/v1/tasks" => tasks::list, "tasks", true, "Tasks (latest versions)";
    GET "/api/v1/tasks/{name}" => tasks::get, "tasks", true, "One task (latest, or ?version=N)";
    POST "/api/v1/compare" => evaluation::compare, "evaluation", true, "Two runs or two groups (run id or condition over runs): per-criterion means with bootstrap intervals, pass-rate, cost and duration differences";
    POST "/api/v1/calibration" => evaluation::calibration, "evaluation", true, "Judge vs human labels per criterion: accuracy, Cohen's kappa, confusion";
    POST "/api/v1/datasets/export" => evaluation::export, "evaluation", true, "Export the runs a condition selects (JSONL or Parquet): inputs, rendered runbook, outputs, scores, labels";
    POST "/api/v1/sql" => sql::sql, "sql", true, "One read-only SQL statement over the collection (JSON, CSV or Arrow IPC)";
}

/// The model endpoints relayed by the gateway (documented beside [`ROUTES`]).
pub const GATEWAY_ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "POST",
        path: "/v1/responses",
        tag: "openai",
        summary: "OpenAI Responses passthrough",
        auth: true,
    },
    RouteDoc {
        method: "POST",
        path: "/v1/messages",
        tag: "anthropic",
        summary: "Anthropic Messages passthrough",
        auth: true,
    },
    RouteDoc {
        method: "POST",
        path: "/v1/messages/count_tokens",
        tag: "anthropic",
        summary: "Anthropic token counting passthrough",
        auth: true,
    },
    RouteDoc {
        method: "GET",
        path: "/v1/models",
        tag: "openai",
        summary: "Models of the provider",
        auth: true,
    },
    RouteDoc {
        method: "POST",
        path: "/v1beta/models/{model_method}",
        tag: "gemini",
        summary: "Gemini generateContent / streamGenerateContent / countTokens passthrough",
        auth: true,
    },
    RouteDoc {
        method: "GET",
        path: "/v1beta/models",
        tag: "gemini",
        summary: "Gemini models of the provider",
        auth: true,
    },
];

fn gateway_route(
    endpoint: Endpoint,
) -> impl Fn(
    web::Data<AppState>,
    HttpRequest,
    web::Payload,
) -> futures::future::LocalBoxFuture<'static, actix_web::HttpResponse>
+ Clone {
    move |state: web::Data<AppState>, req: HttpRequest, body: web::Payload| {
        let endpoint = endpoint.clone();
        Box::pin(async move { passthrough::route(&state, endpoint, req, body).await })
    }
}

/// Mounts every route: the API, the gateway's model endpoints, and the dashboards' pages
/// (HTML, not part of the API document).
pub fn configure(cfg: &mut web::ServiceConfig) {
    mount_api(cfg);
    pages::configure(cfg);
    cfg.route(
        "/v1/responses",
        web::post().to(gateway_route(Endpoint::Responses)),
    );
    cfg.route(
        "/v1/messages",
        web::post().to(gateway_route(Endpoint::Messages)),
    );
    cfg.route(
        "/v1/messages/count_tokens",
        web::post().to(gateway_route(Endpoint::CountTokens)),
    );
    cfg.route("/v1/models", web::get().to(gateway_route(Endpoint::Models)));
    cfg.route(
        "/v1beta/models",
        web::get().to(gateway_route(Endpoint::GeminiModels)),
    );
    cfg.route(
        "/v1beta/models/{tail}",
        web::post().to(
            |state: web::Data<AppState>, req: HttpRequest, body: web::Payload| async move {
                let tail = req.match_info().get("tail").unwrap_or_default().to_owned();
                match Endpoint::gemini("v1beta", &tail) {
                    Ok(endpoint) => passthrough::route(&state, endpoint, req, body).await,
                    Err(e) => wharf_gateway::error_response(&e, wharf_gateway::Dialect::Gemini),
                }
            },
        ),
    );
}
