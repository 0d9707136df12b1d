//! Staged Parquet files of a bulk load, committed to every table as one unit.
//!
//! A bulk load ([`crate::bulk`]) writes its Parquet files into the tables' directories
//! without committing them: until a Delta commit lists a file, no reader sees it. To commit,
//! the files are made durable (fsync on local disk; a finished upload is durable on object
//! storage), then a manifest naming every file is written to the WAL directory and fsync'd,
//! then each table gets one commit that records the manifest's id as a Delta application
//! transaction (`wharf-bulk`), then the manifest is deleted. A crash between the commits
//! leaves the manifest: the next writer to open the store commits the tables whose recorded
//! id is older than the manifest's and deletes it, so a load is in every table or (before
//! its manifest) in none. Files staged by a load that never reached its manifest are not in
//! any table; a full vacuum removes them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use deltalake::DeltaTable;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, Transaction};
use deltalake::protocol::{DeltaOperation, SaveMode};
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};
use wharf_model::{PARTITION_COLUMNS, Table};

use crate::{IngestError, StorageRoot, failpoint};

/// Application id under which each table records the last bulk load committed into it.
pub const BULK_APP_ID: &str = "wharf-bulk";

/// Staged files per table, not yet committed.
pub type Staged = BTreeMap<Table, Vec<Add>>;

/// Prefix of manifest file names in the WAL directory.
const MANIFEST_PREFIX: &str = "bulk-";

/// What a committing load wrote down before its first commit.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    id: u64,
    /// Table name -> its staged files (Delta add actions).
    tables: BTreeMap<String, Vec<Add>>,
}

/// Commits `staged` to every table as one unit (see the module docs). Returns the load's id,
/// `None` when nothing was staged. A failure once the manifest is written is
/// [`IngestError::Stopped`]: the next writer to open the store finishes the commit.
pub(crate) async fn commit(
    root: &StorageRoot,
    wal_dir: &Path,
    tables: &mut BTreeMap<Table, Option<DeltaTable>>,
    staged: Staged,
) -> Result<Option<u64>, IngestError> {
    let staged: Staged = staged.into_iter().filter(|(_, a)| !a.is_empty()).collect();
    if staged.is_empty() {
        return Ok(None);
    }
    if let Some(local) = root.local_path() {
        let files = local_files(local, &staged);
        tokio::task::spawn_blocking(move || sync_files(&files))
            .await
            .map_err(|e| IngestError::Task(format!("syncing staged files: {e}")))??;
    }
    let mut id = 0;
    for (table, delta) in tables.iter() {
        if let Some(delta) = delta {
            id = id.max(committed_load(*table, delta).await?);
        }
    }
    let manifest = Manifest {
        id: id + 1,
        tables: staged
            .into_iter()
            .map(|(t, adds)| (t.name().to_string(), adds))
            .collect(),
    };
    let path = wal_dir.join(format!("{MANIFEST_PREFIX}{:020}.json", manifest.id));
    let bytes = serde_json::to_vec(&manifest)
        .map_err(|e| IngestError::Task(format!("encoding a bulk manifest: {e}")))?;
    let (dir, file) = (wal_dir.to_path_buf(), path.clone());
    tokio::task::spawn_blocking(move || write_durably(&dir, &file, &bytes))
        .await
        .map_err(|e| IngestError::Task(format!("writing a bulk manifest: {e}")))??;
    failpoint::hit("bulk.after_manifest");
    let stopped = |e: IngestError| IngestError::Stopped {
        reason: format!(
            "bulk load {} is committed in some tables only ({e}); the next writer to open \
             the store finishes it",
            manifest.id
        ),
    };
    apply(&manifest, tables).await.map_err(stopped)?;
    remove(&path).map_err(stopped)?;
    Ok(Some(manifest.id))
}

/// Finishes the loads whose manifests are left in `wal_dir` (a writer crashed between their
/// commits), oldest first.
pub(crate) async fn recover(
    wal_dir: &Path,
    tables: &mut BTreeMap<Table, Option<DeltaTable>>,
) -> Result<usize, IngestError> {
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(wal_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(IngestError::io("listing", wal_dir, e)),
    };
    for entry in entries {
        let path = entry
            .map_err(|e| IngestError::io("listing", wal_dir, e))?
            .path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(MANIFEST_PREFIX) && name.ends_with(".json") {
            found.push(path);
        }
    }
    found.sort();
    for path in &found {
        let bytes = std::fs::read(path).map_err(|e| IngestError::io("reading", path, e))?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| IngestError::Wal {
            path: path.clone(),
            message: format!("bulk manifest does not parse: {e}"),
        })?;
        tracing::info!(id = manifest.id, "finishing a bulk load left by a crash");
        apply(&manifest, tables).await?;
        remove(path)?;
    }
    Ok(found.len())
}

/// Deletes staged files that will not be committed (best effort: a file left behind is in
/// no table).
pub(crate) async fn discard(tables: &BTreeMap<Table, Option<DeltaTable>>, staged: &Staged) {
    for (table, adds) in staged {
        let Some(Some(delta)) = tables.get(table) else {
            continue;
        };
        let store = delta.object_store();
        for add in adds {
            let Ok(path) = object_store::path::Path::from_url_path(&add.path) else {
                continue;
            };
            if let Err(e) = store.delete(&path).await {
                tracing::warn!(table = %table, file = %add.path, error = %e, "could not delete a staged file");
            }
        }
    }
}

/// The last bulk load committed into `delta` (0 when none).
async fn committed_load(table: Table, delta: &DeltaTable) -> Result<u64, IngestError> {
    crate::delta::committed_txn(delta, table, BULK_APP_ID).await
}

/// Commits the manifest's files into each table that does not have them yet.
async fn apply(
    manifest: &Manifest,
    tables: &mut BTreeMap<Table, Option<DeltaTable>>,
) -> Result<(), IngestError> {
    for (name, adds) in &manifest.tables {
        let table = Table::ALL
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| IngestError::Task(format!("bulk manifest names no table {name}")))?;
        let Some(Some(delta)) = tables.get(&table) else {
            return Err(IngestError::Task(format!("table {table} is not open")));
        };
        if committed_load(table, delta).await? >= manifest.id {
            continue;
        }
        let properties = CommitProperties::default()
            .with_application_transaction(Transaction::new(BULK_APP_ID, manifest.id as i64));
        let operation = DeltaOperation::Write {
            mode: SaveMode::Append,
            partition_by: Some(PARTITION_COLUMNS.iter().map(|c| c.to_string()).collect()),
            predicate: None,
        };
        let snapshot = delta.snapshot().map_err(IngestError::delta(table))?;
        let finalized = CommitBuilder::from(properties)
            .with_actions(adds.iter().cloned().map(Action::Add).collect())
            .build(Some(snapshot), delta.log_store(), operation)
            .await
            .map_err(IngestError::delta(table))?;
        let mut updated = delta.clone();
        updated.state = Some(finalized.snapshot());
        tables.insert(table, Some(updated));
        failpoint::hit("bulk.after_commit");
    }
    Ok(())
}

/// Local paths of staged files.
fn local_files(root: &Path, staged: &Staged) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (table, adds) in staged {
        let dir = root.join("tables").join(table.name());
        for add in adds {
            if let Ok(path) = object_store::path::Path::from_url_path(&add.path) {
                out.push(dir.join(path.as_ref()));
            }
        }
    }
    out
}

/// fsyncs each file and each directory holding one.
fn sync_files(files: &[PathBuf]) -> Result<(), IngestError> {
    let mut dirs = std::collections::BTreeSet::new();
    for file in files {
        let f = std::fs::File::open(file).map_err(|e| IngestError::io("opening", file, e))?;
        f.sync_all()
            .map_err(|e| IngestError::io("syncing", file, e))?;
        if let Some(dir) = file.parent() {
            dirs.insert(dir.to_path_buf());
        }
    }
    for dir in dirs {
        sync_dir(&dir)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), IngestError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| IngestError::io("syncing", dir, e))
}

/// Writes `bytes` to `path` through a temporary file, fsync'd and renamed into place.
fn write_durably(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), IngestError> {
    std::fs::create_dir_all(dir).map_err(|e| IngestError::io("creating", dir, e))?;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(|e| IngestError::io("creating", &tmp, e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| IngestError::io("writing", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| IngestError::io("renaming", path, e))?;
    sync_dir(dir)
}

fn remove(path: &Path) -> Result<(), IngestError> {
    std::fs::remove_file(path).map_err(|e| IngestError::io("removing", path, e))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}
