//! `[server]` settings.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How `wharf serve` runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// Local state: the SQLite catalog, the secrets key, the first token, queued requests.
    pub state_dir: PathBuf,
    /// Catalog URL (`sqlite://PATH` or `postgres://...`); default `<state_dir>/catalog.db`.
    pub catalog_url: Option<String>,
    /// Key that encrypts secrets at rest (base64, 32 bytes); default: a key file in
    /// `state_dir` created on first start.
    pub secret_key: Option<String>,
    /// Runs executing at once.
    pub concurrency: usize,
    /// Collection created on first start.
    pub default_collection: String,
    /// Largest JSON body, in bytes.
    pub max_json_bytes: usize,
    /// Largest upload or multipart body, in bytes.
    pub max_upload_bytes: usize,
    /// How long a non-streaming runbook request waits before answering 202 (seconds).
    pub wait_hint_secs: f64,
    /// Seconds between SSE heartbeats.
    pub heartbeat_secs: f64,
    /// Rows a SQL request returns at most.
    pub max_sql_rows: usize,
    /// Allow runbooks and requests to name a provider by base URL (off: only configured
    /// providers and provider kinds, so a tenant cannot point the gateway at an internal
    /// address).
    pub allow_url_providers: bool,
    /// Use the built-in mock-llm as the model provider when no provider key is configured.
    pub offline_fallback: bool,
    /// Webhook delivery attempts before a delivery is marked failed.
    pub webhook_max_attempts: u32,
    /// Delay after the first failed webhook attempt (doubles after each, with jitter).
    pub webhook_base_delay_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            state_dir: PathBuf::from("./wharf-state"),
            catalog_url: None,
            secret_key: None,
            concurrency: 2,
            default_collection: "default".into(),
            max_json_bytes: 8 << 20,
            max_upload_bytes: 256 << 20,
            wait_hint_secs: 30.0,
            heartbeat_secs: 10.0,
            max_sql_rows: 100_000,
            allow_url_providers: false,
            offline_fallback: true,
            webhook_max_attempts: 8,
            webhook_base_delay_ms: 1000,
        }
    }
}

impl ServerConfig {
    /// The catalog URL in effect.
    pub fn catalog_url(&self) -> String {
        self.catalog_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.state_dir.join("catalog.db").display()))
    }
}
