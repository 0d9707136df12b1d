//! Helpers shared by the ingest crate's integration tests.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses some of them

use std::path::Path;

use arrow::array::RecordBatch;
use wharf_ingest::{IngestConfig, OpenMode, StorageConfig, StorageRoot, Store};
use wharf_model::Table;

/// A writer on local files under `dir`.
pub async fn open(dir: &Path, config: IngestConfig) -> Store {
    let storage = StorageConfig {
        root: dir.display().to_string(),
        ..Default::default()
    };
    Store::open(
        StorageRoot::parse(&storage).unwrap(),
        config,
        OpenMode::Write,
    )
    .await
    .unwrap()
}

/// A table's committed rows, read back through delta-rs.
pub async fn committed(store: &Store, table: Table) -> Vec<RecordBatch> {
    let snapshot = store.snapshot().await;
    let Some(delta) = snapshot[&table].delta.clone() else {
        return Vec::new();
    };
    let ctx = datafusion::prelude::SessionContext::new();
    delta.update_datafusion_session(&ctx.state()).unwrap();
    let provider = delta.table_provider().await.unwrap();
    ctx.read_table(provider).unwrap().collect().await.unwrap()
}

/// How many rows a table has committed.
pub async fn committed_rows(store: &Store, table: Table) -> usize {
    committed(store, table)
        .await
        .iter()
        .map(RecordBatch::num_rows)
        .sum()
}
