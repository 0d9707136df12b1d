//! `"type": "score"`: one criterion's result, one row of `scores`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, attempt_range, check_collection, finite, not_blank};
use crate::enums::GraderKind;
use crate::{ModelError, ids};

/// A grader's verdict on one criterion of one attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRecord {
    #[serde(rename = "type", default, skip_serializing)]
    #[doc(hidden)]
    pub type_tag: TypeTag,
    /// Score id; derived from run, attempt, grader, criterion and time when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_id: Option<String>,
    /// Run id (UUID).
    pub run_id: String,
    /// Attempt (default 1).
    #[serde(default = "super::default_attempt")]
    pub attempt: i32,
    /// Collection; when omitted, the run header's (earlier in the input), else the ingest's
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    /// Which kind of grader: programmatic, rubric, human or external.
    pub grader_kind: GraderKind,
    /// The grader's name (`checks` for programmatic checks, ...).
    pub grader_name: String,
    /// The judge model's slug, for rubric scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grader_model: Option<String>,
    /// sha256 of the judge prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grader_prompt_sha256: Option<String>,
    /// The criterion or check scored (`overall` for a rubric's pass decision).
    pub criterion: String,
    /// Score value; absent = unscored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Categorical result (`pass`/`fail` from wharf's graders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Best possible value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_value: Option<f64>,
    /// Whether the criterion passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// The grader's reasons, in its own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// Why it could not be scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the grading happened (UTC).
    pub created_at: DateTime<Utc>,
}

impl ScoreRecord {
    /// An unscored row for one criterion of attempt 1: no value, label, verdict or
    /// explanation; `score_id` is derived by `validate`. Callers set what they know.
    pub fn new(
        run_id: impl Into<String>,
        grader_kind: GraderKind,
        grader_name: impl Into<String>,
        criterion: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> Self {
        ScoreRecord {
            type_tag: TypeTag,
            score_id: None,
            run_id: run_id.into(),
            attempt: 1,
            collection: None,
            grader_kind,
            grader_name: grader_name.into(),
            grader_model: None,
            grader_prompt_sha256: None,
            criterion: criterion.into(),
            value: None,
            label: None,
            max_value: None,
            passed: None,
            explanation: None,
            error: None,
            created_at,
        }
    }

    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        ids::normalize_uuid_in("run_id", &mut self.run_id)?;
        check_collection(&self.collection)?;
        attempt_range(self.attempt)?;
        not_blank("grader_name", &self.grader_name)?;
        not_blank("criterion", &self.criterion)?;
        finite("value", self.value, None)?;
        finite("max_value", self.max_value, None)?;
        match &self.score_id {
            Some(id) => not_blank("score_id", id)?,
            None => {
                self.score_id = Some(ids::derived_id(&[
                    "score",
                    &self.run_id,
                    &self.attempt.to_string(),
                    self.grader_kind.as_str(),
                    &self.grader_name,
                    &self.criterion,
                    &self.created_at.to_rfc3339(),
                ]))
            }
        }
        Ok(())
    }
}
