//! One module per subcommand; each parses its arguments and calls the library.

pub mod compact;
pub mod demo;
pub mod ingest;
pub mod run;
pub mod runbook;
pub mod runtimes;
pub mod serve;
pub mod sql;
pub mod tables;

use wharf_ingest::{OpenMode, StorageRoot, Store};

use crate::config::Config;

/// Opens the configured store.
pub async fn open_store(config: &Config, mode: OpenMode) -> anyhow::Result<Store> {
    let root = StorageRoot::parse(&config.storage)?;
    Ok(Store::open(root, config.ingest.clone(), mode).await?)
}
