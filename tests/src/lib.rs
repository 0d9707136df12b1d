//! Helpers shared by the end-to-end tests and the sqllogictest harness.

use std::path::{Path, PathBuf};

use wharf_ingest::source::{self, StreamOptions};
use wharf_ingest::{IngestConfig, OpenMode, StorageConfig, StorageRoot, Store};

/// Opens a writable store rooted at `root` with default settings.
pub async fn open_store(root: &str, mode: OpenMode) -> anyhow::Result<Store> {
    open_store_with(
        StorageConfig {
            root: root.into(),
            ..Default::default()
        },
        IngestConfig::default(),
        mode,
    )
    .await
}

/// Opens a store with explicit settings.
pub async fn open_store_with(
    storage: StorageConfig,
    ingest: IngestConfig,
    mode: OpenMode,
) -> anyhow::Result<Store> {
    Ok(Store::open(StorageRoot::parse(&storage)?, ingest, mode).await?)
}

/// Ingests a native-format file through the real reader, then flushes.
pub async fn ingest_file(store: &Store, file: &Path) -> anyhow::Result<source::InputSummary> {
    let opts = StreamOptions {
        default_collection: store.config().default_collection.clone(),
        batch_lines: store.config().batch_lines,
        max_line_bytes: store.config().max_line_bytes,
        eager: false,
    };
    let reader = std::fs::File::open(file)?;
    let name = file.display().to_string();
    let summary = source::ingest_reader(store, reader, opts, &name, |_, _| {}).await?;
    store.flush().await?;
    Ok(summary)
}

/// Loads a native-format file as one bulk load (what `wharf ingest FILE` does) and commits
/// it; fails on a file with bad lines.
pub async fn bulk_file(
    store: &Store,
    file: &Path,
) -> anyhow::Result<wharf_ingest::bulk::FileReport> {
    let opts = wharf_ingest::bulk::BulkOptions {
        default_collection: store.config().default_collection.clone(),
        batch_lines: store.config().batch_lines,
        max_line_bytes: store.config().max_line_bytes,
    };
    let mut bulk = store.bulk(opts).await?;
    let path = file.to_path_buf();
    let report = bulk
        .load(
            move || std::fs::File::open(&path),
            &file.display().to_string(),
            std::sync::Arc::new(|_| {}),
        )
        .await?;
    if report.error_count > 0 {
        bulk.abort().await;
        anyhow::bail!("{}: {:?}", file.display(), report.errors);
    }
    bulk.commit().await?;
    Ok(report)
}

/// A writable store under `dir` holding `file`.
pub async fn store_with_file(dir: &Path, file: &Path) -> anyhow::Result<Store> {
    let store = open_store(&dir.display().to_string(), OpenMode::Write).await?;
    ingest_file(&store, file).await?;
    Ok(store)
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
