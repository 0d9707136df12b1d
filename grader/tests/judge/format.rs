//! Valid answers, malformed answers (retried, then an error), and verdicts the
//! code does not take from the judge.

use chrono::Utc;
use serde_json::json;
use wharf_grader::{
    GraderError, OVERALL_CRITERION, ScoreContext, judge_error_scores, judge_scores,
};
use wharf_model::GraderKind;

use crate::support::*;

fn ctx() -> ScoreContext {
    ScoreContext {
        run_id: "0190f2a4-1c2b-7d3e-8f40-123456789abc".into(),
        attempt: 1,
        collection: Some("demo".into()),
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_passing_judgement() {
    let srv = server(vec![text(&good())]);
    let verdict = judge(&srv).judge(&input()).await.unwrap();
    assert_eq!(verdict.scores(), vec![("Accuracy", 5.0), ("Clarity", 4.0)]);
    assert_eq!(verdict.summary, "summary text");
    assert_eq!(verdict.requests, 1);
    let decision = verdict.decide(None);
    assert!(decision.passed, "{}", decision.reason);
    assert_eq!(decision.average, Some(4.5));

    let reqs = chat_requests(&srv);
    assert_eq!(reqs.len(), 1);
    let body = &reqs[0].body;
    assert_eq!(reqs[0].header("authorization"), Some("Bearer sk-judge"));
    assert_eq!(body["model"], "judge-model");
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["required"],
        json!(["criteria", "summary"])
    );
    let user = message(&reqs[0], 1);
    assert!(user.contains("Summarise the quarterly sales data"));
    assert!(user.contains(
        "## 1. Accuracy\n- 5: Accuracy: excellent\n- 3: Accuracy: adequate\n- 1: Accuracy: poor"
    ));
    assert!(user.contains("## report.md (20 bytes)"));
    assert!(user.contains("1. [tool_call] shell (ok): python summarise.py"));
    assert!(message(&reqs[0], 0).contains("strict, fair grader"));

    let rows = judge_scores(&ctx(), &verdict, &decision);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].grader_kind, GraderKind::Rubric);
    assert_eq!(rows[0].criterion, "Accuracy");
    assert_eq!(rows[0].value, Some(5.0));
    assert_eq!(rows[0].max_value, Some(5.0));
    assert_eq!(rows[0].grader_model.as_deref(), Some("judge-model"));
    assert_eq!(
        rows[0].grader_prompt_sha256.as_deref(),
        Some(verdict.prompt_sha256.as_str())
    );
    assert_eq!(rows[2].criterion, OVERALL_CRITERION);
    assert_eq!(rows[2].passed, Some(true));
    assert_eq!(rows[2].value, Some(4.5));
}

#[tokio::test]
async fn malformed_once_then_valid_is_retried() {
    let srv = server(vec![
        text("Sure! Here are my scores: great work."),
        text(&good()),
    ]);
    let verdict = judge(&srv).judge(&input()).await.unwrap();
    assert!(verdict.decide(None).passed);
    assert_eq!(verdict.requests, 2);
    let reqs = chat_requests(&srv);
    assert_eq!(reqs.len(), 2);
    // The re-ask carries the rejected answer and the validation error.
    assert_eq!(reqs[1].body["messages"].as_array().unwrap().len(), 4);
    assert_eq!(
        message(&reqs[1], 2),
        "Sure! Here are my scores: great work."
    );
    let reask = message(&reqs[1], 3);
    assert!(
        reask.starts_with("Your answer was rejected: the answer is not valid JSON"),
        "{reask}"
    );
}

#[tokio::test]
async fn always_malformed_is_an_error_recorded_without_scores() {
    let bad = answer(&[("Accuracy", 7, "x"), ("Clarity", 4, "y")]);
    let srv = server(vec![text(&bad), text(&bad), text(&bad), text(&good())]);
    let j = judge(&srv);
    let err = j.judge(&input()).await.unwrap_err();
    match &err {
        GraderError::Format { attempts, message } => {
            assert_eq!(*attempts, 3);
            assert!(message.contains("got 7"), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
    assert_eq!(
        chat_requests(&srv).len(),
        3,
        "max_format_retries = 2 means three answers"
    );

    let names: Vec<String> = CRITERIA.iter().map(|s| s.to_string()).collect();
    let rows = judge_error_scores(&ctx(), j.config(), &names, &err);
    assert_eq!(rows.len(), 3);
    for r in &rows {
        assert_eq!(r.value, None);
        assert_eq!(r.passed, None);
        assert!(
            r.error
                .as_deref()
                .unwrap()
                .starts_with("format error: judge answer invalid")
        );
    }
}

#[tokio::test]
async fn the_judges_own_pass_is_ignored() {
    let said_pass = json!({
        "criteria": [
            {"criterion": "Accuracy", "score": 2, "explanation": "totals are wrong"},
            {"criterion": "Clarity", "score": 5, "explanation": "very clear"}
        ],
        "summary": "Overall this passes.",
        "pass": true,
        "verdict": "PASS"
    });
    let srv = server(vec![text(&said_pass.to_string())]);
    let verdict = judge(&srv).judge(&input()).await.unwrap();
    let decision = verdict.decide(None);
    assert!(!decision.passed);
    assert_eq!(decision.failing.len(), 1);
    assert_eq!(decision.failing[0].criterion, "Accuracy");
}

#[tokio::test]
async fn a_five_without_explanation_is_rejected_and_re_asked() {
    let lazy = answer(&[("Accuracy", 5, ""), ("Clarity", 5, "   ")]);
    let srv = server(vec![text(&lazy), text(&good())]);
    let verdict = judge(&srv).judge(&input()).await.unwrap();
    assert_eq!(verdict.scores(), vec![("Accuracy", 5.0), ("Clarity", 4.0)]);
    let reqs = chat_requests(&srv);
    assert_eq!(reqs.len(), 2);
    let reask = message(&reqs[1], 3);
    assert!(
        reask.contains("criterion \"Accuracy\": `explanation` is empty"),
        "{reask}"
    );
    assert!(
        reask.contains("criterion \"Clarity\": `explanation` is empty"),
        "{reask}"
    );
}

#[test]
fn debug_output_never_shows_the_key() {
    let srv = server(vec![text(&good())]);
    let j = judge(&srv);
    let shown = format!("{j:?}");
    assert!(!shown.contains("sk-judge"), "{shown}");
    assert!(shown.contains("[redacted]"));
    assert!(
        !serde_json::to_string(j.config())
            .unwrap()
            .contains("sk-judge")
    );
}
