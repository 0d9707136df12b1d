//! Blocks of lines read ahead of parsing, parsed on every core.

use std::io::BufRead;

use wharf_model::{Line, LineReader, ModelError, Record, human_bytes, parse_line};

/// Blocks shorter than this are parsed on the calling thread.
const PARALLEL_MIN_LINES: usize = 256;

/// Threads that parse a block.
pub(crate) fn parse_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Non-blank lines read ahead of parsing: their bytes back to back, and where each is.
#[derive(Debug, Default)]
pub(crate) struct Block {
    bytes: Vec<u8>,
    lines: Vec<RawLine>,
}

#[derive(Debug)]
enum RawLine {
    Text { line: u64, start: usize, end: usize },
    TooLong { line: u64, len: u64 },
}

impl Block {
    /// Number of non-blank lines in the block.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Reads lines until the block holds `max_lines` non-blank lines or `max_bytes` bytes,
    /// the input ends, or `stop` says so once the block holds a line. Returns whether the
    /// input ended.
    pub fn fill<R: BufRead>(
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

    /// Parses every line, in order, on the calling thread.
    pub fn parse_each(&self, max_line_bytes: usize, mut f: impl FnMut(Result<Record, ModelError>)) {
        for raw in &self.lines {
            f(self.parse_one(raw, max_line_bytes));
        }
    }

    /// Parses every line, in order, on up to `threads` threads.
    pub fn parse(&self, max_line_bytes: usize, threads: usize) -> Vec<Result<Record, ModelError>> {
        self.parse_with(max_line_bytes, threads, |result| result)
    }

    /// Parses every line, in order, on up to `threads` threads, each result mapped by `f`
    /// on the thread that parsed it.
    pub fn parse_with<T: Send>(
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
