//! [`AgentEvent`]: one normalized event as a parser sees it, before it has a run identity.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wharf_model::{EventKind, EventRecord, ToolKind, TsSource, TypeTag};

/// One normalized trajectory event without run identity (run, attempt, seq, collection).
///
/// Conventions shared by every parser:
/// - `raw` holds the native line verbatim on the first event a line produced (the other
///   events of the same line leave it `None`, so a long line is stored once).
/// - Token counts are only set on `usage` events, and `usage` events are additive: their sum
///   is the attempt's usage. `input_tokens` counts every input token, cached ones included;
///   `cache_read_tokens` / `cache_write_tokens` are the cached subsets.
/// - Tool results carry `status` `ok` or `error` when the native stream says which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentEvent {
    /// Event kind.
    pub kind: EventKind,
    /// Message role (`user`, `assistant`, `tool`, `system`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Tool name (tool calls and results), or a subtype for status events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// Enclosing tool call (sub-agents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_call_id: Option<String>,
    /// Tool class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<ToolKind>,
    /// Message, reasoning or log text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Tool input, or structured details (session ids) for session and status events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// Tool output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_text: Option<String>,
    /// Tool, step or session status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Shell exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Duration in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Input tokens, cached ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<i64>,
    /// Output tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<i64>,
    /// Cached input tokens read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<i64>,
    /// Cached input tokens written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<i64>,
    /// Cost in USD as the runtime reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The native timestamp, when the stream has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<DateTime<Utc>>,
    /// The native line verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

impl AgentEvent {
    /// An empty event of this kind.
    pub fn new(kind: EventKind) -> Self {
        Self {
            kind,
            role: None,
            name: None,
            call_id: None,
            parent_call_id: None,
            tool_kind: None,
            text: None,
            input: None,
            output_text: None,
            status: None,
            exit_code: None,
            duration_ms: None,
            model: None,
            input_tokens: None,
            output_tokens: None,
            cache_read_tokens: None,
            cache_write_tokens: None,
            cost_usd: None,
            ts: None,
            raw: None,
        }
    }

    /// A `log` event for a line nobody understood: the line is both text and raw.
    pub fn log(line: &str) -> Self {
        Self {
            text: Some(line.to_owned()),
            raw: Some(line.to_owned()),
            ..Self::new(EventKind::Log)
        }
    }

    /// Gives the event its run identity. `ts_source` is `native` when the stream had a
    /// timestamp, else the event takes `observed_ts` (when the engine read the line).
    pub fn into_record(
        self,
        run_id: impl Into<String>,
        attempt: i32,
        seq: i64,
        observed_ts: DateTime<Utc>,
        collection: Option<String>,
    ) -> EventRecord {
        let (ts, ts_source) = match self.ts {
            Some(ts) => (ts, TsSource::Native),
            None => (observed_ts, TsSource::Observed),
        };
        EventRecord {
            type_tag: TypeTag,
            run_id: run_id.into(),
            attempt,
            seq,
            ts,
            ts_source,
            collection,
            kind: self.kind,
            role: self.role,
            name: self.name,
            call_id: self.call_id,
            parent_call_id: self.parent_call_id,
            tool_kind: self.tool_kind,
            text: self.text,
            input: self.input,
            output_text: self.output_text,
            status: self.status,
            exit_code: self.exit_code,
            duration_ms: self.duration_ms,
            model: self.model,
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cache_read_tokens: self.cache_read_tokens,
            cache_write_tokens: self.cache_write_tokens,
            cost_usd: self.cost_usd,
            raw: self.raw,
        }
    }
}
