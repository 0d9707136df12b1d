//! The message sent back to the agent when evaluation fails and rounds remain.

use crate::checks::CheckResult;
use crate::decision::Decision;
use crate::judge::JudgeVerdict;

/// Upper bound on the feedback message, in characters.
pub const FEEDBACK_MAX_CHARS: usize = 6000;
/// Characters kept of one explanation.
const ITEM_MAX_CHARS: usize = 600;

/// Names each failed check and each failed criterion (with the judge's
/// explanation), says what to do, and stays under [`FEEDBACK_MAX_CHARS`].
/// `rubric` is the judgement and its decision, when the runbook has a rubric
/// and the judge answered.
pub fn feedback(
    checks: &[CheckResult],
    rubric: Option<(&JudgeVerdict, &Decision)>,
    rounds_left: u32,
) -> String {
    let mut parts = vec![format!(
        "Evaluation failed. You have {rounds_left} more round{} to fix it: keep the work that passed, fix each item below in the same workspace, then rerun the final checklist.",
        if rounds_left == 1 { "" } else { "s" }
    )];
    let failed: Vec<&CheckResult> = checks.iter().filter(|c| !c.passed).collect();
    if !failed.is_empty() {
        parts.push("\nFailed checks:".to_owned());
        for c in failed {
            parts.push(format!("- {}: {}", c.name, cut(&c.explanation)));
        }
    }
    if let Some((verdict, decision)) = rubric
        && !decision.passed
    {
        parts.push(format!("\nRubric ({}):", decision.reason));
        let threshold = decision
            .min_average
            .unwrap_or(decision.min_criterion.unwrap_or(0.0));
        for c in &verdict.criteria {
            let below_min = decision.failing.iter().any(|f| f.criterion == c.criterion);
            if below_min || c.score < threshold {
                let tag = if below_min {
                    "below the minimum"
                } else {
                    "to improve"
                };
                parts.push(format!(
                    "- {} scored {}/5 ({tag}): {}",
                    c.criterion,
                    c.score,
                    cut(&c.explanation)
                ));
            }
        }
    }
    parts.push(
        "\nAddress every item above; do not start over unless the work cannot be fixed.".to_owned(),
    );
    bound(&parts.join("\n"), FEEDBACK_MAX_CHARS)
}

fn cut(s: &str) -> String {
    bound(s.trim(), ITEM_MAX_CHARS)
}

fn bound(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let marker = " [... cut]";
    let keep: String = s.chars().take(max.saturating_sub(marker.len())).collect();
    format!("{keep}{marker}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{Agreement, CriterionVerdict};

    fn verdict(scores: &[(&str, f64, &str)]) -> JudgeVerdict {
        JudgeVerdict {
            model: "m".into(),
            name: "rubric-judge".into(),
            prompt_sha256: String::new(),
            inputs_sha256: String::new(),
            criteria: scores
                .iter()
                .map(|(c, s, e)| CriterionVerdict {
                    criterion: (*c).into(),
                    score: *s,
                    explanation: (*e).into(),
                    sample_scores: vec![*s as u8],
                    agreement: Agreement {
                        share: 1.0,
                        spread: 0,
                    },
                })
                .collect(),
            summary: String::new(),
            samples: 1,
            cached_samples: 0,
            requests: 1,
        }
    }

    #[test]
    fn names_failed_checks_and_criteria_with_explanations() {
        let checks = vec![
            CheckResult {
                name: "output:summary.md".into(),
                passed: false,
                explanation: "summary.md is missing".into(),
            },
            CheckResult {
                name: "output:data.csv".into(),
                passed: true,
                explanation: "ok".into(),
            },
        ];
        let v = verdict(&[
            ("Accuracy", 2.0, "the totals in table 2 are wrong"),
            ("Clarity", 5.0, "clear"),
        ]);
        let d = v.decide(None);
        let text = feedback(&checks, Some((&v, &d)), 2);
        assert!(text.contains("2 more rounds"));
        assert!(text.contains("- output:summary.md: summary.md is missing"));
        assert!(!text.contains("output:data.csv"));
        assert!(text.contains(
            "- Accuracy scored 2/5 (below the minimum): the totals in table 2 are wrong"
        ));
        assert!(!text.contains("Clarity scored"));
    }

    #[test]
    fn is_bounded() {
        let checks: Vec<CheckResult> = (0..100)
            .map(|i| CheckResult {
                name: format!("output:f{i}"),
                passed: false,
                explanation: "x".repeat(5000),
            })
            .collect();
        let text = feedback(&checks, None, 1);
        assert!(text.chars().count() <= FEEDBACK_MAX_CHARS);
        assert!(text.contains("1 more round to"));
    }
}
