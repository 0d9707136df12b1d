//! Collections in file order, for blocks parsed on several cores.
//!
//! A record that names no collection takes the collection of its run's latest header above
//! it, else the default. While a block is parsed, [`BlockCollections`] fills the records
//! whose run has a header above them in the same block and notes the others; once every
//! earlier block is done, [`FileCollections::apply`] fills those from the file's headers so
//! far. A header naming a collection for a run whose rows already took the default makes
//! the bulk load read the file again, knowing each run's last header
//! ([`FileCollections::knowing`]).

use std::collections::{HashMap, HashSet};

use wharf_model::{Record, Rows, Table};

/// What one block says about collections by itself.
#[derive(Debug, Default)]
pub(crate) struct BlockCollections {
    /// Each run's latest header (naming a collection) so far in the block.
    headers: HashMap<String, String>,
    /// Rows whose run had no header above them in the block: table and index in its list.
    pending: Vec<(Table, usize)>,
}

impl BlockCollections {
    /// Forgets the previous block.
    pub fn clear(&mut self) {
        self.headers.clear();
        self.pending.clear();
    }

    /// Takes `record`, about to become `rows`' next record of its table, in file order:
    /// remembers a header's collection, or fills the record's collection when the block
    /// says what it is, or notes the record for [`FileCollections::apply`].
    pub fn note(&mut self, record: &mut Record, rows: &Rows, default: &str) {
        if let (Record::Run(run), Some(c)) = (&*record, record.collection()) {
            if self.headers.get(&run.run_id).map(String::as_str) != Some(c) {
                self.headers.insert(run.run_id.clone(), c.to_string());
            }
            return;
        }
        if record.collection().is_some() {
            return;
        }
        let header = match record.run_id() {
            None => Some(default),
            Some(id) => self.headers.get(id).map(String::as_str),
        };
        match header {
            Some(c) => record.fill_collection(c),
            None => {
                let table = record.table();
                self.pending.push((table, rows.len_of(table)));
            }
        }
    }
}

/// The collections of a file as far as its blocks were applied.
#[derive(Debug)]
pub(crate) struct FileCollections {
    /// Collection of each run, from its latest header so far that names one.
    pub runs: HashMap<String, String>,
    /// Runs whose rows took the default before any header of theirs named a collection.
    defaulted: HashSet<String>,
    default: String,
    /// Each run's last header anywhere in the file, when a first pass found them.
    known: HashMap<String, String>,
}

impl FileCollections {
    /// Nothing seen yet; rows of runs without a header take `default`.
    pub fn new(default: &str) -> Self {
        FileCollections {
            runs: HashMap::new(),
            defaulted: HashSet::new(),
            default: default.to_string(),
            known: HashMap::new(),
        }
    }

    /// Rows of a run with no header above them take `known`'s collection for the run
    /// (its last header in the file) before the default.
    pub fn knowing(mut self, known: HashMap<String, String>) -> Self {
        self.known = known;
        self
    }

    /// Fills the collections `block` left open in `rows` (its records), then takes the
    /// block's headers in. Returns false when a header names a collection for a run whose
    /// rows took the default: the file must then be parsed again.
    pub fn apply(&mut self, rows: &mut Rows, block: &mut BlockCollections) -> bool {
        let mut in_order = !block.headers.keys().any(|r| self.defaulted.contains(r));
        // Rows of one run come in runs of rows: resolve each run once.
        let mut last_run = String::new();
        let mut last = None;
        for &(table, i) in &block.pending {
            let Some((Some(run), slot)) = rows.run_and_collection(table, i) else {
                continue;
            };
            if last.is_none() || run != last_run {
                last_run.clear();
                last_run.push_str(run);
                last = Some(match self.runs.get(run).or_else(|| self.known.get(run)) {
                    Some(c) => c.clone(),
                    None => {
                        if !self.defaulted.contains(run) {
                            self.defaulted.insert(run.to_string());
                        }
                        // The block has a header for this run, below this row.
                        in_order &= !block.headers.contains_key(run);
                        self.default.clone()
                    }
                });
            }
            if slot.is_none() {
                *slot = last.clone();
            }
        }
        for (run, c) in block.headers.drain() {
            self.runs.insert(run, c);
        }
        block.pending.clear();
        in_order
    }
}
