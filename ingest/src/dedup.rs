//! Which rows of an ingest call are new: each row's key against the call's earlier rows,
//! the buffers, and the committed rows of the partitions and run-id range it could meet.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::filter_record_batch;
use arrow::datatypes::Date32Type;
use wharf_model::Table;

use crate::IngestError;
use crate::batches::TableBatch;
use crate::delta::KeyScope;
use crate::keys::{KeyHash, KeySet, batch_keys};

/// One batch of an ingest call with its rows' keys and which rows are still new.
#[derive(Debug)]
pub(crate) struct Candidate {
    pub batch: TableBatch,
    keys: Vec<KeyHash>,
    new: Vec<bool>,
    kept: usize,
}

impl Candidate {
    /// All rows new, keys hashed.
    pub fn new(batch: TableBatch) -> Result<Candidate, IngestError> {
        let keys = batch_keys(batch.table, &batch.batch)?;
        let n = keys.len();
        Ok(Candidate {
            batch,
            keys,
            new: vec![true; n],
            kept: n,
        })
    }

    /// Rows still new.
    pub fn kept(&self) -> usize {
        self.kept
    }

    /// Marks the rows whose key `known` says is stored. Returns how many it marked.
    pub fn drop_where(&mut self, mut known: impl FnMut(&KeyHash) -> bool) -> usize {
        let before = self.kept;
        for (key, new) in self.keys.iter().zip(self.new.iter_mut()) {
            if *new && known(key) {
                *new = false;
                self.kept -= 1;
            }
        }
        before - self.kept
    }

    /// Marks the rows stored in `stored`. Returns how many.
    pub fn drop_stored(&mut self, stored: &KeySet) -> usize {
        self.drop_where(|k| stored.contains(k))
    }

    /// The new rows and their keys; a batch that lost rows loses its frame.
    pub fn into_new_rows(self) -> Result<(TableBatch, Vec<KeyHash>), IngestError> {
        if self.kept == self.keys.len() {
            return Ok((self.batch, self.keys));
        }
        let mask = BooleanArray::from(self.new.clone());
        let batch = filter_record_batch(&self.batch.batch, &mask)?;
        let keys = self
            .keys
            .into_iter()
            .zip(self.new)
            .filter_map(|(k, new)| new.then_some(k))
            .collect();
        Ok((TableBatch::new(self.batch.table, batch), keys))
    }
}

/// Marks rows repeated within the call or already `buffered`. Returns how many it marked.
pub(crate) fn drop_known(
    candidates: &mut [Candidate],
    buffered: impl Fn(Table, &KeyHash) -> bool,
) -> usize {
    let mut seen: BTreeMap<Table, KeySet> = BTreeMap::new();
    let mut dropped = 0;
    for c in candidates {
        let table = c.batch.table;
        let seen = seen.entry(table).or_default();
        dropped += c.drop_where(|k| !seen.insert(*k) || buffered(table, k));
    }
    dropped
}

/// Where the new rows of these batches (of one table) could meet committed rows: their
/// partition values and, when every row has one, their run-id range.
pub(crate) fn scope<'a>(
    candidates: impl IntoIterator<Item = &'a Candidate>,
) -> Result<KeyScope, IngestError> {
    let mut collections = BTreeSet::new();
    let mut dates = BTreeSet::new();
    let mut range: Option<(&str, &str)> = None;
    let mut all_have_run = true;
    for c in candidates {
        let b = &c.batch.batch;
        let collection = column(b, "collection")?.as_string::<i32>();
        let date = column(b, "date")?.as_primitive::<Date32Type>();
        let run = b.column_by_name("run_id").map(|r| r.as_string::<i32>());
        for (row, new) in c.new.iter().enumerate() {
            if !new {
                continue;
            }
            collections.insert(collection.value(row));
            dates.insert(date.value(row));
            match run.filter(|r| !r.is_null(row)).map(|r| r.value(row)) {
                Some(id) => {
                    range = Some(range.map_or((id, id), |(lo, hi)| (lo.min(id), hi.max(id))));
                }
                None => all_have_run = false,
            }
        }
    }
    Ok(KeyScope {
        collections: collections.into_iter().map(str::to_string).collect(),
        dates: dates.into_iter().collect(),
        run_ids: range
            .filter(|_| all_have_run)
            .map(|(lo, hi)| (lo.to_string(), hi.to_string())),
    })
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, IngestError> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| IngestError::Task(format!("batch has no {name} column")))
}
