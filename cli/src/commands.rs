//! One module per subcommand; each parses its arguments and calls the library.

pub mod calibrate;
pub mod compact;
pub mod compare;
pub mod demo;
pub mod export;
pub mod grade;
pub mod import;
pub mod ingest;
pub mod label;
pub mod run;
pub mod runbook;
pub mod runtimes;
pub mod serve;
pub mod serve_demo;
pub mod sql;
pub mod tables;

use wharf_ingest::{OpenMode, StorageRoot, Store};

use crate::config::Config;

/// Whether an engine needs its sandbox backend (see [`run::start_engine`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sandboxes {
    /// No backend, no engine: `wharf run` and `wharf grade` have nothing else to do.
    Required,
    /// Without a backend the engine starts with runs disabled, saying why: `wharf serve`
    /// still serves SQL, imports and the dashboards.
    Optional,
}

/// Opens the configured store.
pub async fn open_store(config: &Config, mode: OpenMode) -> anyhow::Result<Store> {
    let root = StorageRoot::parse(&config.storage)?;
    Ok(Store::open(root, config.ingest.clone(), mode).await?)
}

/// A read-only query session over the configured store, limited to `collection` when
/// given.
pub async fn open_session(
    config: &Config,
    collection: Option<&str>,
) -> anyhow::Result<wharf_query::Session> {
    let store = open_store(config, OpenMode::Read).await?;
    let scope = wharf_query::Scope::from_option(collection)?;
    Ok(wharf_query::Session::new(&store, scope, &config.query).await?)
}

/// `--collection`, else the configured default, checked.
pub fn collection_or_default(config: &Config, given: Option<&str>) -> anyhow::Result<String> {
    let collection = given.map_or_else(|| config.ingest.default_collection.clone(), str::to_owned);
    wharf_model::validate_collection("--collection", &collection)?;
    Ok(collection)
}
