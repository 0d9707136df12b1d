//! Turning check results and judgements into `scores` rows. Rows leave
//! `score_id` empty: `Record::validate` derives it when they are stored.

use chrono::{DateTime, Utc};
use wharf_model::{GraderKind, ScoreRecord};

use crate::answer::MAX_SCORE;
use crate::checks::CheckResult;
use crate::decision::Decision;
use crate::error::GraderError;
use crate::judge::{JudgeConfig, JudgeVerdict};

/// `grader_name` of programmatic check rows.
pub const CHECKS_GRADER_NAME: &str = "checks";
/// Criterion of the row carrying the rubric's pass decision.
pub const OVERALL_CRITERION: &str = "overall";

/// Which attempt of which run the rows are for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreContext {
    /// Run id (UUID).
    pub run_id: String,
    /// Attempt (round), from 1.
    pub attempt: i32,
    /// The collection the rows go under; None leaves it to the ingest's default.
    pub collection: Option<String>,
    /// Grading time (the domain assigns it).
    pub created_at: DateTime<Utc>,
}

impl ScoreContext {
    fn row(&self, kind: GraderKind, name: &str, criterion: &str) -> ScoreRecord {
        ScoreRecord {
            attempt: self.attempt,
            collection: self.collection.clone(),
            ..ScoreRecord::new(self.run_id.clone(), kind, name, criterion, self.created_at)
        }
    }
}

/// One programmatic row per check: value 1 or 0 of 1, label `pass`/`fail`.
pub fn check_scores(ctx: &ScoreContext, checks: &[CheckResult]) -> Vec<ScoreRecord> {
    checks
        .iter()
        .map(|c| ScoreRecord {
            value: Some(if c.passed { 1.0 } else { 0.0 }),
            max_value: Some(1.0),
            label: Some(pass_label(c.passed).to_owned()),
            passed: Some(c.passed),
            explanation: Some(c.explanation.clone()),
            ..ctx.row(GraderKind::Programmatic, CHECKS_GRADER_NAME, &c.name)
        })
        .collect()
}

/// One rubric row per criterion (score of 5; `passed` = not below the rule's
/// minimum) plus an `overall` row with the average and the decision.
pub fn judge_scores(
    ctx: &ScoreContext,
    verdict: &JudgeVerdict,
    decision: &Decision,
) -> Vec<ScoreRecord> {
    let base = |criterion: &str| ScoreRecord {
        grader_model: Some(verdict.model.clone()),
        grader_prompt_sha256: Some(verdict.prompt_sha256.clone()),
        max_value: Some(f64::from(MAX_SCORE)),
        ..ctx.row(GraderKind::Rubric, &verdict.name, criterion)
    };
    let mut rows: Vec<ScoreRecord> = verdict
        .criteria
        .iter()
        .map(|c| {
            let passed = !decision.failing.iter().any(|f| f.criterion == c.criterion);
            let mut explanation = c.explanation.clone();
            if c.sample_scores.len() > 1 {
                explanation.push_str(&format!(
                    " [median of {} samples {:?}; agreement {:.2}, spread {}]",
                    c.sample_scores.len(),
                    c.sample_scores,
                    c.agreement.share,
                    c.agreement.spread
                ));
            }
            ScoreRecord {
                value: Some(c.score),
                passed: Some(passed),
                explanation: Some(explanation),
                ..base(&c.criterion)
            }
        })
        .collect();
    let mut overall = decision.reason.clone();
    if !verdict.summary.is_empty() {
        overall.push_str(". ");
        overall.push_str(&verdict.summary);
    }
    rows.push(ScoreRecord {
        value: decision.average,
        label: Some(pass_label(decision.passed).to_owned()),
        passed: Some(decision.passed),
        explanation: Some(overall),
        ..base(OVERALL_CRITERION)
    });
    rows
}

/// When the judge failed: one row per criterion and an `overall` row, each
/// with `error` set and no value (unscored, never a 0).
pub fn judge_error_scores(
    ctx: &ScoreContext,
    config: &JudgeConfig,
    criteria: &[String],
    error: &GraderError,
) -> Vec<ScoreRecord> {
    let message = format!("{} error: {error}", error.name());
    criteria
        .iter()
        .map(String::as_str)
        .chain(std::iter::once(OVERALL_CRITERION))
        .map(|criterion| ScoreRecord {
            grader_model: Some(config.model.clone()),
            grader_prompt_sha256: Some(crate::prompt::prompt_sha256()),
            max_value: Some(f64::from(MAX_SCORE)),
            error: Some(message.clone()),
            ..ctx.row(GraderKind::Rubric, &config.name, criterion)
        })
        .collect()
}

fn pass_label(passed: bool) -> &'static str {
    if passed { "pass" } else { "fail" }
}
