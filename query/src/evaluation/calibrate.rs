//! How well the judge agrees with people: for runs that have both a judge score and a
//! human label on the same criterion, accuracy, Cohen's kappa, mean absolute error and
//! the confusion matrix per criterion.
//!
//! Human labels are matched by key: a label whose key is a criterion's name (any case)
//! with a numeric value is a score for that criterion; a `passed` label (`true`/`false`,
//! `pass`/`fail`, `1`/`0`) is compared with the judge's overall decision. Labels written
//! by wharf itself (author `wharf`) are not human and are ignored.

use std::collections::BTreeMap;

use serde::Serialize;
use wharf_stats::{Calibration, calibrate as agreement};

use super::rows::{f64_of, json_rows, str_of};
use super::selection::Selection;
use crate::{QueryError, Session};

/// Pairs read at most.
const MAX_PAIRS: usize = 1_000_000;

/// One criterion's agreement.
#[derive(Debug, Clone, Serialize)]
pub struct CriterionCalibration {
    /// Criterion (`overall` for the pass decision).
    pub criterion: String,
    /// Accuracy, kappa and confusion (rows: judge, columns: human).
    #[serde(flatten)]
    pub agreement: Calibration,
    /// Mean |judge − human|.
    pub mean_absolute_error: f64,
    /// Share of pairs within one point.
    pub within_one: f64,
}

/// How well the judge agrees with human labels on the selected runs.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    /// The runs considered.
    pub selection: String,
    /// Runs with at least one pair.
    pub runs: usize,
    /// One entry per criterion with at least one (judge, human) pair.
    pub criteria: Vec<CriterionCalibration>,
}

/// Calibrates the rubric judge against human labels on the runs `selection` picks
/// (all runs when `None`).
pub async fn calibrate(
    session: &Session,
    selection: Option<&Selection>,
) -> Result<CalibrationReport, QueryError> {
    let cond = match selection {
        Some(s) => s.condition()?,
        None => "true".to_owned(),
    };
    let sql = format!(
        "SELECT s.run_id, s.criterion, s.value AS judge, l.value_num AS human \
         FROM kept_scores s \
         JOIN latest_labels l ON l.run_id = s.run_id AND lower(l.key) = lower(s.criterion) \
         WHERE s.grader_kind = 'rubric' AND s.criterion <> 'overall' AND s.value IS NOT NULL \
           AND l.value_num IS NOT NULL AND coalesce(l.author, '') <> 'wharf' \
           AND s.run_id IN (SELECT r.run_id FROM runs r WHERE {cond}) \
         UNION ALL \
         SELECT s.run_id, 'overall' AS criterion, \
                CASE WHEN s.passed THEN 1.0 ELSE 0.0 END AS judge, \
                CASE WHEN lower(trim(l.value)) IN ('true', 'pass', 'passed', 'yes', '1') THEN 1.0 \
                     WHEN lower(trim(l.value)) IN ('false', 'fail', 'failed', 'no', '0') THEN 0.0 END AS human \
         FROM kept_scores s \
         JOIN latest_labels l ON l.run_id = s.run_id AND lower(l.key) = 'passed' \
         WHERE s.grader_kind = 'rubric' AND s.criterion = 'overall' AND s.passed IS NOT NULL \
           AND coalesce(l.author, '') <> 'wharf' \
           AND s.run_id IN (SELECT r.run_id FROM runs r WHERE {cond})"
    );
    let rows = json_rows(session, &sql, MAX_PAIRS).await?;
    let mut pairs: Vec<(String, i64, i64)> = Vec::new();
    let mut runs = std::collections::BTreeSet::new();
    for r in &rows {
        let (Some(run), Some(c), Some(j), Some(h)) = (
            str_of(r, "run_id"),
            str_of(r, "criterion"),
            f64_of(r, "judge"),
            f64_of(r, "human"),
        ) else {
            continue;
        };
        runs.insert(run.to_owned());
        pairs.push((c.to_owned(), j.round() as i64, h.round() as i64));
    }
    let mut errors: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (c, j, h) in &pairs {
        errors.entry(c.as_str()).or_default().push((j - h).abs());
    }
    let criteria = agreement(&pairs)
        .into_iter()
        .map(|(criterion, agreement)| {
            let e = errors.get(criterion.as_str()).cloned().unwrap_or_default();
            let n = e.len().max(1) as f64;
            CriterionCalibration {
                mean_absolute_error: e.iter().sum::<i64>() as f64 / n,
                within_one: e.iter().filter(|d| **d <= 1).count() as f64 / n,
                criterion,
                agreement,
            }
        })
        .collect();
    Ok(CalibrationReport {
        selection: selection.map_or_else(|| "all runs".to_owned(), Selection::describe),
        runs: runs.len(),
        criteria,
    })
}
