//! Reading native-format JSONL into acknowledged batches.
//!
//! A stream (stdin, an HTTP body) cannot be checked ahead, so each batch of
//! `ingest.batch_lines` is its own unit, acknowledged once its WAL entry is durable: a bad
//! line rejects its whole batch and stops. Whole files go through [`crate::bulk`] instead.

use std::collections::HashMap;
use std::io::BufRead;

use tokio::sync::mpsc;
use wharf_model::{LineReader, Record};

use crate::batches::{self, TableBatch};
use crate::block::{Block, parse_threads};
use crate::{IngestError, Receipt, Store};

/// Most errors reported for one input.
pub const MAX_REPORTED_ERRORS: usize = 20;

/// One batch of lines, built and encoded.
#[derive(Debug)]
pub struct Chunk {
    pub(crate) batches: Vec<TableBatch>,
    /// Records in the chunk.
    pub records: usize,
    /// Last line number in the chunk.
    pub last_line: u64,
    /// Bytes of input consumed so far.
    pub bytes: u64,
}

/// What an input produced.
#[derive(Debug, Default, Clone)]
pub struct InputSummary {
    /// Lines read (blank lines included).
    pub lines: u64,
    /// Records parsed and queued for the store.
    pub records: u64,
    /// Totals over all batches.
    pub receipt: Receipt,
}

/// Options of a stream.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Collection for records that name none and whose run header names none.
    pub default_collection: String,
    /// Lines per batch.
    pub batch_lines: usize,
    /// Longest line accepted, in bytes (`ingest.max_line_bytes`); a longer one is an error.
    pub max_line_bytes: usize,
    /// Cut a batch early when the input has no more data ready (interactive streams).
    pub eager: bool,
}

/// Parses `reader` into chunks on the calling (blocking) thread and sends them to `tx`.
/// Each chunk's lines are parsed, and its batches built, on all cores. Stops at the first
/// bad line, sending the error instead of the chunk that held it.
pub fn produce(
    reader: impl std::io::Read,
    opts: StreamOptions,
    source_name: &str,
    tx: mpsc::Sender<Result<Chunk, IngestError>>,
) {
    let mut run_collections = HashMap::new();
    let mut lines = LineReader::new(CountingReader::new(reader), opts.max_line_bytes);
    let mut block = Block::default();
    let threads = parse_threads();
    let eager = opts.eager;
    loop {
        let filled = block.fill(&mut lines, opts.batch_lines, usize::MAX, |l| {
            eager && lines_drained(l)
        });
        let ended = match filled {
            Ok(ended) => ended,
            Err(e) => {
                let _ = tx.blocking_send(Err(IngestError::io("reading", source_name, e)));
                return;
            }
        };
        let mut records = Vec::with_capacity(block.len());
        for result in block.parse(opts.max_line_bytes, threads) {
            match result {
                Ok(mut record) => {
                    fill(&mut record, &mut run_collections, &opts.default_collection);
                    records.push(record);
                }
                Err(error) => {
                    let source_name = source_name.into();
                    let err = IngestError::Invalid { source_name, error };
                    let _ = tx.blocking_send(Err(err));
                    return;
                }
            }
        }
        if !records.is_empty() {
            let n = records.len();
            let chunk = batches::build(records, threads).map(|batches| Chunk {
                batches,
                records: n,
                last_line: lines.line_no(),
                bytes: lines.get_ref().bytes,
            });
            if tx.blocking_send(chunk).is_err() {
                return;
            }
        }
        if ended {
            return;
        }
    }
}

/// Fills a record's collection from its run's latest header so far, else the default.
fn fill(record: &mut Record, run_collections: &mut HashMap<String, String>, default: &str) {
    if let (Record::Run(run), Some(c)) = (&*record, record.collection()) {
        run_collections.insert(run.run_id.clone(), c.to_string());
    }
    if record.collection().is_none() {
        let c = record
            .run_id()
            .and_then(|id| run_collections.get(id))
            .cloned()
            .unwrap_or_else(|| default.to_string());
        record.fill_collection(&c);
    }
}

/// Parses `reader` on a blocking thread and feeds its chunks into the store, calling
/// `on_ack` after each durable chunk. The one way every caller ingests a byte stream.
pub async fn ingest_reader<R: std::io::Read + Send + 'static>(
    store: &Store,
    reader: R,
    opts: StreamOptions,
    source_name: &str,
    on_ack: impl FnMut(&Chunk, &Receipt),
) -> Result<InputSummary, IngestError> {
    let name = source_name.to_string();
    pump(store, on_ack, move |tx| produce(reader, opts, &name, tx)).await
}

/// Runs `producer` on a blocking thread and feeds the chunks it sends into the store.
async fn pump(
    store: &Store,
    on_ack: impl FnMut(&Chunk, &Receipt),
    producer: impl FnOnce(mpsc::Sender<Result<Chunk, IngestError>>) + Send + 'static,
) -> Result<InputSummary, IngestError> {
    let (tx, rx) = mpsc::channel(2);
    let producer = tokio::task::spawn_blocking(move || producer(tx));
    let result = consume(store, rx, on_ack).await;
    producer
        .await
        .map_err(|e| IngestError::Task(e.to_string()))?;
    result
}

/// Feeds chunks from `rx` into the store. `on_ack` sees each acknowledged chunk (its
/// batches already moved into the store; `last_line` and `bytes` say where it ended).
pub async fn consume(
    store: &Store,
    mut rx: mpsc::Receiver<Result<Chunk, IngestError>>,
    mut on_ack: impl FnMut(&Chunk, &Receipt),
) -> Result<InputSummary, IngestError> {
    let mut summary = InputSummary::default();
    while let Some(chunk) = rx.recv().await {
        let mut chunk = chunk?;
        let batches = std::mem::take(&mut chunk.batches);
        let receipt = store.ingest_batches(batches).await?;
        summary.records += chunk.records as u64;
        summary.lines = chunk.last_line;
        summary.receipt.duplicates += receipt.duplicates;
        for (t, c) in &receipt.accepted {
            *summary.receipt.accepted.entry(*t).or_default() += c;
        }
        summary.receipt.txn = receipt.txn.or(summary.receipt.txn);
        on_ack(&chunk, &receipt);
    }
    Ok(summary)
}

/// A buffered reader that counts the bytes consumed from it.
pub(crate) struct CountingReader<R> {
    inner: std::io::BufReader<R>,
    /// Bytes consumed so far.
    pub bytes: u64,
}

impl<R: std::io::Read> CountingReader<R> {
    /// Wraps `inner` in a 1 MiB buffer.
    pub fn new(inner: R) -> Self {
        CountingReader {
            inner: std::io::BufReader::with_capacity(1 << 20, inner),
            bytes: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for CountingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R: std::io::Read> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.bytes += amt as u64;
        self.inner.consume(amt);
    }
}

/// Whether everything read from the input so far has been consumed.
fn lines_drained<R: std::io::Read>(lines: &LineReader<CountingReader<R>>) -> bool {
    lines.get_ref().inner.buffer().is_empty()
}
