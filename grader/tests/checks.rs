//! Programmatic checks over a runbook shaped like a public one (globs, validation report)
//! and the score rows they become.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;
use wharf_grader::checks::{programmatic_checks, validation_report, verification};
use wharf_grader::{
    JudgeInput, OutputEntry, ScoreContext, TrajectoryDigest, VerificationOutcome, check_scores,
    feedback,
};
use wharf_model::GraderKind;

fn runbook() -> wharf_runbook::Runbook {
    // Shaped like the public "ambient scribe quality gate" runbook: families of
    // files (`encounter_NN`) and a required validation report.
    let bytes = include_bytes!("fixtures/scribe-gate.md");
    wharf_runbook::check("scribe-gate.md", bytes)
        .runbook
        .unwrap()
}

fn entry(path: &str, size: u64) -> OutputEntry {
    OutputEntry {
        path: path.into(),
        size,
    }
}

#[test]
fn required_outputs_with_families_and_the_validation_report() {
    let rb = runbook();
    let found = vec![
        entry("case_sheets.json", 900),
        entry("transcripts/encounter_01.md", 500),
        entry("/app/results/transcripts/encounter_02.md", 400),
        entry("notes/encounter_01.md", 0),
        entry("summary.md", 10),
        entry("validation_report.json", 30),
    ];
    let ok = VerificationOutcome {
        exit_code: Some(0),
        output_tail: "ok".into(),
        timed_out: false,
    };
    let checks = programmatic_checks(
        &rb,
        &found,
        Some(&ok),
        Some(br#"{"overall_passed": false}"#),
    );
    let by = |name: &str| {
        checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name}: {checks:#?}"))
    };
    assert!(by("output:case_sheets.json").passed);
    let t = by("output:transcripts/encounter_NN.md");
    assert!(t.passed, "{t:?}");
    assert_eq!(t.explanation, "2 files match");
    let n = by("output:notes/encounter_NN.md");
    assert!(!n.passed);
    assert!(n.explanation.contains("empty: notes/encounter_01.md"));
    let s = by("output:scorecards/encounter_NN.json");
    assert!(!s.passed);
    assert!(
        s.explanation
            .starts_with("no file matches scorecards/encounter_*.json")
    );
    assert!(by("verification_script").passed);
    let v = by("validation_report");
    assert!(!v.passed);
    assert_eq!(
        v.explanation,
        "validation_report.json says overall_passed: false"
    );

    let rows = check_scores(
        &ScoreContext {
            run_id: "0190f2a4-1c2b-7d3e-8f40-123456789abc".into(),
            attempt: 2,
            collection: None,
            created_at: Utc::now(),
        },
        &checks,
    );
    assert_eq!(rows.len(), checks.len());
    assert!(
        rows.iter()
            .all(|r| r.grader_kind == GraderKind::Programmatic && r.attempt == 2)
    );
    let failed = rows
        .iter()
        .find(|r| r.criterion == "validation_report")
        .unwrap();
    assert_eq!(
        (failed.value, failed.passed, failed.label.as_deref()),
        (Some(0.0), Some(false), Some("fail"))
    );

    let text = feedback(&checks, None, 2);
    assert!(text.contains("- output:scorecards/encounter_NN.json: no file matches"));
    assert!(
        text.contains("- validation_report: validation_report.json says overall_passed: false")
    );
}

#[test]
fn validation_report_shapes() {
    assert!(validation_report(Some(br#"{"overall_passed": true, "x": 1}"#)).passed);
    let cases: [(Option<&[u8]>, &str); 4] = [
        (None, "was not found"),
        (Some(b"{not json"), "is not valid JSON"),
        (
            Some(br#"{"overall_passed": "yes"}"#),
            "must be true or false, got \"yes\"",
        ),
        (Some(br#"{"passed": true}"#), "has no overall_passed field"),
    ];
    for (bytes, why) in cases {
        let c = validation_report(bytes);
        assert!(!c.passed);
        assert!(c.explanation.contains(why), "{}", c.explanation);
    }
}

#[test]
fn verification_outcomes() {
    let failed = verification(&VerificationOutcome {
        exit_code: Some(1),
        output_tail: format!("{}FAIL: report.md missing", "x".repeat(5000)),
        timed_out: false,
    });
    assert!(!failed.passed);
    assert!(
        failed
            .explanation
            .starts_with("exited 1; output ends:\n[... ")
    );
    assert!(failed.explanation.ends_with("FAIL: report.md missing"));
    let timed = verification(&VerificationOutcome {
        exit_code: None,
        output_tail: String::new(),
        timed_out: true,
    });
    assert!(!timed.passed && timed.explanation.starts_with("timed out"));
}

#[test]
fn judge_input_from_a_rubric_runbook() {
    let rb = runbook();
    let input = JudgeInput::from_runbook(&rb, Vec::new(), TrajectoryDigest::default()).unwrap();
    assert_eq!(
        input.criterion_names(),
        ["Completeness", "Groundedness", "Structure"]
    );
    assert!(
        input.objective.contains("Write a SOAP note"),
        "{}",
        input.objective
    );
    let rule = rb.pass_rule().unwrap();
    assert_eq!(
        (rule.min_average, rule.min_criterion),
        (Some(4.0), Some(3.0))
    );
    let programmatic = wharf_runbook::check(
        "write-report.md",
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/runbooks/write-report.md"
        ))
        .unwrap(),
    )
    .runbook
    .unwrap();
    assert!(
        JudgeInput::from_runbook(&programmatic, Vec::new(), TrajectoryDigest::default()).is_err()
    );
}
