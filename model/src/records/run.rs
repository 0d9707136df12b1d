//! `"type": "run"`: a run header, one row of `runs`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, check_collection, finite, non_negative};
use crate::enums::{CostSource, RunSource, RunStatus};
use crate::{ModelError, ids};

/// One run: its runbook, runtime, model, outcome and totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRecord {
    #[serde(rename = "type", default, skip_serializing)]
    #[doc(hidden)]
    pub type_tag: TypeTag,
    /// Run id (UUID).
    pub run_id: String,
    /// Collection; when omitted, the ingest's default collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// The task the run belongs to; None outside a task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Where the run came from (default `external`).
    #[serde(default = "default_source")]
    pub source: RunSource,
    /// The runbook's title or file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_name: Option<String>,
    /// The runbook's `version:` from its frontmatter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_version: Option<String>,
    /// sha256 of the rendered runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_sha256: Option<String>,
    /// Agent CLI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Agent CLI version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_version: Option<String>,
    /// The model slug the agent was given (e.g. `gpt-5.1-codex`); None when the run names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The name of the provider that served the model (e.g. `openai`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_provider: Option<String>,
    /// The sandbox's root filesystem as requested (`host`, a snapshot alias or a path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// Runbook parameters (a JSON object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// How the run ended: succeeded, failed, error, timeout or cancelled.
    pub status: RunStatus,
    /// Whether the kept attempt passed its evaluation; None when it was not evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// Score of the kept attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_score: Option<f64>,
    /// Number of attempts (default 1).
    #[serde(default = "super::default_attempt")]
    pub attempts: i32,
    /// When the run started (UTC).
    pub started_at: DateTime<Utc>,
    /// When the run ended (UTC); not before `started_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Duration; computed from the two times when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<i64>,
    /// Input tokens of the whole run, cached ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<i64>,
    /// Output tokens of the whole run, reasoning included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<i64>,
    /// Cached input tokens read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<i64>,
    /// Cached input tokens written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<i64>,
    /// Reasoning tokens of the whole run (a subset of `output_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<i64>,
    /// Cost in USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Who computed the cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_source: Option<CostSource>,
    /// Why the run did not succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The run this one was forked or retried from (a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    /// Groups the runs of one workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
}

fn default_source() -> RunSource {
    RunSource::External
}

impl RunRecord {
    /// A run header with nothing known but its id, terminal status and start; source
    /// `external`, one attempt. Callers set what they know.
    pub fn new(run_id: impl Into<String>, status: RunStatus, started_at: DateTime<Utc>) -> Self {
        RunRecord {
            type_tag: TypeTag,
            run_id: run_id.into(),
            collection: None,
            task: None,
            source: RunSource::External,
            runbook_name: None,
            runbook_version: None,
            runbook_sha256: None,
            runtime: None,
            runtime_version: None,
            model: None,
            model_provider: None,
            snapshot: None,
            parameters: None,
            status,
            passed: None,
            final_score: None,
            attempts: 1,
            started_at,
            ended_at: None,
            duration_ms: None,
            input_tokens: None,
            output_tokens: None,
            cache_read_tokens: None,
            cache_write_tokens: None,
            reasoning_tokens: None,
            cost_usd: None,
            cost_source: None,
            error: None,
            parent_run_id: None,
            workflow_id: None,
        }
    }

    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        ids::normalize_uuid_in("run_id", &mut self.run_id)?;
        if let Some(parent) = &self.parent_run_id {
            self.parent_run_id = Some(ids::normalize_uuid("parent_run_id", parent)?);
        }
        check_collection(&self.collection)?;
        if self.attempts < 1 {
            return Err(ModelError::field(
                "attempts",
                format!("must be >= 1, got {}", self.attempts),
            ));
        }
        if let Some(p) = &self.parameters
            && !p.is_object()
        {
            return Err(ModelError::field("parameters", "must be a JSON object"));
        }
        if let Some(end) = self.ended_at {
            if end < self.started_at {
                return Err(ModelError::field("ended_at", "is before started_at"));
            }
            if self.duration_ms.is_none() {
                self.duration_ms = Some((end - self.started_at).num_milliseconds());
            }
        }
        non_negative("duration_ms", self.duration_ms)?;
        non_negative("input_tokens", self.input_tokens)?;
        non_negative("output_tokens", self.output_tokens)?;
        non_negative("cache_read_tokens", self.cache_read_tokens)?;
        non_negative("cache_write_tokens", self.cache_write_tokens)?;
        non_negative("reasoning_tokens", self.reasoning_tokens)?;
        finite("cost_usd", self.cost_usd, Some(0.0))?;
        finite("final_score", self.final_score, None)?;
        Ok(())
    }
}
