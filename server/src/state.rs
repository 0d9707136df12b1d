//! What every handler can reach.

use std::sync::Arc;

use wharf_catalog::Catalog;
use wharf_engine::{Engine, RunService};
use wharf_ingest::ObjectStorage;
use wharf_query::QueryConfig;

use crate::cache::Caches;
use crate::config::ServerConfig;
use crate::error::ApiResult;
use crate::metrics::Metrics;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    /// Runs: queue, workers, event bus, catalog, engine.
    pub service: RunService,
    /// SQL limits.
    pub query: QueryConfig,
    /// The `[server]` settings the server was started with.
    pub config: Arc<ServerConfig>,
    /// Prometheus metrics, served at `/metrics`.
    pub metrics: Metrics,
    /// Whether model calls go to the built-in mock-llm (no provider key configured).
    pub offline: bool,
    /// Token and secret caches for the hot path.
    pub caches: Caches,
}

impl AppState {
    /// The catalog: collections, tokens, secrets, tasks, the run queue.
    pub fn catalog(&self) -> &Catalog {
        self.service.catalog()
    }

    /// The engine the service's runs execute on.
    pub fn engine(&self) -> &Engine {
        self.service.engine()
    }

    /// The principal behind an API token (cached for a few seconds).
    pub async fn authenticate(&self, token: &str) -> ApiResult<Option<wharf_catalog::Principal>> {
        if let Some(p) = self.caches.principal(token) {
            return Ok(Some(p));
        }
        let found = self.catalog().authenticate(token).await?;
        if let Some(p) = &found {
            self.caches.remember_principal(token, p);
        }
        Ok(found)
    }

    /// A collection's secrets (cached for a few seconds).
    pub async fn secrets(&self, collection: &str) -> ApiResult<crate::cache::SecretMap> {
        if let Some(s) = self.caches.secrets(collection) {
            return Ok(s);
        }
        let values = Arc::new(self.catalog().secret_values(collection).await?);
        self.caches.remember_secrets(collection, values.clone());
        Ok(values)
    }

    /// Where submitted runbooks and files wait for their run.
    pub fn requests_dir(&self) -> std::path::PathBuf {
        self.config.state_dir.join("requests")
    }

    /// Artifact and upload storage.
    pub fn objects(&self) -> &ObjectStorage {
        &self.service.engine().objects
    }
}
