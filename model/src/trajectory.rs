//! Reading the native trajectory format: one JSON object per line.
//!
//! [`parse_line`] turns one line into a validated [`Record`]; [`LineReader`] splits a byte
//! stream into lines with a hard size limit, so a 100 MB line is an error, not an allocation.

use std::io::BufRead;

use serde::Deserialize;

use crate::records::{
    ArtifactRecord, EventRecord, LabelRecord, LlmCallRecord, RECORD_TYPES, Record, RunRecord,
    ScoreRecord,
};
use crate::{ModelError, ids::clip};

/// Default limit of one line, in bytes.
pub const DEFAULT_MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
}

/// Parses and validates one line. `line_no` is 1-based and appears in every error.
pub fn parse_line(line_no: u64, line: &str) -> Result<Record, ModelError> {
    let peek: Peek<'_> = serde_json::from_str(line).map_err(|e| ModelError::Line {
        line: line_no,
        message: format!("not a JSON object: {}", strip_position(&e)),
    })?;
    let kind = peek.kind.ok_or_else(|| {
        ModelError::field(
            "type",
            format!("missing; expected one of: {}", RECORD_TYPES.join(", ")),
        )
        .at_line(line_no)
    })?;
    let at = |e: ModelError| e.at_line(line_no);
    let mut record = match kind.as_ref() {
        "run" => Record::Run(typed::<RunRecord>(line).map_err(at)?),
        "event" => Record::Event(typed::<EventRecord>(line).map_err(at)?),
        "score" => Record::Score(typed::<ScoreRecord>(line).map_err(at)?),
        "label" => Record::Label(typed::<LabelRecord>(line).map_err(at)?),
        "artifact" => Record::Artifact(typed::<ArtifactRecord>(line).map_err(at)?),
        "llm_call" => Record::LlmCall(typed::<LlmCallRecord>(line).map_err(at)?),
        other => {
            return Err(ModelError::field(
                "type",
                format!(
                    "unknown record type `{}`; expected one of: {}",
                    clip(other),
                    RECORD_TYPES.join(", ")
                ),
            )
            .at_line(line_no));
        }
    };
    record.validate().map_err(|e| e.at_line(line_no))?;
    Ok(record)
}

fn typed<T: for<'de> Deserialize<'de>>(line: &str) -> Result<T, ModelError> {
    let mut de = serde_json::Deserializer::from_str(line);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = strip_position(e.inner());
        let (field, message) = split_field(&path, &message);
        ModelError::field(field, message)
    })
}

/// Names the field of a serde error: the path when it has one, else the field the message
/// quotes (missing and unknown fields are reported at the parent).
fn split_field(path: &str, message: &str) -> (String, String) {
    for prefix in ["missing field `", "unknown field `", "duplicate field `"] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some(end) = rest.find('`')
        {
            let name = &rest[..end];
            // serde_path_to_error puts an unknown field in the path, a missing one not.
            let path = path.trim_start_matches('.');
            let field = if path.is_empty() {
                name.to_string()
            } else if path == name || path.ends_with(&format!(".{name}")) {
                path.to_string()
            } else {
                format!("{path}.{name}")
            };
            let what = match prefix {
                "missing field `" => "is required".to_string(),
                "unknown field `" => {
                    "is not a field of this record type (see docs/trajectory-format.md)".to_string()
                }
                _ => "appears twice".to_string(),
            };
            return (field, what);
        }
    }
    (
        path.trim_start_matches('.').to_string(),
        message.to_string(),
    )
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let msg = match text.rfind(" at line ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    };
    if e.column() > 0 {
        format!("{msg} (column {})", e.column())
    } else {
        msg
    }
}

/// What [`LineReader::next_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line (without its newline) is in the buffer.
    Text,
    /// The line exceeded the limit; it was skipped. Holds its full length in bytes.
    TooLong(u64),
    /// End of input.
    Eof,
}

/// Splits a byte stream into lines of at most `max_bytes`, counting line numbers.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    max_bytes: usize,
    line_no: u64,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps a reader.
    pub fn new(inner: R, max_bytes: usize) -> Self {
        LineReader {
            inner,
            max_bytes,
            line_no: 0,
        }
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// 1-based number of the line last returned.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Reads the next line into `buf` (cleared first). Never holds more than `max_bytes`.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Line> {
        buf.clear();
        let mut total: u64 = 0;
        let mut saw_any = false;
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if !saw_any {
                    return Ok(Line::Eof);
                }
                break;
            }
            saw_any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            total += take as u64;
            if total as usize <= self.max_bytes {
                buf.extend_from_slice(&chunk[..take]);
            } else {
                buf.clear();
            }
            let consumed = if done { take + 1 } else { take };
            self.inner.consume(consumed);
            if done {
                break;
            }
        }
        self.line_no += 1;
        if total as usize > self.max_bytes {
            return Ok(Line::TooLong(total));
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if self.line_no == 1 && buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
            buf.drain(..3);
        }
        Ok(Line::Text)
    }
}

/// Formats a byte count for messages.
pub fn human_bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / MIB)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}
