//! The pass decision, computed in code from the runbook's rule and the scores;
//! never taken from the judge's own verdict.

use serde::{Deserialize, Serialize};
use wharf_runbook::PassRule;

/// Tolerance for float comparisons (averages of small integers).
const EPS: f64 = 1e-9;

/// A criterion below the rule's minimum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedCriterion {
    /// The criterion's name.
    pub criterion: String,
    /// The score it got.
    pub score: f64,
    /// The minimum it missed.
    pub min: f64,
}

/// Whether the scores pass, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the scores pass the rule.
    pub passed: bool,
    /// Mean score (`None` without scores).
    pub average: Option<f64>,
    /// The rule's minimum average, if it has one.
    pub min_average: Option<f64>,
    /// The rule's per-criterion minimum, if it has one.
    pub min_criterion: Option<f64>,
    /// Criteria below the minimum, in the order given.
    pub failing: Vec<FailedCriterion>,
    /// One sentence saying why.
    pub reason: String,
}

/// Applies `rule` (wharf's default, average >= 4.0 and no criterion below 3,
/// when `None`) to `(criterion, score)` pairs. A bound the rule does not state
/// is not checked. No scores never pass.
pub fn decide(rule: Option<&PassRule>, scores: &[(&str, f64)]) -> Decision {
    let default = PassRule::default_rule();
    let rule = rule.unwrap_or(&default);
    let (min_average, min_criterion) = (rule.min_average, rule.min_criterion);
    if scores.is_empty() {
        return Decision {
            passed: false,
            average: None,
            min_average,
            min_criterion,
            failing: Vec::new(),
            reason: "no criterion was scored".to_owned(),
        };
    }
    let average = scores.iter().map(|(_, s)| s).sum::<f64>() / scores.len() as f64;
    let failing: Vec<FailedCriterion> = match min_criterion {
        Some(min) => scores
            .iter()
            .filter(|(_, s)| *s < min - EPS)
            .map(|(c, s)| FailedCriterion {
                criterion: (*c).to_owned(),
                score: *s,
                min,
            })
            .collect(),
        None => Vec::new(),
    };
    let average_ok = min_average.is_none_or(|m| average >= m - EPS);
    let passed = average_ok && failing.is_empty();
    let mut reasons = Vec::new();
    if let Some(m) = min_average {
        let cmp = if average_ok { ">=" } else { "<" };
        reasons.push(format!("average {average:.2} {cmp} {m}"));
    }
    match (min_criterion, failing.is_empty()) {
        (Some(m), true) => reasons.push(format!("no criterion below {m}")),
        (Some(m), false) => reasons.push(format!(
            "below {m}: {}",
            failing
                .iter()
                .map(|f| format!("{} ({})", f.criterion, f.score))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        (None, _) => {}
    }
    let verdict = if passed { "passed" } else { "failed" };
    Decision {
        passed,
        average: Some(average),
        min_average,
        min_criterion,
        failing,
        reason: format!("{verdict}: {}", reasons.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rule_needs_average_four_and_nothing_below_three() {
        let d = decide(None, &[("a", 4.0), ("b", 4.0), ("c", 4.0)]);
        assert!(d.passed, "{}", d.reason);
        assert_eq!(d.average, Some(4.0));
        // Average 4.33 but one criterion at 2: fails on the criterion.
        let d = decide(None, &[("a", 5.0), ("b", 5.0), ("c", 5.0), ("d", 2.0)]);
        assert!(!d.passed);
        assert_eq!(
            d.failing,
            vec![FailedCriterion {
                criterion: "d".into(),
                score: 2.0,
                min: 3.0
            }]
        );
        assert_eq!(d.reason, "failed: average 4.25 >= 4; below 3: d (2)");
        // Nothing below 3 but the average is 3.67.
        let d = decide(None, &[("a", 3.0), ("b", 4.0), ("c", 4.0)]);
        assert!(!d.passed);
        assert!(d.failing.is_empty());
        assert_eq!(d.reason, "failed: average 3.67 < 4; no criterion below 3");
    }

    #[test]
    fn runbook_rules_apply_and_unstated_bounds_are_skipped() {
        let rule = PassRule {
            min_average: Some(3.5),
            min_criterion: None,
            ..PassRule::default_rule()
        };
        assert!(decide(Some(&rule), &[("a", 5.0), ("b", 2.0)]).passed);
        let strict = PassRule {
            min_average: None,
            min_criterion: Some(4.0),
            ..PassRule::default_rule()
        };
        assert!(!decide(Some(&strict), &[("a", 5.0), ("b", 3.0)]).passed);
    }

    #[test]
    fn no_scores_never_pass() {
        assert!(!decide(None, &[]).passed);
    }
}
