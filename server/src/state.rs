//! What every handler can reach.

use std::sync::Arc;

use wharf_catalog::Catalog;
use wharf_engine::{Engine, RunService};
use wharf_ingest::ObjectStorage;
use wharf_query::QueryConfig;

use crate::config::ServerConfig;
use crate::metrics::Metrics;

/// Shared state of the server.
#[derive(Clone)]
pub struct AppState {
    /// Runs: queue, workers, event bus, catalog, engine.
    pub service: RunService,
    /// SQL limits.
    pub query: QueryConfig,
    /// Server settings.
    pub config: Arc<ServerConfig>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Whether model calls go to the built-in mock-llm (no provider key configured).
    pub offline: bool,
}

impl AppState {
    /// The catalog.
    pub fn catalog(&self) -> &Catalog {
        self.service.catalog()
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        self.service.engine()
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
