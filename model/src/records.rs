//! The six record types of the native trajectory format, one per table.
//!
//! Each record deserializes strictly (unknown fields are errors), then
//! [`Record::validate`] checks values serde cannot (UUIDs, ranges, names) and fills
//! derived fields (ids, `value_num`, `duration_ms`).

mod artifact;
mod event;
mod event_fields;
mod label;
mod llm_call;
mod run;
mod score;

pub use artifact::ArtifactRecord;
pub use event::EventRecord;
pub use label::{LabelRecord, VERDICT_LABEL};
pub use llm_call::LlmCallRecord;
pub use run::RunRecord;
pub use score::ScoreRecord;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::{ModelError, Table};

/// One line of the native trajectory format.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A run header (`"type": "run"`).
    Run(RunRecord),
    /// A trajectory event (`"type": "event"`).
    Event(EventRecord),
    /// A score (`"type": "score"`).
    Score(ScoreRecord),
    /// A label (`"type": "label"`).
    Label(LabelRecord),
    /// An artifact record (`"type": "artifact"`).
    Artifact(ArtifactRecord),
    /// An LLM call (`"type": "llm_call"`).
    LlmCall(LlmCallRecord),
}

/// The accepted values of the `type` field.
pub const RECORD_TYPES: &[&str] = &["run", "event", "score", "label", "artifact", "llm_call"];

impl Record {
    /// Table the record is stored in.
    pub fn table(&self) -> Table {
        match self {
            Record::Run(_) => Table::Runs,
            Record::Event(_) => Table::Events,
            Record::Score(_) => Table::Scores,
            Record::Label(_) => Table::Labels,
            Record::Artifact(_) => Table::Artifacts,
            Record::LlmCall(_) => Table::LlmCalls,
        }
    }

    /// Checks values and fills derived fields. Errors name the field.
    pub fn validate(&mut self) -> Result<(), ModelError> {
        match self {
            Record::Run(r) => r.validate(),
            Record::Event(r) => r.validate(),
            Record::Score(r) => r.validate(),
            Record::Label(r) => r.validate(),
            Record::Artifact(r) => r.validate(),
            Record::LlmCall(r) => r.validate(),
        }
    }

    /// The run this record belongs to, when it has one.
    pub fn run_id(&self) -> Option<&str> {
        match self {
            Record::Run(r) => Some(&r.run_id),
            Record::Event(r) => Some(&r.run_id),
            Record::Score(r) => Some(&r.run_id),
            Record::Label(r) => Some(&r.run_id),
            Record::Artifact(r) => Some(&r.run_id),
            Record::LlmCall(r) => r.run_id.as_deref(),
        }
    }

    /// The collection given on the record itself.
    pub fn collection(&self) -> Option<&str> {
        self.collection_slot().as_deref()
    }

    /// Sets the collection when the record did not name one.
    pub fn fill_collection(&mut self, collection: &str) {
        let slot = self.collection_slot_mut();
        if slot.is_none() {
            *slot = Some(collection.to_string());
        }
    }

    /// The timestamp whose UTC date is the record's `date` partition value.
    pub fn partition_ts(&self) -> DateTime<Utc> {
        match self {
            Record::Run(r) => r.started_at,
            Record::Event(r) => r.ts,
            Record::Score(r) => r.created_at,
            Record::Label(r) => r.created_at,
            Record::Artifact(r) => r.created_at,
            Record::LlmCall(r) => r.started_at,
        }
    }

    /// The `date` partition value.
    pub fn date(&self) -> NaiveDate {
        date_of(&self.partition_ts())
    }

    fn collection_slot(&self) -> &Option<String> {
        match self {
            Record::Run(r) => &r.collection,
            Record::Event(r) => &r.collection,
            Record::Score(r) => &r.collection,
            Record::Label(r) => &r.collection,
            Record::Artifact(r) => &r.collection,
            Record::LlmCall(r) => &r.collection,
        }
    }

    fn collection_slot_mut(&mut self) -> &mut Option<String> {
        match self {
            Record::Run(r) => &mut r.collection,
            Record::Event(r) => &mut r.collection,
            Record::Score(r) => &mut r.collection,
            Record::Label(r) => &mut r.collection,
            Record::Artifact(r) => &mut r.collection,
            Record::LlmCall(r) => &mut r.collection,
        }
    }
}

/// Accepts the `type` key inside a record body; the record type was already chosen by it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TypeTag;

impl<'de> Deserialize<'de> for TypeTag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| TypeTag)
    }
}

/// UTC date of a timestamp, the `date` partition value.
pub fn date_of(ts: &DateTime<Utc>) -> NaiveDate {
    ts.date_naive()
}

pub(crate) fn check_collection(collection: &Option<String>) -> Result<(), ModelError> {
    match collection {
        Some(c) => crate::ids::validate_collection("collection", c),
        None => Ok(()),
    }
}

pub(crate) fn non_negative(field: &str, value: Option<i64>) -> Result<(), ModelError> {
    match value {
        Some(v) if v < 0 => Err(ModelError::field(field, format!("must be >= 0, got {v}"))),
        _ => Ok(()),
    }
}

pub(crate) fn finite(field: &str, value: Option<f64>, min: Option<f64>) -> Result<(), ModelError> {
    match value {
        Some(v) if !v.is_finite() => Err(ModelError::field(field, "must be a finite number")),
        Some(v) if min.is_some_and(|m| v < m) => Err(ModelError::field(
            field,
            format!("must be >= {}, got {v}", min.unwrap_or_default()),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn attempt_range(attempt: i32) -> Result<(), ModelError> {
    if attempt < 1 {
        return Err(ModelError::field(
            "attempt",
            format!("must be >= 1, got {attempt}"),
        ));
    }
    Ok(())
}

pub(crate) fn not_blank(field: &str, value: &str) -> Result<(), ModelError> {
    if value.trim().is_empty() {
        return Err(ModelError::field(field, "must not be empty"));
    }
    Ok(())
}

pub(crate) fn default_attempt() -> i32 {
    1
}
