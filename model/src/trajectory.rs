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
///
/// Lines that open with their `type` (as wharf and most writers emit them) are parsed once,
/// typed, with plain serde_json; any other line, and any line that fails that parse, goes
/// through the checked parse, whose errors name the field. Both give the same records and
/// the same errors: the fast parse only ever answers for lines the checked one accepts.
pub fn parse_line(line_no: u64, line: &str) -> Result<Record, ModelError> {
    let mut record = match parse_fast(line) {
        Some(record) => record,
        None => parse_checked(line_no, line)?,
    };
    record.validate().map_err(|e| e.at_line(line_no))?;
    Ok(record)
}

/// The typed parse of a line starting with `{"type":"<known type>"`, or `None` when the
/// line does not start so or does not parse (the checked parse then explains why).
fn parse_fast(line: &str) -> Option<Record> {
    let rest = line.strip_prefix(r#"{"type":""#)?;
    let kind = &rest[..rest.find('"')?];
    match kind {
        "event" => serde_json::from_str(line).ok().map(Record::Event),
        "run" => serde_json::from_str(line).ok().map(Record::Run),
        "score" => serde_json::from_str(line).ok().map(Record::Score),
        "label" => serde_json::from_str(line).ok().map(Record::Label),
        "artifact" => serde_json::from_str(line).ok().map(Record::Artifact),
        "llm_call" => serde_json::from_str(line).ok().map(Record::LlmCall),
        _ => None,
    }
}

/// Parses one line with errors that name the field (not yet validated).
fn parse_checked(line_no: u64, line: &str) -> Result<Record, ModelError> {
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
    let record = match kind.as_ref() {
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
        self.append_line(buf)
    }

    /// Appends the next line to `buf` (what `buf` held before stays). Never adds more than
    /// `max_bytes`; on [`Line::TooLong`] and [`Line::Eof`] `buf` is left as it was.
    pub fn append_line(&mut self, buf: &mut Vec<u8>) -> std::io::Result<Line> {
        let start = buf.len();
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
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i, true),
                None => (chunk.len(), false),
            };
            total += take as u64;
            if total as usize <= self.max_bytes {
                buf.extend_from_slice(&chunk[..take]);
            } else {
                buf.truncate(start);
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
        if buf.len() > start && buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if self.line_no == 1 && buf[start..].starts_with(&[0xEF, 0xBB, 0xBF]) {
            buf.drain(start..start + 3);
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

/// The JSON type of a value as messages name it (`an object`, `a string`, ...).
pub fn json_type_name(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &[&str] = &[
        r#"{"type":"run","run_id":"01900000-0000-7000-8000-00000000a001","status":"succeeded","started_at":"2026-11-01T10:00:00Z","parameters":{"a":1}}"#,
        r#"{"type":"event","run_id":"01900000-0000-7000-8000-00000000A001","seq":1,"ts":"2026-11-01T10:00:01Z","kind":"tool_call","input":{"command":"ls"},"tool_kind":"shell","raw":"{\"x\":1}"}"#,
        r#"{"type":"score","run_id":"01900000-0000-7000-8000-00000000a001","grader_kind":"rubric","grader_name":"j","criterion":"c","value":4,"created_at":"2026-11-01T10:03:00Z"}"#,
        r#"{"type":"label","run_id":"01900000-0000-7000-8000-00000000a001","key":"k","value":"3.5","created_at":"2026-11-01T10:03:00Z"}"#,
        r#"{"type":"artifact","run_id":"01900000-0000-7000-8000-00000000a001","path":"a/b.txt","size":3,"created_at":"2026-11-01T10:03:00Z"}"#,
        r#"{"type":"llm_call","call_id":"x","provider":"openai","api":"chat","model":"m","started_at":"2026-11-01T10:03:00Z","status_code":200}"#,
    ];

    fn checked(line_no: u64, line: &str) -> Result<Record, ModelError> {
        let mut record = parse_checked(line_no, line)?;
        record.validate().map_err(|e| e.at_line(line_no))?;
        Ok(record)
    }

    #[test]
    fn fast_and_checked_parses_agree() {
        let mut variants: Vec<String> = Vec::new();
        for line in LINES {
            variants.push(line.to_string());
            // Every cut, and every byte replaced by a few troublemakers.
            for cut in 0..line.len() {
                if line.is_char_boundary(cut) {
                    variants.push(line[..cut].to_string());
                    for with in ["\"", "}", ",", "x", " ", "0", "\\"] {
                        let mut v = line[..cut].to_string();
                        v.push_str(with);
                        v.push_str(&line[(cut + 1).min(line.len())..]);
                        variants.push(v);
                    }
                }
            }
            variants.push(format!("{line} "));
            variants.push(format!("{line}x"));
            variants.push(line.replacen('}', r#","type":"run"}"#, 1));
            variants.push(line.replacen('}', r#","extra":1}"#, 1));
            variants.push(line.replacen(r#""type":""#, r#""type":"nope"#, 1));
        }
        let mut fast = 0;
        for (i, v) in variants.iter().enumerate() {
            let line_no = i as u64 + 1;
            assert_eq!(parse_line(line_no, v), checked(line_no, v), "{v}");
            fast += usize::from(parse_fast(v).is_some());
        }
        assert!(fast >= LINES.len(), "the fast parse answered {fast} times");
    }
}
