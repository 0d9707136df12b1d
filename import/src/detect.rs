//! Telling formats apart, and the one entry point that imports any of them.
//!
//! Detection reads the content, not the name (Harbor and Jetty both call their files
//! `trajectory.json`): the first line of JSONL inputs (`"type"` values and keys of each
//! transcript kind), the top-level keys of JSON documents (`schema_version: "ATIF-v1.x"`,
//! `resourceSpans`, `trajectory_id` / `trajectories`), and for binary input whether it
//! decodes as an OTLP trace request with spans.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Map, Value};
use wharf_model::RECORD_TYPES;

use crate::{
    ImportError, ImportOptions, Imported, atif, check_size, claude_code, codex, jetty, otlp,
};

/// A trajectory format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// wharf's own JSONL (`"type": "run" | "event" | ...`): ingest it as it is.
    Native,
    /// ATIF v1.x (Harbor / terminal-bench `trajectory.json`).
    Atif,
    /// OTLP/JSON trace export.
    OtlpJson,
    /// OTLP/protobuf trace export (`ExportTraceServiceRequest`).
    OtlpProtobuf,
    /// Jetty run summary or trajectory.
    Jetty,
    /// claude-code transcript or `claude -p` stream.
    ClaudeCode,
    /// codex rollout or `codex exec --json` stream.
    Codex,
    /// None of the above; importing it fails with [`ImportError::Unknown`].
    Unknown,
}

impl Format {
    /// The formats [`import`] accepts.
    pub const IMPORTABLE: &'static [Format] = &[
        Format::Atif,
        Format::OtlpJson,
        Format::OtlpProtobuf,
        Format::Jetty,
        Format::ClaudeCode,
        Format::Codex,
    ];

    /// The name used in messages and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Atif => atif::FORMAT,
            Format::OtlpJson => otlp::JSON_FORMAT,
            Format::OtlpProtobuf => otlp::PROTO_FORMAT,
            Format::Jetty => jetty::FORMAT,
            Format::ClaudeCode => claude_code::FORMAT,
            Format::Codex => codex::FORMAT,
            Format::Unknown => "unknown",
        }
    }

    fn expected() -> String {
        Format::IMPORTABLE
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::IMPORTABLE
            .iter()
            .chain([Format::Native].iter())
            .find(|f| f.name() == s)
            .copied()
            .ok_or_else(|| {
                format!(
                    "unknown format `{s}`, expected one of: {}",
                    Format::expected()
                )
            })
    }
}

/// Imports `bytes` as `format`: one [`Imported`] per run in the input.
pub fn import(
    format: Format,
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<Vec<Imported>, ImportError> {
    check_size(bytes)?;
    match format {
        Format::Atif => atif::import(bytes, opts),
        Format::OtlpJson => otlp::import_json(bytes, opts),
        Format::OtlpProtobuf => otlp::import_protobuf(bytes, opts),
        Format::Jetty => jetty::import(bytes, opts),
        Format::ClaudeCode => claude_code::import(bytes, opts),
        Format::Codex => codex::import(bytes, opts),
        Format::Native => crate::native::import(bytes, opts),
        Format::Unknown => Err(ImportError::Unknown {
            name: "input".to_owned(),
            expected: Format::expected(),
        }),
    }
}

/// The format of an input; `name` (a file name, or `-`) is only a tie-breaker.
pub fn detect(name: &str, bytes: &[u8]) -> Format {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    match start.and_then(|i| text.get(i..)) {
        Some(body @ [b'{' | b'[', ..]) => json(name, body),
        // Protobuf starts with a field tag, often 0x0a (a newline): use the bytes as given.
        _ => protobuf(bytes),
    }
}

fn json(name: &str, body: &[u8]) -> Format {
    // JSONL (the first line is a whole object): the first lines that say what they are.
    let mut lines = body.split(|b| *b == b'\n');
    let first = lines.next().unwrap_or_default();
    if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(first) {
        let rest = lines
            .take(7)
            .filter_map(|line| match serde_json::from_slice(line) {
                Ok(Value::Object(obj)) => Some(obj),
                _ => None,
            });
        for obj in std::iter::once(obj).chain(rest) {
            let by_line = line_format(&obj);
            if by_line != Format::Unknown {
                return by_line;
            }
        }
    }
    if let Ok(top) = serde_json::from_slice::<Top<'_>>(body) {
        return top.format();
    }
    if let Ok(items) = serde_json::from_slice::<Vec<Top<'_>>>(body)
        && items.first().is_some_and(|t| t.trajectory_id.is_some())
    {
        return Format::Jetty;
    }
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if base.starts_with("rollout-") && base.ends_with(".jsonl") {
        return Format::Codex;
    }
    Format::Unknown
}

/// The format a JSONL input's first line shows.
fn line_format(obj: &Map<String, Value>) -> Format {
    let kind = obj.get("type").and_then(Value::as_str);
    if let Some(kind) = kind {
        if RECORD_TYPES.contains(&kind) {
            return Format::Native;
        }
        if matches!(
            kind,
            "session_meta" | "response_item" | "event_msg" | "turn_context" | "compacted"
        ) || ["thread.", "turn.", "item."]
            .iter()
            .any(|p| kind.starts_with(p))
        {
            return Format::Codex;
        }
        if matches!(
            kind,
            "summary" | "file-history-snapshot" | "queue-operation"
        ) {
            return Format::ClaudeCode;
        }
        let claude_kind = matches!(kind, "user" | "assistant");
        let claude_keys = ["sessionId", "parentUuid", "uuid", "session_id", "leafUuid"]
            .iter()
            .any(|k| obj.contains_key(*k));
        if (claude_kind && claude_keys) || kind == "result" || (kind == "system" && claude_keys) {
            return Format::ClaudeCode;
        }
    }
    if kind.is_none()
        && obj.contains_key("id")
        && obj.contains_key("timestamp")
        && obj.contains_key("instructions")
    {
        return Format::Codex;
    }
    Format::Unknown
}

/// The top-level keys that tell JSON documents apart; values are skipped, not built.
#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    schema_version: Option<Cow<'a, str>>,
    #[serde(rename = "resourceSpans", default)]
    resource_spans_camel: Option<IgnoredAny>,
    #[serde(default)]
    resource_spans: Option<IgnoredAny>,
    #[serde(default)]
    trajectory_id: Option<IgnoredAny>,
    #[serde(default)]
    trajectories: Option<IgnoredAny>,
}

impl Top<'_> {
    fn format(&self) -> Format {
        if self
            .schema_version
            .as_deref()
            .is_some_and(|v| v.starts_with("ATIF-"))
        {
            Format::Atif
        } else if self.resource_spans_camel.is_some() || self.resource_spans.is_some() {
            Format::OtlpJson
        } else if self.trajectory_id.is_some() || self.trajectories.is_some() {
            Format::Jetty
        } else {
            Format::Unknown
        }
    }
}

fn protobuf(body: &[u8]) -> Format {
    let Ok(request) = <otlp::proto::ExportTraceServiceRequest as prost::Message>::decode(body)
    else {
        return Format::Unknown;
    };
    let has_span = request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .any(|s| s.trace_id.len() == 16 && s.span_id.len() == 8);
    if has_span {
        Format::OtlpProtobuf
    } else {
        Format::Unknown
    }
}
