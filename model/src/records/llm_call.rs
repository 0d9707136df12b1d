//! `"type": "llm_call"`: one model call, one row of `llm_calls`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, check_collection, finite, non_negative, not_blank};
use crate::enums::LlmApi;
use crate::{ModelError, ids};

/// A model call with its usage, latency and status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmCallRecord {
    #[serde(rename = "type", default, skip_serializing)]
    #[doc(hidden)]
    pub type_tag: TypeTag,
    /// The call's id, non-blank (the gateway assigns a UUIDv7).
    pub call_id: String,
    /// Run the call served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Collection; when omitted, the run header's (earlier in the input), else the ingest's
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// The provider's name; for gateway calls as configured (by default its kind, e.g. `openai`).
    pub provider: String,
    /// Wire API.
    pub api: LlmApi,
    /// The model slug the request named (e.g. `gpt-5.1-codex`).
    pub model: String,
    /// When the request was sent (UTC).
    pub started_at: DateTime<Utc>,
    /// Total latency of the call in milliseconds, the full response included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<i64>,
    /// Time to first token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<i64>,
    /// HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    /// Input tokens, cached ones included; None when the provider reported no usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<i64>,
    /// Output tokens, reasoning included; None when the provider reported no usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<i64>,
    /// Cached input tokens read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<i64>,
    /// Cached input tokens written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<i64>,
    /// Reasoning tokens (a subset of `output_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<i64>,
    /// Cost in USD; None when unknown (the gateway has no price for the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Whether the response was streamed (SSE); false when omitted.
    #[serde(default)]
    pub streamed: bool,
    /// Why the call failed, as text; None when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl LlmCallRecord {
    /// A call with nothing known but its identity and start: no run, usage, latency,
    /// status or cost. Callers set what they know.
    pub fn new(
        call_id: impl Into<String>,
        provider: impl Into<String>,
        api: LlmApi,
        model: impl Into<String>,
        started_at: DateTime<Utc>,
    ) -> Self {
        LlmCallRecord {
            type_tag: TypeTag,
            call_id: call_id.into(),
            run_id: None,
            collection: None,
            provider: provider.into(),
            api,
            model: model.into(),
            started_at,
            latency_ms: None,
            ttft_ms: None,
            status_code: None,
            input_tokens: None,
            output_tokens: None,
            cache_read_tokens: None,
            cache_write_tokens: None,
            reasoning_tokens: None,
            cost_usd: None,
            streamed: false,
            error: None,
        }
    }

    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        not_blank("call_id", &self.call_id)?;
        if let Some(run) = &self.run_id {
            self.run_id = Some(ids::normalize_uuid("run_id", run)?);
        }
        check_collection(&self.collection)?;
        not_blank("provider", &self.provider)?;
        not_blank("model", &self.model)?;
        non_negative("latency_ms", self.latency_ms)?;
        non_negative("ttft_ms", self.ttft_ms)?;
        non_negative("input_tokens", self.input_tokens)?;
        non_negative("output_tokens", self.output_tokens)?;
        non_negative("cache_read_tokens", self.cache_read_tokens)?;
        non_negative("cache_write_tokens", self.cache_write_tokens)?;
        non_negative("reasoning_tokens", self.reasoning_tokens)?;
        finite("cost_usd", self.cost_usd, Some(0.0))?;
        if let Some(code) = self.status_code
            && !(100..=599).contains(&code)
        {
            return Err(ModelError::field(
                "status_code",
                format!("{code} is not an HTTP status"),
            ));
        }
        Ok(())
    }
}
