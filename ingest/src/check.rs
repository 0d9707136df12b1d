//! Files: checked whole, parsed once.
//!
//! [`check`] reads a file in blocks, parses each on every core and reports every bad line
//! (nothing is written). While no line is bad, it also fills the records' collections,
//! builds their Arrow batches and WAL frames on every core and spills them to a temporary
//! file, so [`ingest_checked`] writes the file without parsing it again.
//!
//! Collections follow the file order: a record that names none takes the collection of its
//! run's latest header above it, else of its run's last header anywhere in the file, else
//! the default. The check pass fills the second kind with the default; should a header
//! further down name a collection for such a run (rare), the spilled blocks are dropped
//! and the write pass parses the file again, knowing every header.

use std::collections::{HashMap, HashSet};

use tokio::sync::mpsc;
use wharf_model::{LineReader, ModelError, Record};

use crate::batches::{self, TableBatch};
use crate::block::{Block, parse_threads};
use crate::source::{
    Chunk, CountingReader, InputSummary, MAX_REPORTED_ERRORS, StreamOptions, produce_from, pump,
};
use crate::spill::{Spill, SpillBlock};
use crate::{IngestError, Receipt, Store};

/// Bytes per block (the line count, `ingest.batch_lines`, cuts it first unless lines are
/// long).
const BLOCK_BYTES: usize = 32 * 1024 * 1024;

/// Settings of the check pass.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Collection for records that name none and whose run header names none.
    pub default_collection: String,
    /// Lines per block, and so per acknowledged batch of the write pass.
    pub batch_lines: usize,
    /// Longest line.
    pub max_line_bytes: usize,
}

/// A checked file: its errors, or its encoded blocks ready to write.
#[derive(Debug)]
pub struct Checked {
    /// First errors.
    pub errors: Vec<ModelError>,
    /// Count of all errors.
    pub error_count: usize,
    /// Lines read.
    pub lines: u64,
    /// The encoded blocks; `None` when the file must be parsed again.
    spill: Option<Spill>,
    /// Collection of each run, from its last header that names one.
    run_collections: HashMap<String, String>,
    /// Runs whose records took the default before any header of theirs named a collection.
    defaulted: HashSet<String>,
    opts: CheckOptions,
}

/// Reads and checks all of `reader`; while it has no bad line, keeps its blocks encoded.
pub fn check(
    reader: impl std::io::Read,
    opts: &CheckOptions,
    source_name: &str,
) -> Result<Checked, IngestError> {
    let mut lines = LineReader::new(CountingReader::new(reader), opts.max_line_bytes);
    let mut block = Block::default();
    let threads = parse_threads();
    let mut out = Checked {
        errors: Vec::new(),
        error_count: 0,
        lines: 0,
        spill: Some(Spill::new()?),
        run_collections: HashMap::new(),
        defaulted: HashSet::new(),
        opts: opts.clone(),
    };
    loop {
        let ended = block
            .fill(&mut lines, opts.batch_lines, BLOCK_BYTES, |_| false)
            .map_err(|e| IngestError::io("reading", source_name, e))?;
        if out.error_count == 0 {
            let mut records = Vec::new();
            for result in block.parse(opts.max_line_bytes, threads) {
                match result {
                    Ok(record) if out.error_count == 0 => records.push(record),
                    Ok(_) => {}
                    Err(e) => out.error(e),
                }
            }
            out.fill_collections(&mut records);
            if out.error_count == 0 && out.spill.is_some() && !records.is_empty() {
                let n = records.len();
                let frames = batches::build(records, threads)?
                    .iter()
                    .map(TableBatch::frame)
                    .collect::<Result<Vec<_>, _>>()?;
                let bytes = lines.get_ref().bytes;
                if let Some(spill) = &mut out.spill {
                    spill.push(&frames, lines.line_no(), bytes, n)?;
                }
            }
        } else {
            // Each parse thread keeps only the errors and drops its own records.
            let errors = block.parse_with(opts.max_line_bytes, threads, Result::err);
            for e in errors.into_iter().flatten() {
                out.error(e);
            }
        }
        if ended {
            break;
        }
    }
    out.lines = lines.line_no();
    if out.error_count > 0 {
        out.spill = None;
    }
    Ok(out)
}

impl Checked {
    fn error(&mut self, e: ModelError) {
        self.error_count += 1;
        if self.errors.len() < MAX_REPORTED_ERRORS {
            self.errors.push(e);
        }
    }

    /// Fills the collection of every record that names none, in file order. A header
    /// naming a collection for a run whose records took the default drops the spill.
    fn fill_collections(&mut self, records: &mut [Record]) {
        for record in records {
            if let (Record::Run(run), Some(c)) = (&*record, record.collection()) {
                if self.defaulted.contains(&run.run_id) {
                    self.spill = None;
                }
                if self.run_collections.get(&run.run_id).map(String::as_str) != Some(c) {
                    self.run_collections
                        .insert(run.run_id.clone(), c.to_string());
                }
                continue;
            }
            if record.collection().is_some() {
                continue;
            }
            let known = record.run_id().map(|id| (id, self.run_collections.get(id)));
            match known {
                Some((_, Some(c))) => {
                    let c = c.clone();
                    record.fill_collection(&c);
                }
                Some((id, None)) => {
                    if !self.defaulted.contains(id) {
                        self.defaulted.insert(id.to_string());
                    }
                    record.fill_collection(&self.opts.default_collection);
                }
                None => record.fill_collection(&self.opts.default_collection),
            }
        }
    }
}

/// Writes a checked file (without errors) through the store in acknowledged batches, one
/// per spilled block, calling `on_ack` after each. `reread` is the same file again, read
/// only when the check pass could not keep its blocks.
pub async fn ingest_checked<R: std::io::Read + Send + 'static>(
    store: &Store,
    checked: Checked,
    reread: R,
    source_name: &str,
    on_ack: impl FnMut(&Chunk, &Receipt),
) -> Result<InputSummary, IngestError> {
    if checked.error_count > 0 {
        let error = checked.errors.into_iter().next();
        return Err(IngestError::Invalid {
            source_name: source_name.into(),
            error: error.unwrap_or_else(|| ModelError::Line {
                line: 0,
                message: "invalid input".into(),
            }),
        });
    }
    match checked.spill {
        Some(spill) => pump(store, on_ack, move |tx| read_spill(spill, tx)).await,
        None => {
            let opts = StreamOptions {
                default_collection: checked.opts.default_collection,
                batch_lines: checked.opts.batch_lines,
                max_line_bytes: checked.opts.max_line_bytes,
                eager: false,
            };
            let known = checked.run_collections;
            let name = source_name.to_string();
            let produce = move |tx| produce_from(reread, opts, known, &name, tx);
            pump(store, on_ack, produce).await
        }
    }
}

/// Decodes the spilled blocks in order on the calling (blocking) thread.
fn read_spill(mut spill: Spill, tx: mpsc::Sender<Result<Chunk, IngestError>>) {
    let blocks: Vec<SpillBlock> = spill.blocks().to_vec();
    for block in blocks {
        let chunk = read_block(&mut spill, &block);
        let failed = chunk.is_err();
        if tx.blocking_send(chunk).is_err() || failed {
            return;
        }
    }
}

/// One block's batches, each with the frame it was decoded from.
fn read_block(spill: &mut Spill, block: &SpillBlock) -> Result<Chunk, IngestError> {
    let mut batches = Vec::new();
    for frame in spill.read(block)? {
        let decoded = frame.decode().map_err(IngestError::Task)?;
        let one = decoded.len() == 1;
        for batch in decoded {
            let mut b = TableBatch::new(frame.table, batch);
            if one {
                b.frame = Some(frame.clone());
            }
            batches.push(b);
        }
    }
    Ok(Chunk {
        batches,
        records: block.records,
        last_line: block.last_line,
        bytes: block.bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IngestConfig, OpenMode, StorageConfig, StorageRoot};
    use arrow::array::AsArray;
    use wharf_model::Table;

    const RUN_A: &str = "01900000-0000-7000-8000-00000000a001";
    const RUN_B: &str = "01900000-0000-7000-8000-00000000b001";

    fn event(run: &str, seq: u64, collection: Option<&str>) -> String {
        let c = collection.map_or(String::new(), |c| format!(r#","collection":"{c}""#));
        format!(
            r#"{{"type":"event","run_id":"{run}","seq":{seq},"ts":"2026-11-01T10:00:00Z","kind":"log"{c}}}"#
        )
    }

    fn run(run: &str, collection: &str) -> String {
        format!(
            r#"{{"type":"run","run_id":"{run}","collection":"{collection}","status":"succeeded","started_at":"2026-11-01T10:00:00Z"}}"#
        )
    }

    fn reread(text: &str) -> std::io::Cursor<Vec<u8>> {
        std::io::Cursor::new(text.as_bytes().to_vec())
    }

    fn opts(batch_lines: usize) -> CheckOptions {
        CheckOptions {
            default_collection: "dflt".into(),
            batch_lines,
            max_line_bytes: 1 << 20,
        }
    }

    async fn store(dir: &std::path::Path) -> Store {
        let storage = StorageConfig {
            root: dir.display().to_string(),
            ..Default::default()
        };
        let root = StorageRoot::parse(&storage).unwrap();
        Store::open(root, IngestConfig::default(), OpenMode::Write)
            .await
            .unwrap()
    }

    /// `(seq, collection)` of the buffered events.
    async fn events(store: &Store) -> Vec<(i64, String)> {
        let snapshot = store.snapshot().await;
        let mut out = Vec::new();
        for b in &snapshot[&Table::Events].buffered {
            let seq = b.column_by_name("seq").unwrap();
            let seq = seq.as_primitive::<arrow::datatypes::Int64Type>();
            let c = b.column_by_name("collection").unwrap().as_string::<i32>();
            for row in 0..b.num_rows() {
                out.push((seq.value(row), c.value(row).to_string()));
            }
        }
        out.sort();
        out
    }

    #[tokio::test]
    async fn collections_follow_the_file_order() {
        let lines = [
            event(RUN_A, 0, None),        // before A's header: its last header's
            run(RUN_A, "first"),          //
            event(RUN_A, 1, None),        // after it: "first"
            event(RUN_A, 2, Some("own")), // its own
            run(RUN_A, "second"),         //
            event(RUN_A, 3, None),        // "second"
            event(RUN_B, 4, None),        // B has no header: the default
        ];
        let text = lines.join("\n");
        for batch_lines in [1, 2, 100] {
            let dir = tempfile::tempdir().unwrap();
            let store = store(dir.path()).await;
            let checked = check(text.as_bytes(), &opts(batch_lines), "t").unwrap();
            assert_eq!((checked.error_count, checked.lines), (0, 7));
            let summary = ingest_checked(&store, checked, reread(&text), "t", |_, _| {})
                .await
                .unwrap();
            assert_eq!(summary.records, 7);
            assert_eq!(summary.receipt.accepted[&Table::Events], 5);
            let want = [
                (0, "second"),
                (1, "first"),
                (2, "own"),
                (3, "second"),
                (4, "dflt"),
            ];
            let want: Vec<(i64, String)> = want.iter().map(|(s, c)| (*s, c.to_string())).collect();
            assert_eq!(events(&store).await, want, "batch_lines {batch_lines}");
        }
    }

    #[tokio::test]
    async fn headers_first_keep_the_spill() {
        let lines = [
            run(RUN_A, "first"),
            event(RUN_A, 0, None),
            event(RUN_B, 1, None),
            run(RUN_B, "late"), // names no collection for earlier rows of a run with none
        ];
        let text = lines[..3].join("\n");
        let checked = check(text.as_bytes(), &opts(2), "t").unwrap();
        assert!(checked.spill.is_some());
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        ingest_checked(&store, checked, reread(""), "t", |_, _| {})
            .await
            .unwrap();
        let want = vec![(0, "first".to_string()), (1, "dflt".to_string())];
        assert_eq!(events(&store).await, want);
        // A header naming a collection after its run's rows: parsed again.
        let text = lines.join("\n");
        let checked = check(text.as_bytes(), &opts(2), "t").unwrap();
        assert!(checked.spill.is_none());
    }

    #[tokio::test]
    async fn a_bad_line_writes_nothing_and_re_ingesting_is_a_no_op() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let good: Vec<String> = (0..600).map(|s| event(RUN_A, s, None)).collect();
        let mut bad = good.clone();
        bad.insert(400, r#"{"type":"event","seq":"x"}"#.into());
        let bad = bad.join("\n");
        let checked = check(bad.as_bytes(), &opts(100), "t").unwrap();
        assert_eq!(checked.error_count, 1);
        assert!(checked.errors[0].to_string().contains("line 401"));
        assert!(
            ingest_checked(&store, checked, reread(&bad), "t", |_, _| {})
                .await
                .is_err()
        );
        assert!(events(&store).await.is_empty());

        let text = good.join("\n");
        let mut acks = Vec::new();
        let checked = check(text.as_bytes(), &opts(250), "t").unwrap();
        let first = ingest_checked(&store, checked, reread(&text), "t", |c, _| {
            acks.push(c.last_line)
        })
        .await
        .unwrap();
        assert_eq!(first.receipt.accepted[&Table::Events], 600);
        assert_eq!(acks, vec![250, 500, 600]);
        store.flush().await.unwrap();
        let checked = check(text.as_bytes(), &opts(250), "t").unwrap();
        let again = ingest_checked(&store, checked, reread(&text), "t", |_, _| {})
            .await
            .unwrap();
        assert_eq!(again.receipt.accepted_total(), 0);
        assert_eq!(again.receipt.duplicates, 600);
    }
}
