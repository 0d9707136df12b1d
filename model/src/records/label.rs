//! `"type": "label"`: a human or programmatic annotation, one row of `labels`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, check_collection, finite, not_blank};
use crate::{ModelError, ids};

/// The label a grading records its verdict in: value `passed` or `failed`, `value_num`
/// the final score. The `runs` a query session shows take `passed` and `final_score` from
/// a run's latest verdict label, so a re-grade changes the verdict everywhere while every
/// earlier grading stays in `labels` (ADR 0011).
pub const VERDICT_LABEL: &str = "wharf.verdict";

/// A typed annotation on a run. Labels are append-only; the latest per key wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRecord {
    #[serde(rename = "type", default, skip_serializing)]
    #[doc(hidden)]
    pub type_tag: TypeTag,
    /// Label id; derived from run, key, value, author and time when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_id: Option<String>,
    /// Run id (UUID).
    pub run_id: String,
    /// Collection; when omitted, the run header's (earlier in the input), else the ingest's
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// Label key (non-blank), e.g. `wharf.verdict` or a team's own `arm`.
    pub key: String,
    /// Label value, always text; a number also lands in `value_num`.
    pub value: String,
    /// Numeric value; parsed from `value` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_num: Option<f64>,
    /// Who labelled (a person, or `token:<id>` through the API); None when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Free text about the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the label was made (UTC); of two labels with one key, the later wins.
    pub created_at: DateTime<Utc>,
}

impl LabelRecord {
    /// A label of `run_id` with no id yet (derived on validation), no note.
    pub fn new(
        run_id: impl Into<String>,
        collection: Option<String>,
        key: impl Into<String>,
        value: impl Into<String>,
        author: Option<String>,
        created_at: DateTime<Utc>,
    ) -> LabelRecord {
        LabelRecord {
            type_tag: TypeTag,
            label_id: None,
            run_id: run_id.into(),
            collection,
            key: key.into(),
            value: value.into(),
            value_num: None,
            author,
            note: None,
            created_at,
        }
    }

    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        ids::normalize_uuid_in("run_id", &mut self.run_id)?;
        check_collection(&self.collection)?;
        not_blank("key", &self.key)?;
        finite("value_num", self.value_num, None)?;
        if self.value_num.is_none() {
            self.value_num = self
                .value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite());
        }
        match &self.label_id {
            Some(id) => not_blank("label_id", id)?,
            None => {
                self.label_id = Some(ids::derived_id(&[
                    "label",
                    &self.run_id,
                    &self.key,
                    &self.value,
                    self.author.as_deref().unwrap_or(""),
                    &self.created_at.to_rfc3339(),
                ]))
            }
        }
        Ok(())
    }
}
