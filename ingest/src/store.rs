//! The store: the write path (WAL -> buffers -> Delta) and consistent read snapshots.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;
use wharf_model::{Record, Rows, Table, days_since_epoch};

use crate::buffer::Buffers;
use crate::delta::{self, KeyScope};
use crate::extents::Extents;
use crate::keys::{KeySet, record_key};
use crate::wal::{Wal, WalTxn};
use crate::{IngestConfig, IngestError, StorageRoot, failpoint};

/// How a store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Reader: no lock, no writes; sees committed data plus the WAL's unflushed entries.
    Read,
    /// Writer: holds the WAL lock, creates missing tables, recovers the WAL.
    Write,
}

/// What one `ingest` call did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Receipt {
    /// WAL transaction that made the rows durable (`None` when nothing was new).
    pub txn: Option<u64>,
    /// New rows per table.
    pub accepted: BTreeMap<Table, usize>,
    /// Rows skipped because their key was already stored (or repeated in the input).
    pub duplicates: usize,
}

impl Receipt {
    /// Total new rows.
    pub fn accepted_total(&self) -> usize {
        self.accepted.values().sum()
    }
}

/// What a flush wrote.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FlushReport {
    /// Rows committed per table.
    pub rows: BTreeMap<Table, usize>,
}

/// A consistent view of one table for queries: committed Delta data plus buffered rows.
#[derive(Debug, Clone)]
pub struct TableSnapshot {
    /// The Delta table, `None` when it does not exist yet.
    pub delta: Option<DeltaTable>,
    /// Acknowledged rows not yet in `delta`.
    pub buffered: Vec<RecordBatch>,
}

struct State {
    wal: Option<Wal>,
    tables: BTreeMap<Table, Option<DeltaTable>>,
    /// Where each table's committed rows lie, to skip key queries that cannot match.
    extents: BTreeMap<Table, Extents>,
    buffers: Buffers,
    commits: u64,
}

/// The trajectory store.
pub struct Store {
    root: StorageRoot,
    config: IngestConfig,
    mode: OpenMode,
    ctx: SessionContext,
    state: tokio::sync::Mutex<State>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("root", &self.root.display())
            .field("mode", &self.mode)
            .finish()
    }
}

impl Store {
    /// Opens the store. A writer recovers the WAL and flushes what it finds.
    pub async fn open(
        root: StorageRoot,
        config: IngestConfig,
        mode: OpenMode,
    ) -> Result<Store, IngestError> {
        config.validate()?;
        let write = mode == OpenMode::Write;
        root.probe(write).await?;
        let wal_dir = wal_dir(&root, &config);
        let (wal, txns) = if write {
            let (wal, txns) = Wal::open(&wal_dir, root.url().as_str())?;
            (Some(wal), txns)
        } else {
            (None, Wal::read(&wal_dir, root.url().as_str())?)
        };
        let mut tables = BTreeMap::new();
        let mut committed = BTreeMap::new();
        for table in Table::ALL {
            let delta = delta::open(&root, table, write).await?;
            let txn = match &delta {
                Some(d) => delta::committed_txn(d, table).await?,
                None => 0,
            };
            committed.insert(table, txn);
            tables.insert(table, delta);
        }
        let buffers = replay(txns, &committed)?;
        let mut state = State {
            wal,
            tables,
            extents: BTreeMap::new(),
            buffers,
            commits: 0,
        };
        if let Some(wal) = &mut state.wal {
            wal.ensure_next_txn(committed.values().max().copied().unwrap_or(0) + 1);
        }
        let store = Store {
            root,
            config,
            mode,
            ctx: SessionContext::new(),
            state: tokio::sync::Mutex::new(state),
        };
        if write {
            store.flush().await?;
        }
        Ok(store)
    }

    /// The storage root.
    pub fn root(&self) -> &StorageRoot {
        &self.root
    }

    /// The ingest settings.
    pub fn config(&self) -> &IngestConfig {
        &self.config
    }

    /// Makes validated records durable (WAL fsync) and visible (buffers), skipping rows whose
    /// key is already stored. Every record must have its collection filled. Flushes to Delta
    /// when the buffers reach their thresholds.
    pub async fn ingest(&self, records: Vec<Record>) -> Result<Receipt, IngestError> {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let mut receipt = Receipt::default();
        let mut by_table: BTreeMap<Table, Vec<(u128, Record)>> = BTreeMap::new();
        let mut seen = HashSet::new();
        for record in records {
            let key = record_key(&record);
            let table = record.table();
            if !seen.insert((table, key)) || state.buffers.contains(table, &key) {
                receipt.duplicates += 1;
                continue;
            }
            by_table.entry(table).or_default().push((key, record));
        }
        let mut rows = Rows::default();
        let mut keys: BTreeMap<Table, Vec<u128>> = BTreeMap::new();
        for (table, items) in by_table {
            let stored = match state.tables.get(&table).and_then(Option::as_ref) {
                Some(d) => {
                    let scope = scope(&items);
                    let extents = state.extents.entry(table).or_default().refresh(d);
                    if extents.may_overlap(&scope) {
                        delta::committed_keys(&self.ctx, d, table, &scope).await?
                    } else {
                        KeySet::new()
                    }
                }
                None => KeySet::new(),
            };
            for (key, record) in items {
                if stored.contains(&key) {
                    receipt.duplicates += 1;
                } else {
                    *receipt.accepted.entry(table).or_default() += 1;
                    keys.entry(table).or_default().push(key);
                    rows.push(record);
                }
            }
        }
        if rows.is_empty() {
            return Ok(receipt);
        }
        let batches = rows.into_batches()?;
        let wal = state.wal.as_mut().ok_or_else(read_only)?;
        let txn = wal.append(&batches)?;
        receipt.txn = Some(txn);
        for (table, batch) in batches {
            let k = keys.remove(&table).unwrap_or_default();
            state.buffers.push(table, batch, txn, k);
        }
        let full = state.buffers.bytes() as u64 >= self.config.flush_bytes
            || state.buffers.max_rows() as u64 >= self.config.flush_rows;
        if full {
            self.flush_locked(state).await?;
        }
        Ok(receipt)
    }

    /// Commits all buffered rows to Delta, then truncates the WAL.
    pub async fn flush(&self) -> Result<FlushReport, IngestError> {
        let mut state = self.state.lock().await;
        self.flush_locked(&mut state).await
    }

    async fn flush_locked(&self, state: &mut State) -> Result<FlushReport, IngestError> {
        let mut report = FlushReport::default();
        if state.wal.is_none() {
            return Ok(report);
        }
        for table in Table::ALL {
            let Some(buffer) = state.buffers.take(table) else {
                continue;
            };
            let Some(current) = state.tables.get(&table).and_then(Option::as_ref) else {
                state.buffers.restore(table, buffer);
                return Err(IngestError::Task(format!("table {table} is not open")));
            };
            let written = delta::append(
                current,
                table,
                buffer.batches.clone(),
                buffer.max_txn,
                self.config.target_file_bytes,
            )
            .await;
            let updated = match written {
                Ok(t) => t,
                Err(e) => {
                    state.buffers.restore(table, buffer);
                    return Err(e);
                }
            };
            failpoint::hit("flush.after_commit");
            state.commits += 1;
            if state
                .commits
                .is_multiple_of(self.config.checkpoint_interval)
                && let Err(e) = deltalake::checkpoints::create_checkpoint(&updated, None).await
            {
                tracing::warn!(%table, error = %e, "checkpoint failed; the log stays readable");
            }
            report.rows.insert(table, buffer.rows);
            state.tables.insert(table, Some(updated));
        }
        if state.buffers.is_empty()
            && let Some(wal) = &mut state.wal
            && wal.truncate()?
        {
            failpoint::hit("flush.after_truncate");
        }
        Ok(report)
    }

    /// A consistent snapshot of every table for a query.
    pub async fn snapshot(&self) -> BTreeMap<Table, TableSnapshot> {
        let state = self.state.lock().await;
        Table::ALL
            .into_iter()
            .map(|t| {
                let delta = state.tables.get(&t).cloned().flatten();
                (
                    t,
                    TableSnapshot {
                        delta,
                        buffered: state.buffers.batches(t),
                    },
                )
            })
            .collect()
    }

    /// Runs `f` on each opened Delta table with exclusive access, replacing it with the
    /// table `f` returns (used by compaction).
    pub(crate) async fn with_tables<T, F, Fut>(&self, f: F) -> Result<Vec<(Table, T)>, IngestError>
    where
        F: Fn(Table, DeltaTable) -> Fut,
        Fut: Future<Output = Result<(DeltaTable, T), IngestError>>,
    {
        let mut state = self.state.lock().await;
        if state.wal.is_none() {
            return Err(read_only());
        }
        let mut out = Vec::new();
        for table in Table::ALL {
            if let Some(Some(delta)) = state.tables.get(&table) {
                let (updated, value) = f(table, delta.clone()).await?;
                state.tables.insert(table, Some(updated));
                out.push((table, value));
            }
        }
        Ok(out)
    }
}

fn read_only() -> IngestError {
    IngestError::Task("store was opened read-only".into())
}

fn wal_dir(root: &StorageRoot, config: &IngestConfig) -> PathBuf {
    config
        .wal_dir
        .clone()
        .unwrap_or_else(|| root.default_wal_dir())
}

fn replay(txns: Vec<WalTxn>, committed: &BTreeMap<Table, u64>) -> Result<Buffers, IngestError> {
    let mut buffers = Buffers::default();
    for txn in txns {
        for (table, batch) in txn.batches {
            if txn.txn > committed.get(&table).copied().unwrap_or(0) {
                let keys = crate::keys::batch_keys(table, &batch)?;
                buffers.push(table, batch, txn.txn, keys);
            }
        }
    }
    Ok(buffers)
}

fn scope(items: &[(u128, Record)]) -> KeyScope {
    let mut collections = std::collections::BTreeSet::new();
    let mut dates = std::collections::BTreeSet::new();
    let mut lo: Option<&str> = None;
    let mut hi: Option<&str> = None;
    let mut all_have_run = true;
    for (_, r) in items {
        if let Some(c) = r.collection() {
            collections.insert(c.to_string());
        }
        dates.insert(days_since_epoch(r.date()));
        match r.run_id() {
            Some(id) => {
                lo = Some(lo.map_or(id, |l| l.min(id)));
                hi = Some(hi.map_or(id, |h| h.max(id)));
            }
            None => all_have_run = false,
        }
    }
    let run_ids = match (lo, hi, all_have_run) {
        (Some(l), Some(h), true) => Some((l.to_string(), h.to_string())),
        _ => None,
    };
    KeyScope {
        collections: collections.into_iter().collect(),
        dates: dates.into_iter().collect(),
        run_ids,
    }
}
