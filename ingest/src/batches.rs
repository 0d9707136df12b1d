//! Table batches on their way into the store, built from validated records on every core.
//!
//! Readers turn records into Arrow batches and encode their WAL frames on their own
//! threads (split over the cores for large blocks), so the store's lock covers only the
//! key checks, the WAL write and the buffers.

use arrow::array::RecordBatch;
use wharf_model::{Record, Rows, Table};

use crate::IngestError;
use crate::frames::Frame;

/// One table's validated rows (collections filled), with their WAL frame when the producer
/// encoded it.
#[derive(Debug, Clone)]
pub(crate) struct TableBatch {
    pub table: Table,
    pub batch: RecordBatch,
    /// `batch` encoded; the WAL writes it as is when every row is new.
    pub frame: Option<Frame>,
}

impl TableBatch {
    /// A batch without a frame.
    pub fn new(table: Table, batch: RecordBatch) -> TableBatch {
        TableBatch {
            table,
            batch,
            frame: None,
        }
    }

    /// The frame, encoded now if the producer did not.
    pub fn frame(&self) -> Result<Frame, IngestError> {
        match &self.frame {
            Some(frame) => Ok(frame.clone()),
            None => Frame::encode(self.table, &self.batch),
        }
    }
}

/// Fewer records than this are built on the calling thread.
const PARALLEL_MIN_RECORDS: usize = 256;

/// Builds and encodes the batches of `records` (collections filled) on up to `threads`
/// threads, each taking a contiguous part; the result is in input order per part. The
/// records are freed on the thread that built them.
pub(crate) fn build(records: Vec<Record>, threads: usize) -> Result<Vec<TableBatch>, IngestError> {
    if threads < 2 || records.len() < PARALLEL_MIN_RECORDS {
        return build_part(records);
    }
    let per = records.len().div_ceil(threads);
    let mut parts = Vec::with_capacity(threads);
    let mut rest = records;
    while rest.len() > per {
        let tail = rest.split_off(per);
        parts.push(rest);
        rest = tail;
    }
    parts.push(rest);
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| s.spawn(move || build_part(part)))
            .collect();
        let mut out = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(built) => out.extend(built?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(out)
    })
}

fn build_part(records: Vec<Record>) -> Result<Vec<TableBatch>, IngestError> {
    let mut rows = Rows::default();
    for record in records {
        rows.push(record);
    }
    rows.into_batches()?
        .into_iter()
        .map(|(table, batch)| {
            let frame = Frame::encode(table, &batch)?;
            Ok(TableBatch {
                table,
                batch,
                frame: Some(frame),
            })
        })
        .collect()
}
