//! Bulk loads: whole files parsed, checked, deduplicated and written as Parquet in one pass
//! on every core, then committed to every table at once.
//!
//! A file is read in blocks. Each core takes whole blocks: it parses a block's lines into
//! per-table record lists, builds their Arrow batches, drops the rows the store already
//! holds and streams the rest into its own Parquet writers (one per table, files of
//! `ingest.target_file_bytes`). The steps that follow the file order run in block order
//! ([`crate::ordered`]): errors, collections ([`crate::collections`]) and the rows the
//! load itself repeats (the first one in file order is kept). Nothing is visible until
//! [`BulkLoad::commit`] commits the staged files of every loaded file as one unit
//! ([`crate::staged`]). A file with a bad line keeps no file and reports every error; the
//! caller then aborts the load, and nothing is written.
//!
//! A load holds the store's write lock: other writers wait for it (readers do not). There
//! is no write-ahead log entry per batch: the staged files are the data, and the commit
//! acknowledges the whole load.
//!
//! Collections follow the file order: a record that names none takes the collection of its
//! run's latest header above it, else of its run's last header anywhere in the file, else
//! the default. Should a header name a collection for a run whose rows above it took the
//! default (rare), the file is read a second time, knowing each run's last header.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use deltalake::DeltaTable;
use deltalake::writer::{DeltaWriter, RecordBatchWriter};
use tokio::runtime::Handle;
use tokio::sync::OwnedMutexGuard;
use wharf_model::{LineReader, ModelError, Rows, Table};

use crate::batches::TableBatch;
use crate::block::{Block, parse_threads};
use crate::collections::{BlockCollections, FileCollections};
use crate::dedup::Candidate;
use crate::keys::KeySet;
use crate::ordered::{AbortOnPanic, Ordered};
use crate::source::{CountingReader, MAX_REPORTED_ERRORS};
use crate::staged::{self, Staged};
use crate::{IngestError, Receipt, Store, delta, failpoint};

/// Bytes per block (the line count, `batch_lines`, cuts it first unless lines are long).
const BLOCK_BYTES: usize = 32 * 1024 * 1024;

/// The ordered sections of a block: errors and collections, then the load's own repeats.
const COLLECT: usize = 0;
const REPEATS: usize = 1;

/// Settings of a bulk load.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Collection for records that name none and whose run header names none.
    pub default_collection: String,
    /// Lines per block.
    pub batch_lines: usize,
    /// Longest line accepted, in bytes (`ingest.max_line_bytes`); a longer one is an error.
    pub max_line_bytes: usize,
}

/// What loading one file found and staged.
#[derive(Debug, Default, Clone)]
pub struct FileReport {
    /// Lines read (blank lines included).
    pub lines: u64,
    /// Records that parsed and validated (kept only when `errors` is empty).
    pub records: u64,
    /// First errors (up to 20); when there are any, nothing of the file was kept.
    pub errors: Vec<ModelError>,
    /// Count of all errors.
    pub error_count: usize,
    /// New rows staged per table, and rows skipped as already stored or repeated.
    pub receipt: Receipt,
}

/// Reports progress: input bytes consumed so far.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// A bulk load under way; see the module docs. Dropped without [`BulkLoad::commit`], its
/// staged files stay in no table (call [`BulkLoad::abort`] to delete them).
pub struct BulkLoad {
    store: Store,
    opts: BulkOptions,
    /// Keys of the rows staged so far, per table.
    seen: BTreeMap<Table, KeySet>,
    staged: Staged,
    _writer: OwnedMutexGuard<()>,
}

impl std::fmt::Debug for BulkLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkLoad")
            .field("files", &self.staged.values().map(Vec::len).sum::<usize>())
            .finish()
    }
}

impl Store {
    /// Starts a bulk load: takes the write lock (other writers wait until the load ends).
    pub async fn bulk(&self, opts: BulkOptions) -> Result<BulkLoad, IngestError> {
        let writer = self.lock_writes().await?;
        Ok(BulkLoad {
            store: self.clone(),
            opts,
            seen: BTreeMap::new(),
            staged: Staged::new(),
            _writer: writer,
        })
    }
}

impl BulkLoad {
    /// Loads one file: `open` opens it (a second time in the rare case above). Nothing is
    /// visible until [`BulkLoad::commit`]. A file with errors keeps nothing: see its report.
    pub async fn load<R, F>(
        &mut self,
        open: F,
        source_name: &str,
        progress: Progress,
    ) -> Result<FileReport, IngestError>
    where
        R: std::io::Read + Send + 'static,
        F: Fn() -> std::io::Result<R> + Send + 'static,
    {
        let tables = self.store.open_tables().await;
        let mut known = None;
        loop {
            let pass = Pass {
                store: self.store.clone(),
                handle: Handle::current(),
                tables: tables.clone(),
                opts: self.opts.clone(),
                name: source_name.to_string(),
                prior: std::mem::take(&mut self.seen),
                known: known.take(),
                progress: Arc::clone(&progress),
            };
            let reader = open().map_err(|e| IngestError::io("opening", source_name, e))?;
            let done = tokio::task::spawn_blocking(move || pass.run(reader))
                .await
                .map_err(|e| IngestError::Task(format!("bulk load of {source_name}: {e}")))?;
            let (prior, outcome) = done;
            self.seen = prior;
            let outcome = outcome?;
            let keep = outcome.report.error_count == 0 && outcome.reparse.is_none();
            if !keep {
                staged::discard(&tables, &outcome.staged).await;
            }
            if let Some(runs) = outcome.reparse.filter(|_| outcome.report.error_count == 0) {
                known = Some(runs);
                continue;
            }
            if keep {
                for (table, keys) in outcome.seen {
                    let seen = self.seen.entry(table).or_default();
                    if seen.is_empty() {
                        *seen = keys;
                    } else {
                        seen.extend(keys);
                    }
                }
                for (table, adds) in outcome.staged {
                    self.staged.entry(table).or_default().extend(adds);
                }
            }
            return Ok(outcome.report);
        }
    }

    /// Commits every loaded file's rows to every table as one unit. Returns the load's id
    /// (`None` when no row was new).
    pub async fn commit(self) -> Result<Option<u64>, IngestError> {
        let committed = self.store.commit_staged(self.staged.clone()).await;
        if let Err(e) = &committed
            && !matches!(e, IngestError::Stopped { .. })
        {
            // Nothing was committed: the staged files go.
            let tables = self.store.open_tables().await;
            staged::discard(&tables, &self.staged).await;
        }
        committed
    }

    /// Ends the load without committing, deleting its staged files.
    pub async fn abort(self) {
        let tables = self.store.open_tables().await;
        staged::discard(&tables, &self.staged).await;
    }
}

/// One pass over one file, run on a blocking thread.
struct Pass {
    store: Store,
    handle: Handle,
    tables: BTreeMap<Table, Option<DeltaTable>>,
    opts: BulkOptions,
    name: String,
    /// Keys staged by earlier files of the load (handed back after the pass).
    prior: BTreeMap<Table, KeySet>,
    /// Each run's last header in the file, on the second pass.
    known: Option<HashMap<String, String>>,
    progress: Progress,
}

/// What a pass produced.
struct Outcome {
    report: FileReport,
    staged: Staged,
    /// Keys of the rows staged by this file.
    seen: BTreeMap<Table, KeySet>,
    /// Set when the file must be read again, knowing these run collections.
    reparse: Option<HashMap<String, String>>,
}

/// What the blocks pass in order.
struct Sequence {
    errors: Vec<ModelError>,
    error_count: usize,
    collections: FileCollections,
    reparse: bool,
    seen: BTreeMap<Table, KeySet>,
    repeats: usize,
}

/// The input the workers share; blocks are numbered as they are read.
struct Input<R> {
    lines: LineReader<CountingReader<R>>,
    next: u64,
    ended: bool,
}

/// A block as read: its number and the input bytes consumed after it.
struct Taken {
    index: u64,
    bytes: u64,
}

/// One worker's share of a pass.
#[derive(Default)]
struct Share {
    staged: Staged,
    accepted: BTreeMap<Table, usize>,
    duplicates: usize,
    records: u64,
}

impl Pass {
    fn run<R: std::io::Read + Send>(
        self,
        reader: R,
    ) -> (BTreeMap<Table, KeySet>, Result<Outcome, IngestError>) {
        let result = self.run_workers(reader);
        (self.prior, result)
    }

    fn run_workers<R: std::io::Read + Send>(&self, reader: R) -> Result<Outcome, IngestError> {
        let input = Mutex::new(Input {
            lines: LineReader::new(CountingReader::new(reader), self.opts.max_line_bytes),
            next: 0,
            ended: false,
        });
        let mut collections = FileCollections::new(&self.opts.default_collection);
        if let Some(known) = &self.known {
            collections = collections.knowing(known.clone());
        }
        let ordered = Ordered::new(Sequence {
            errors: Vec::new(),
            error_count: 0,
            collections,
            reparse: false,
            seen: BTreeMap::new(),
            repeats: 0,
        });
        let failed = AtomicBool::new(false);
        let worker = Worker {
            pass: self,
            input: &input,
            ordered: &ordered,
            failed: &failed,
        };
        let shares: Vec<Result<Share, IngestError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..parse_threads())
                .map(|_| s.spawn(|| worker.run()))
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(result) => result,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        let mut report = FileReport::default();
        let mut staged = Staged::new();
        let mut first_error = None;
        for share in shares {
            match share {
                Ok(share) => {
                    for (table, adds) in share.staged {
                        staged.entry(table).or_default().extend(adds);
                    }
                    for (table, n) in share.accepted {
                        *report.receipt.accepted.entry(table).or_default() += n;
                    }
                    report.receipt.duplicates += share.duplicates;
                    report.records += share.records;
                }
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        if let Some(e) = first_error {
            self.handle.block_on(staged::discard(&self.tables, &staged));
            return Err(e);
        }
        report.lines = input
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .lines
            .line_no();
        let seq = ordered.into_inner();
        report.receipt.duplicates += seq.repeats;
        report.errors = seq.errors;
        report.error_count = seq.error_count;
        Ok(Outcome {
            report,
            staged,
            seen: seq.seen,
            reparse: seq.reparse.then_some(seq.collections.runs),
        })
    }
}

/// One core's share of a pass.
struct Worker<'a, R> {
    pass: &'a Pass,
    input: &'a Mutex<Input<R>>,
    ordered: &'a Ordered<Sequence>,
    /// Set once a bad line is known: later blocks keep only their errors.
    failed: &'a AtomicBool,
}

impl<R: std::io::Read> Worker<'_, R> {
    /// Takes blocks until the input ends. An error stops every worker.
    fn run(&self) -> Result<Share, IngestError> {
        let _abort = AbortOnPanic(self.ordered);
        let mut writers = BTreeMap::new();
        let mut share = Share::default();
        if let Err(e) = self.blocks(&mut writers, &mut share) {
            self.ordered.abort();
            for writer in writers.values_mut() {
                writer.reset();
            }
            return Err(e);
        }
        for (table, mut writer) in writers {
            let adds = self
                .pass
                .handle
                .block_on(writer.flush())
                .map_err(IngestError::delta(table))?;
            share.staged.entry(table).or_default().extend(adds);
        }
        Ok(share)
    }

    /// The loop of [`Worker::run`]; the block buffer and record lists are reused.
    fn blocks(
        &self,
        writers: &mut BTreeMap<Table, RecordBatchWriter>,
        share: &mut Share,
    ) -> Result<(), IngestError> {
        let mut block = Block::default();
        let mut rows = Rows::default();
        let mut local = BlockCollections::default();
        while let Some(taken) = self.take(&mut block)? {
            rows.clear();
            local.clear();
            let Some(candidates) = self.check(&block, &taken, &mut rows, &mut local)? else {
                break;
            };
            share.records += rows.len() as u64;
            rows.clear();
            self.write(candidates, writers, share)?;
        }
        Ok(())
    }

    /// Reads the next block, `None` at the end of the input.
    fn take(&self, block: &mut Block) -> Result<Option<Taken>, IngestError> {
        if self.ordered.aborted() {
            return Ok(None);
        }
        let opts = &self.pass.opts;
        let mut input = self.input.lock().unwrap_or_else(|e| e.into_inner());
        if input.ended {
            return Ok(None);
        }
        let filled = block.fill(&mut input.lines, opts.batch_lines, BLOCK_BYTES, |_| false);
        input.ended = !matches!(filled, Ok(false));
        filled.map_err(|e| IngestError::io("reading", &self.pass.name, e))?;
        if block.len() == 0 {
            return Ok(None);
        }
        let index = input.next;
        input.next += 1;
        Ok(Some(Taken {
            index,
            bytes: input.lines.get_ref().bytes,
        }))
    }

    /// Parses one block and passes it through the ordered sections. Returns its rows that
    /// the load has not seen yet (none when the file is bad or must be read again), `None`
    /// when the work was aborted.
    fn check(
        &self,
        block: &Block,
        taken: &Taken,
        rows: &mut Rows,
        local: &mut BlockCollections,
    ) -> Result<Option<Vec<Candidate>>, IngestError> {
        let opts = &self.pass.opts;
        let keep = !self.failed.load(Ordering::Relaxed);
        let default = &opts.default_collection;
        let mut errors = Vec::new();
        let mut error_count = 0;
        block.parse_each(opts.max_line_bytes, |result| match result {
            Ok(mut record) if keep && error_count == 0 => {
                local.note(&mut record, rows, default);
                rows.push(record);
            }
            Ok(_) => {}
            Err(e) => {
                error_count += 1;
                if errors.len() < MAX_REPORTED_ERRORS {
                    errors.push(e);
                }
            }
        });
        if error_count > 0 {
            rows.clear();
        }
        let build = self.ordered.in_turn(COLLECT, taken.index, |seq| {
            seq.error_count += error_count;
            let room = MAX_REPORTED_ERRORS.saturating_sub(seq.errors.len());
            seq.errors.extend(errors.into_iter().take(room));
            if seq.error_count > 0 {
                self.failed.store(true, Ordering::Relaxed);
                return false;
            }
            if !seq.collections.apply(rows, local) {
                seq.reparse = true;
            }
            !seq.reparse && !rows.is_empty()
        });
        let Some(build) = build else {
            return Ok(None);
        };
        let mut candidates = Vec::new();
        if build {
            for (table, batch) in rows.batches()? {
                candidates.push(Candidate::new(TableBatch::new(table, batch))?);
            }
        }
        let prior = &self.pass.prior;
        let progress = &self.pass.progress;
        let passed = self.ordered.in_turn(REPEATS, taken.index, |seq| {
            for c in &mut candidates {
                let table = c.batch.table;
                let before = prior.get(&table);
                let seen = seq.seen.entry(table).or_default();
                seq.repeats +=
                    c.drop_where(|k| before.is_some_and(|b| b.contains(k)) || !seen.insert(*k));
            }
            progress(taken.bytes);
        });
        Ok(passed.map(|()| candidates))
    }

    /// Drops the rows the store holds and writes the rest.
    fn write(
        &self,
        mut candidates: Vec<Candidate>,
        writers: &mut BTreeMap<Table, RecordBatchWriter>,
        share: &mut Share,
    ) -> Result<(), IngestError> {
        candidates.retain(|c| c.kept() > 0);
        if candidates.is_empty() {
            return Ok(());
        }
        let handle = &self.pass.handle;
        share.duplicates += handle.block_on(self.pass.store.drop_stored(&mut candidates))?;
        for c in candidates.into_iter().filter(|c| c.kept() > 0) {
            let table = c.batch.table;
            *share.accepted.entry(table).or_default() += c.kept();
            let (batch, _) = c.into_new_rows()?;
            let writer = match writers.entry(table) {
                std::collections::btree_map::Entry::Occupied(w) => w.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => v.insert(self.writer(table)?),
            };
            handle
                .block_on(writer.write(batch.batch))
                .map_err(IngestError::delta(table))?;
        }
        failpoint::hit("bulk.after_block");
        Ok(())
    }

    fn writer(&self, table: Table) -> Result<RecordBatchWriter, IngestError> {
        let Some(Some(delta)) = self.pass.tables.get(&table) else {
            return Err(IngestError::Task(format!("table {table} is not open")));
        };
        let target = self.pass.store.config().target_file_bytes;
        Ok(RecordBatchWriter::for_table(delta)
            .map_err(IngestError::delta(table))?
            .with_writer_properties(delta::writer_properties())
            .with_target_file_size(target))
    }
}
