//! `wharf serve`: the multi-tenant service. The OpenAI-compatible `/v1/chat/completions`
//! (a model passthrough, or a runbook run with a `wharf` block), the runs API with live
//! SSE, uploads, collections and tokens, write-only secrets, tasks, SQL, webhooks, and the
//! gateway's model endpoints, over the engine's run service and the catalog.

mod app;
mod auth;
mod body;
mod cache;
mod chat_request;
mod config;
mod error;
mod handlers;
mod lookup;
mod metrics;
mod multipart;
mod notices;
mod openapi;
mod records;
mod routes;
mod sql;
mod state;
mod stream;
mod submit;
mod uploads;
mod views;

pub use app::{Server, Started, TOKEN_FILE, bootstrap, open_catalog, start};
pub use config::ServerConfig;
pub use error::ApiError;
pub use notices::DEMO_COLLECTION;
pub use openapi::document as openapi_document;
pub use routes::{GATEWAY_ROUTES, ROUTES, RouteDoc};
pub use stream::STREAM_SCHEMA;
