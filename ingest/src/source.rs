//! Reading native-format JSONL into acknowledged batches.
//!
//! Files are checked completely first (every bad line is reported, nothing is written),
//! then streamed in batches of `ingest.batch_lines`. A stream (stdin) cannot be checked
//! ahead, so each batch is its own unit: a bad line rejects its whole batch and stops.

use std::collections::HashMap;
use std::io::BufRead;

use tokio::sync::mpsc;
use wharf_model::{Line, LineReader, ModelError, Record, human_bytes, parse_line};

use crate::{IngestError, Receipt, Store};

/// Most errors reported for one input.
pub const MAX_REPORTED_ERRORS: usize = 20;

/// One parsed batch of lines.
#[derive(Debug)]
pub struct Chunk {
    /// Records with their collection filled.
    pub records: Vec<Record>,
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
    /// Records parsed.
    pub records: u64,
    /// Totals over all batches.
    pub receipt: Receipt,
}

/// Everything wrong with an input, for the first pass over a file.
#[derive(Debug, Default)]
pub struct Scan {
    /// Collection of each run header, by run id.
    pub run_collections: HashMap<String, String>,
    /// First errors.
    pub errors: Vec<ModelError>,
    /// Count of all errors.
    pub error_count: usize,
    /// Lines read.
    pub lines: u64,
}

/// Lines per parallel block of the first pass.
const SCAN_BLOCK_LINES: usize = 16_384;
/// Bytes per parallel block of the first pass (the line count cuts it first unless lines
/// are long).
const SCAN_BLOCK_BYTES: usize = 32 * 1024 * 1024;
/// Blocks shorter than this are parsed on the calling thread.
const PARALLEL_MIN_LINES: usize = 256;

/// Parses every line of `reader` without keeping records (first pass over a file).
/// Lines are read in blocks, each parsed on all cores.
pub fn scan(reader: impl BufRead, max_line_bytes: usize) -> Result<Scan, std::io::Error> {
    let mut lines = LineReader::new(reader, max_line_bytes);
    let mut block = Block::default();
    let threads = parse_threads();
    let mut out = Scan::default();
    loop {
        let ended = block.fill(&mut lines, SCAN_BLOCK_LINES, SCAN_BLOCK_BYTES, |_| false)?;
        // Each parse thread keeps only what the scan needs and drops its own records.
        let checked = block.parse_with(max_line_bytes, threads, |result| match result {
            Ok(Record::Run(run)) => Ok(run.collection.map(|c| (run.run_id, c))),
            Ok(_) => Ok(None),
            Err(e) => Err(e),
        });
        for result in checked {
            match result {
                Ok(Some((run_id, collection))) => {
                    out.run_collections.insert(run_id, collection);
                }
                Ok(None) => {}
                Err(e) => {
                    out.error_count += 1;
                    if out.errors.len() < MAX_REPORTED_ERRORS {
                        out.errors.push(e);
                    }
                }
            }
        }
        if ended {
            break;
        }
    }
    out.lines = lines.line_no();
    Ok(out)
}

/// Threads that parse a block.
fn parse_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Non-blank lines read ahead of parsing: their bytes back to back, and where each is.
#[derive(Debug, Default)]
struct Block {
    bytes: Vec<u8>,
    lines: Vec<RawLine>,
}

#[derive(Debug)]
enum RawLine {
    Text { line: u64, start: usize, end: usize },
    TooLong { line: u64, len: u64 },
}

impl Block {
    /// Reads lines until the block holds `max_lines` non-blank lines or `max_bytes` bytes,
    /// the input ends, or `stop` says so once the block holds a line. Returns whether the
    /// input ended.
    fn fill<R: BufRead>(
        &mut self,
        lines: &mut LineReader<R>,
        max_lines: usize,
        max_bytes: usize,
        stop: impl Fn(&LineReader<R>) -> bool,
    ) -> Result<bool, std::io::Error> {
        self.bytes.clear();
        self.lines.clear();
        while self.lines.len() < max_lines && self.bytes.len() < max_bytes {
            let line = lines.line_no() + 1;
            let start = self.bytes.len();
            match lines.append_line(&mut self.bytes)? {
                Line::Eof => return Ok(true),
                Line::TooLong(len) => self.lines.push(RawLine::TooLong { line, len }),
                Line::Text if self.bytes[start..].iter().all(u8::is_ascii_whitespace) => {
                    self.bytes.truncate(start);
                }
                Line::Text => {
                    let end = self.bytes.len();
                    self.lines.push(RawLine::Text { line, start, end });
                }
            }
            if !self.lines.is_empty() && stop(lines) {
                break;
            }
        }
        Ok(false)
    }

    /// Parses every line, in order, on up to `threads` threads.
    fn parse(&self, max_line_bytes: usize, threads: usize) -> Vec<Result<Record, ModelError>> {
        self.parse_with(max_line_bytes, threads, |result| result)
    }

    /// Parses every line, in order, on up to `threads` threads, each result mapped by `f`
    /// on the thread that parsed it.
    fn parse_with<T: Send>(
        &self,
        max_line_bytes: usize,
        threads: usize,
        f: impl Fn(Result<Record, ModelError>) -> T + Sync,
    ) -> Vec<T> {
        let f = &f;
        let parse = |part: &[RawLine]| -> Vec<T> {
            part.iter()
                .map(|raw| f(self.parse_one(raw, max_line_bytes)))
                .collect()
        };
        if threads < 2 || self.lines.len() < PARALLEL_MIN_LINES {
            return parse(&self.lines);
        }
        let per = self.lines.len().div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = self
                .lines
                .chunks(per)
                .map(|part| s.spawn(move || parse(part)))
                .collect();
            let mut out = Vec::with_capacity(self.lines.len());
            for part in parts {
                match part.join() {
                    Ok(parsed) => out.extend(parsed),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
    }

    fn parse_one(&self, raw: &RawLine, max: usize) -> Result<Record, ModelError> {
        match *raw {
            RawLine::TooLong { line, len } => Err(ModelError::Line {
                line,
                message: format!(
                    "line is {} long, over the {} limit (ingest.max_line_bytes)",
                    human_bytes(len),
                    human_bytes(max as u64)
                ),
            }),
            RawLine::Text { line, start, end } => {
                match std::str::from_utf8(&self.bytes[start..end]) {
                    Ok(text) => parse_line(line, text),
                    Err(e) => Err(ModelError::Line {
                        line,
                        message: format!("not valid UTF-8 (byte {})", e.valid_up_to()),
                    }),
                }
            }
        }
    }
}

/// Options of the second pass.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Collection for records that name none and whose run header names none.
    pub default_collection: String,
    /// Known run collections (from [`scan`]).
    pub run_collections: HashMap<String, String>,
    /// Lines per batch.
    pub batch_lines: usize,
    /// Longest line.
    pub max_line_bytes: usize,
    /// Cut a batch early when the input has no more data ready (interactive streams).
    pub eager: bool,
}

/// Parses `reader` into chunks on the calling (blocking) thread and sends them to `tx`.
/// Each chunk's lines are parsed on all cores. Stops at the first bad line, sending the
/// error instead of the chunk that held it.
pub fn produce(
    reader: impl std::io::Read,
    mut opts: StreamOptions,
    source_name: &str,
    tx: mpsc::Sender<Result<Chunk, IngestError>>,
) {
    let mut lines = LineReader::new(
        CountingReader {
            inner: std::io::BufReader::with_capacity(1 << 20, reader),
            bytes: 0,
        },
        opts.max_line_bytes,
    );
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
        let mut records = Vec::with_capacity(block.lines.len());
        for result in block.parse(opts.max_line_bytes, threads) {
            match result {
                Ok(mut record) => {
                    fill(&mut record, &mut opts);
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
            let chunk = Chunk {
                records,
                last_line: lines.line_no(),
                bytes: lines_bytes(&lines),
            };
            if tx.blocking_send(Ok(chunk)).is_err() {
                return;
            }
        }
        if ended {
            return;
        }
    }
}

fn fill(record: &mut Record, opts: &mut StreamOptions) {
    if let (Record::Run(run), Some(c)) = (&*record, record.collection()) {
        opts.run_collections
            .insert(run.run_id.clone(), c.to_string());
    }
    if record.collection().is_none() {
        let c = record
            .run_id()
            .and_then(|id| opts.run_collections.get(id))
            .cloned()
            .unwrap_or_else(|| opts.default_collection.clone());
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
    let (tx, rx) = mpsc::channel(2);
    let name = source_name.to_string();
    let producer = tokio::task::spawn_blocking(move || produce(reader, opts, &name, tx));
    let result = consume(store, rx, on_ack).await;
    producer
        .await
        .map_err(|e| IngestError::Task(e.to_string()))?;
    result
}

/// Feeds chunks from `rx` into the store. `on_ack` sees each acknowledged chunk (its
/// records already moved into the store; `last_line` and `bytes` say where it ended).
pub async fn consume(
    store: &Store,
    mut rx: mpsc::Receiver<Result<Chunk, IngestError>>,
    mut on_ack: impl FnMut(&Chunk, &Receipt),
) -> Result<InputSummary, IngestError> {
    let mut summary = InputSummary::default();
    while let Some(chunk) = rx.recv().await {
        let mut chunk = chunk?;
        let records = std::mem::take(&mut chunk.records);
        let n = records.len() as u64;
        let receipt = store.ingest(records).await?;
        summary.records += n;
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

struct CountingReader<R> {
    inner: std::io::BufReader<R>,
    bytes: u64,
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

fn lines_bytes<R: std::io::Read>(lines: &LineReader<CountingReader<R>>) -> u64 {
    lines.get_ref().bytes
}

/// Whether everything read from the input so far has been consumed.
fn lines_drained<R: std::io::Read>(lines: &LineReader<CountingReader<R>>) -> bool {
    lines.get_ref().inner.buffer().is_empty()
}
