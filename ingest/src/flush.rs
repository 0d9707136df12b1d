//! Committing buffers to Delta in the background (double buffering).
//!
//! When the buffers fill up, the store hands them to a task that appends one commit per
//! table, and goes on acknowledging new batches into fresh buffers and a fresh WAL segment.
//! Until the store takes the task's result in, the rows being written stay visible to
//! snapshots and to key checks, and the WAL segments that hold them stay on disk; they are
//! deleted only once every table has committed. At most one flush runs at a time.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::RecordBatch;
use deltalake::DeltaTable;
use tokio::task::JoinHandle;
use wharf_model::Table;

use crate::buffer::Buffers;
use crate::{IngestConfig, IngestError, delta, failpoint};

/// A flush under way.
pub(crate) struct Flushing {
    /// The rows being committed.
    pub buffers: Buffers,
    /// The WAL segments that hold only these rows (and older, committed ones).
    pub segments: Vec<PathBuf>,
    task: JoinHandle<Committed>,
}

/// What a flush task did.
pub(crate) struct Committed {
    /// The tables it committed, with their new versions, in order.
    pub tables: Vec<(Table, DeltaTable, usize)>,
    /// Why it stopped early; the tables after `tables` were not written.
    pub error: Option<IngestError>,
}

/// One table's part of a flush.
struct Job {
    table: Table,
    delta: DeltaTable,
    batches: Vec<RecordBatch>,
    max_txn: u64,
    rows: usize,
}

impl Flushing {
    /// Starts committing every table of `buffers`. `commits` counts the commits so far (a
    /// checkpoint follows every `checkpoint_interval`-th).
    pub fn start(
        buffers: Buffers,
        tables: &BTreeMap<Table, Option<DeltaTable>>,
        segments: Vec<PathBuf>,
        lock: Arc<File>,
        config: &IngestConfig,
        commits: u64,
    ) -> Result<Flushing, IngestError> {
        let mut jobs = Vec::new();
        for table in Table::ALL {
            let Some(buffer) = buffers.get(table) else {
                continue;
            };
            let Some(delta) = tables.get(&table).cloned().flatten() else {
                return Err(IngestError::Task(format!("table {table} is not open")));
            };
            jobs.push(Job {
                table,
                delta,
                batches: buffer.batches.clone(),
                max_txn: buffer.max_txn,
                rows: buffer.rows,
            });
        }
        let target = config.target_file_bytes;
        let interval = config.checkpoint_interval;
        // Joined by `finish` before the store takes any step that depends on it. The task
        // holds the WAL lock: should the store be dropped first, no other writer can open
        // the WAL and replay these rows while they are being committed.
        let task = tokio::spawn(async move {
            let _lock = lock;
            commit(jobs, target, interval, commits).await
        });
        Ok(Flushing {
            buffers,
            segments,
            task,
        })
    }

    /// Waits for the task. Returns its result and the buffers of the tables it did not
    /// commit, or, when the task was cancelled (its runtime shut down), what happened: the
    /// outcome is then unknown.
    pub async fn finish(self) -> Result<(Committed, Buffers, Vec<PathBuf>), String> {
        let committed = match self.task.await {
            Ok(c) => c,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => {
                return Err(format!(
                    "a background flush to Delta was cancelled before it finished ({e}; its runtime shut down)"
                ));
            }
        };
        let mut left = self.buffers;
        for (table, _, _) in &committed.tables {
            left.take(*table);
        }
        Ok((committed, left, self.segments))
    }
}

async fn commit(jobs: Vec<Job>, target: u64, interval: u64, mut commits: u64) -> Committed {
    let mut out = Committed {
        tables: Vec::new(),
        error: None,
    };
    for job in jobs {
        let written = delta::append(&job.delta, job.table, job.batches, job.max_txn, target).await;
        let updated = match written {
            Ok(t) => t,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        failpoint::hit("flush.after_commit");
        commits += 1;
        if commits.is_multiple_of(interval)
            && let Err(e) = deltalake::checkpoints::create_checkpoint(&updated, None).await
        {
            tracing::warn!(table = %job.table, error = %e, "checkpoint failed; the log stays readable");
        }
        out.tables.push((job.table, updated, job.rows));
    }
    out
}
