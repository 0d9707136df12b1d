//! The store: the write path (WAL -> buffers -> Delta) and consistent read snapshots.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;
use wharf_model::{Record, Rows, Table};

use crate::batches::TableBatch;
use crate::buffer::Buffers;
use crate::dedup::{self, Candidate};
use crate::delta;
use crate::extents::Extents;
use crate::flush::Flushing;
use crate::keys::KeyHash;
use crate::staged::{self, Staged};
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
    /// The background flush under way, if any.
    flushing: Option<Flushing>,
    commits: u64,
    /// Why a writer stopped writing (the WAL is then closed).
    stopped: Option<String>,
}

impl State {
    /// Why this store cannot write.
    fn refusal(&self) -> IngestError {
        match &self.stopped {
            Some(reason) => IngestError::Stopped {
                reason: reason.clone(),
            },
            None => IngestError::ReadOnly,
        }
    }

    /// Closes the WAL for good: later writes fail with `reason`.
    fn stop(&mut self, reason: String) -> IngestError {
        self.wal = None;
        self.stopped = Some(reason);
        self.refusal()
    }

    /// Whether `key` is buffered (or being flushed) for `table`.
    fn buffered(&self, table: Table, key: &KeyHash) -> bool {
        self.buffers.contains(table, key)
            || self
                .flushing
                .as_ref()
                .is_some_and(|f| f.buffers.contains(table, key))
    }
}

/// The trajectory store. Clones share one store.
#[derive(Clone)]
pub struct Store(Arc<Shared>);

/// What the clones of a [`Store`] share.
pub struct Shared {
    root: StorageRoot,
    config: IngestConfig,
    mode: OpenMode,
    ctx: SessionContext,
    /// Held by whoever adds rows (an ingest call, a whole bulk load); taken before `state`.
    writes: Arc<tokio::sync::Mutex<()>>,
    state: tokio::sync::Mutex<State>,
}

impl Deref for Store {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
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
                Some(d) => delta::committed_txn(d, table, delta::APP_ID).await?,
                None => 0,
            };
            committed.insert(table, txn);
            tables.insert(table, delta);
        }
        if write {
            staged::recover(&wal_dir, &mut tables).await?;
        }
        let buffers = replay(txns, &committed)?;
        let mut state = State {
            wal,
            tables,
            extents: BTreeMap::new(),
            buffers,
            flushing: None,
            commits: 0,
            stopped: None,
        };
        if let Some(wal) = &mut state.wal {
            wal.ensure_next_txn(committed.values().max().copied().unwrap_or(0) + 1);
        }
        let store = Store(Arc::new(Shared {
            root,
            config,
            mode,
            ctx: SessionContext::new(),
            writes: Arc::new(tokio::sync::Mutex::new(())),
            state: tokio::sync::Mutex::new(state),
        }));
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
        let mut rows = Rows::default();
        for record in records {
            rows.push(record);
        }
        let batches = rows
            .into_batches()?
            .into_iter()
            .map(|(table, batch)| TableBatch::new(table, batch))
            .collect();
        self.ingest_batches(batches).await
    }

    /// [`Store::ingest`] for rows already in batches (with their WAL frames when the
    /// producer encoded them).
    pub(crate) async fn ingest_batches(
        &self,
        batches: Vec<TableBatch>,
    ) -> Result<Receipt, IngestError> {
        let mut candidates = batches
            .into_iter()
            .map(Candidate::new)
            .collect::<Result<Vec<_>, _>>()?;
        let _writes = self.writes.lock().await;
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let mut receipt = Receipt {
            duplicates: self.drop_known(state, &mut candidates).await?,
            ..Receipt::default()
        };
        let mut new = Vec::new();
        for c in candidates.into_iter().filter(|c| c.kept() > 0) {
            *receipt.accepted.entry(c.batch.table).or_default() += c.kept();
            new.push(c.into_new_rows()?);
        }
        if new.is_empty() {
            return Ok(receipt);
        }
        let frames = new
            .iter()
            .map(|(b, _)| b.frame())
            .collect::<Result<Vec<_>, _>>()?;
        // The append (write + fsync) blocks: it runs on a blocking thread, the WAL with it.
        let Some(mut wal) = state.wal.take() else {
            return Err(state.refusal());
        };
        let appended = tokio::task::spawn_blocking(move || {
            let txn = wal.append(&frames);
            (wal, txn)
        })
        .await;
        let txn = match appended {
            Ok((wal, Ok(txn))) => {
                state.wal = Some(wal);
                txn
            }
            // A failed write or fsync leaves the segment's tail unknown.
            Ok((_, Err(e @ IngestError::Io { .. }))) => {
                return Err(state.stop(format!("the write-ahead log failed: {e}")));
            }
            // Refused before anything was written.
            Ok((wal, Err(e))) => {
                state.wal = Some(wal);
                return Err(e);
            }
            Err(e) => {
                return Err(state.stop(format!("a write-ahead log append did not finish ({e})")));
            }
        };
        receipt.txn = Some(txn);
        for (b, keys) in new {
            state.buffers.push(b.table, b.batch, txn, keys);
        }
        let full = state.buffers.bytes() as u64 >= self.config.flush_bytes
            || state.buffers.max_rows() as u64 >= self.config.flush_rows;
        if full {
            self.settle(state).await?;
            self.start_flush(state)?;
        }
        Ok(receipt)
    }

    /// Marks the candidates' rows that repeat an earlier row of theirs or are buffered or
    /// committed. Returns how many it marked.
    async fn drop_known(
        &self,
        state: &mut State,
        candidates: &mut [Candidate],
    ) -> Result<usize, IngestError> {
        let mut duplicates = dedup::drop_known(candidates, |t, k| state.buffered(t, k));
        for table in Table::ALL {
            let Some(d) = state.tables.get(&table).and_then(Option::as_ref) else {
                continue;
            };
            let mut of_table: Vec<&mut Candidate> = candidates
                .iter_mut()
                .filter(|c| c.batch.table == table && c.kept() > 0)
                .collect();
            if of_table.is_empty() {
                continue;
            }
            let scope = dedup::scope(of_table.iter().map(|c| &**c))?;
            let extents = state.extents.entry(table).or_default().refresh(d);
            if extents.may_overlap(&scope) {
                let stored = delta::committed_keys(&self.ctx, d, table, &scope).await?;
                for c in &mut of_table {
                    duplicates += c.drop_stored(&stored);
                }
            }
        }
        Ok(duplicates)
    }

    /// [`Store::drop_known`] for a bulk load, which holds the write lock.
    pub(crate) async fn drop_stored(
        &self,
        candidates: &mut [Candidate],
    ) -> Result<usize, IngestError> {
        let mut guard = self.state.lock().await;
        self.drop_known(&mut guard, candidates).await
    }

    /// Takes the write lock for a bulk load, once any flush under way has settled.
    pub(crate) async fn lock_writes(
        &self,
    ) -> Result<tokio::sync::OwnedMutexGuard<()>, IngestError> {
        let writes = Arc::clone(&self.writes).lock_owned().await;
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        self.settle(state).await?;
        if state.wal.is_none() {
            return Err(state.refusal());
        }
        Ok(writes)
    }

    /// The opened Delta tables, as they are now.
    pub(crate) async fn open_tables(&self) -> BTreeMap<Table, Option<DeltaTable>> {
        self.state.lock().await.tables.clone()
    }

    /// Commits a bulk load's staged files (see [`crate::staged`]). The caller holds the
    /// write lock.
    pub(crate) async fn commit_staged(&self, staged: Staged) -> Result<Option<u64>, IngestError> {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        self.settle(state).await?;
        if state.wal.is_none() {
            return Err(state.refusal());
        }
        let wal_dir = wal_dir(&self.root, &self.config);
        match staged::commit(&self.root, &wal_dir, &mut state.tables, staged).await {
            Err(IngestError::Stopped { reason }) => Err(state.stop(reason)),
            other => other,
        }
    }

    /// Commits all buffered rows to Delta, then truncates the WAL.
    pub async fn flush(&self) -> Result<FlushReport, IngestError> {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let mut report = self.settle(state).await?;
        if state.wal.is_none() {
            return match state.stopped {
                Some(_) => Err(state.refusal()),
                None => Ok(report),
            };
        }
        if !state.buffers.is_empty() {
            self.start_flush(state)?;
            report.rows.extend(self.settle(state).await?.rows);
        }
        if let Some(wal) = &mut state.wal
            && wal.truncate()?
        {
            failpoint::hit("flush.after_truncate");
        }
        Ok(report)
    }

    /// Hands every buffer to a background flush (none may be running) and seals the WAL
    /// segment, so that later entries go to a new one.
    fn start_flush(&self, state: &mut State) -> Result<(), IngestError> {
        let Some(wal) = &mut state.wal else {
            return Ok(());
        };
        if state.buffers.is_empty() {
            return Ok(());
        }
        let segments = wal.seal()?;
        let lock = wal.lock();
        let buffers = std::mem::take(&mut state.buffers);
        let flushing = Flushing::start(
            buffers,
            &state.tables,
            segments,
            lock,
            &self.config,
            state.commits,
        )?;
        state.flushing = Some(flushing);
        Ok(())
    }

    /// Waits for the background flush, if any, and takes its result in: committed tables
    /// replace their old versions, the WAL segments go once every table has committed, and
    /// the buffers of a failed flush come back (to be retried by the next one).
    async fn settle(&self, state: &mut State) -> Result<FlushReport, IngestError> {
        let mut report = FlushReport::default();
        let Some(flushing) = state.flushing.take() else {
            return Ok(report);
        };
        let (committed, left, segments) = match flushing.finish().await {
            Ok(done) => done,
            // The outcome is unknown: write nothing more (the WAL is replayed on the next
            // open).
            Err(reason) => return Err(state.stop(reason)),
        };
        state.commits += committed.tables.len() as u64;
        for (table, updated, rows) in committed.tables {
            report.rows.insert(table, rows);
            state.tables.insert(table, Some(updated));
        }
        if let Some(e) = committed.error {
            state.buffers.put_back(left);
            return Err(e);
        }
        if let Some(wal) = &mut state.wal
            && wal.remove(&segments)?
        {
            failpoint::hit("flush.after_truncate");
        }
        Ok(report)
    }

    /// A consistent snapshot of every table for a query.
    pub async fn snapshot(&self) -> BTreeMap<Table, TableSnapshot> {
        let state = self.state.lock().await;
        let flushing = state.flushing.as_ref().map(|f| &f.buffers);
        Table::ALL
            .into_iter()
            .map(|t| {
                let delta = state.tables.get(&t).cloned().flatten();
                (
                    t,
                    TableSnapshot {
                        delta,
                        buffered: flushing
                            .into_iter()
                            .chain([&state.buffers])
                            .flat_map(|b| b.batches(t))
                            .collect(),
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
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        self.settle(state).await?;
        if state.wal.is_none() {
            return Err(state.refusal());
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
