//! In-memory Arrow buffers: acknowledged rows not yet in Delta, visible to queries.

use std::collections::BTreeMap;

use arrow::array::{Array, ArrayData, RecordBatch};
use wharf_model::Table;

use crate::keys::{KeyHash, KeySet};

/// Bytes of Arrow data a batch holds: its buffers' lengths. (Capacities would count a
/// decoded batch's share of its frame body, and that whole body once per array that
/// points into it: flushes would come early and files small.)
fn data_bytes(batch: &RecordBatch) -> usize {
    fn of(data: &ArrayData) -> usize {
        data.buffers().iter().map(|b| b.len()).sum::<usize>()
            + data.nulls().map_or(0, |n| n.buffer().len())
            + data.child_data().iter().map(of).sum::<usize>()
    }
    batch.columns().iter().map(|c| of(&c.to_data())).sum()
}

/// One table's buffered rows.
#[derive(Debug, Default, Clone)]
pub struct TableBuffer {
    /// The batches, in acknowledgement order.
    pub batches: Vec<RecordBatch>,
    /// Rows held, over all batches.
    pub rows: usize,
    /// Arrow memory held.
    pub bytes: usize,
    /// Highest WAL transaction among the batches.
    pub max_txn: u64,
    /// Keys of the rows held, for duplicate checks.
    pub keys: KeySet,
}

/// Buffers of all tables.
#[derive(Debug, Default)]
pub struct Buffers {
    tables: BTreeMap<Table, TableBuffer>,
}

impl Buffers {
    /// Adds an acknowledged batch.
    pub fn push(&mut self, table: Table, batch: RecordBatch, txn: u64, keys: Vec<KeyHash>) {
        let buf = self.tables.entry(table).or_default();
        buf.rows += batch.num_rows();
        buf.bytes += data_bytes(&batch);
        buf.max_txn = buf.max_txn.max(txn);
        buf.keys.extend(keys);
        buf.batches.push(batch);
    }

    /// Whether `key` is buffered for `table`.
    pub fn contains(&self, table: Table, key: &KeyHash) -> bool {
        self.tables
            .get(&table)
            .is_some_and(|b| b.keys.contains(key))
    }

    /// One table's buffer.
    pub fn get(&self, table: Table) -> Option<&TableBuffer> {
        self.tables.get(&table).filter(|b| b.rows > 0)
    }

    /// Takes one table's buffer out.
    pub fn take(&mut self, table: Table) -> Option<TableBuffer> {
        self.tables.remove(&table).filter(|b| b.rows > 0)
    }

    /// Puts the buffers of a failed flush back, before the rows buffered since.
    pub fn put_back(&mut self, older: Buffers) {
        for (table, mut old) in older.tables {
            if let Some(newer) = self.tables.remove(&table) {
                old.rows += newer.rows;
                old.bytes += newer.bytes;
                old.max_txn = old.max_txn.max(newer.max_txn);
                old.keys.extend(newer.keys);
                old.batches.extend(newer.batches);
            }
            self.tables.insert(table, old);
        }
    }

    /// Total Arrow bytes held.
    pub fn bytes(&self) -> usize {
        self.tables.values().map(|b| b.bytes).sum()
    }

    /// Largest row count of one table.
    pub fn max_rows(&self) -> usize {
        self.tables.values().map(|b| b.rows).max().unwrap_or(0)
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(|b| b.rows == 0)
    }

    /// The batches of one table (cheap clones).
    pub fn batches(&self, table: Table) -> Vec<RecordBatch> {
        self.get(table)
            .map(|b| b.batches.clone())
            .unwrap_or_default()
    }
}
