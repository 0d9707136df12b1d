//! `"type": "event"`: one normalized trajectory event, one row of `events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, attempt_range, check_collection, finite, non_negative};
use crate::enums::{EventKind, ToolKind, TsSource};
use crate::{ModelError, ids};

/// A message, tool call, tool result, usage report, ... of one attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    #[serde(rename = "type", default, skip_serializing)]
    #[doc(hidden)]
    pub type_tag: TypeTag,
    /// Run id (UUID).
    pub run_id: String,
    /// Attempt (default 1).
    #[serde(default = "super::default_attempt")]
    pub attempt: i32,
    /// Position in the attempt.
    pub seq: i64,
    /// Event time.
    pub ts: DateTime<Utc>,
    /// Who took the time (default `native`).
    #[serde(default = "default_ts_source")]
    pub ts_source: TsSource,
    /// Collection; when omitted, the run header's, else the ingest default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// Event kind.
    pub kind: EventKind,
    /// Message role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Tool name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    /// Enclosing tool call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_call_id: Option<String>,
    /// Tool class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_kind: Option<ToolKind>,
    /// Message or reasoning text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Tool input (any JSON), stored as JSON text in `input_json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// Tool output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_text: Option<String>,
    /// Tool or step status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Shell exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// Model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Input tokens.
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
    /// Cost in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// The native line verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
}

fn default_ts_source() -> TsSource {
    TsSource::Native
}

impl EventRecord {
    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        ids::normalize_uuid_in("run_id", &mut self.run_id)?;
        check_collection(&self.collection)?;
        attempt_range(self.attempt)?;
        non_negative("seq", Some(self.seq))?;
        non_negative("duration_ms", self.duration_ms)?;
        non_negative("input_tokens", self.input_tokens)?;
        non_negative("output_tokens", self.output_tokens)?;
        non_negative("cache_read_tokens", self.cache_read_tokens)?;
        non_negative("cache_write_tokens", self.cache_write_tokens)?;
        finite("cost_usd", self.cost_usd, Some(0.0))?;
        Ok(())
    }

    /// `input` as stored in `input_json`.
    pub fn input_json(&self) -> Option<String> {
        self.input.as_ref().map(|v| v.to_string())
    }
}
