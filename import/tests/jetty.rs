//! Jetty run summaries and API trajectories.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{events, fixture, kinds, scores};
use serde_json::{Value, json};
use wharf_import::{Format, ImportOptions, detect, import};
use wharf_model::{GraderKind, RunStatus};

fn jetty(bytes: &[u8]) -> Vec<wharf_import::Imported> {
    import(Format::Jetty, bytes, &ImportOptions::default()).unwrap()
}

#[test]
fn imports_a_run_summary() {
    let bytes = fixture("jetty.trajectory.json");
    assert_eq!(detect("trajectory.json", &bytes), Format::Jetty);
    let runs = jetty(&bytes);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.source_id, "acme-runbooks/invoice-extractor/9c41e7d2");
    let h = &run.run;
    assert_eq!(h.status, RunStatus::Succeeded);
    assert_eq!(h.passed, Some(true));
    assert_eq!(h.runbook_name.as_deref(), Some("invoice-extractor"));
    assert_eq!(h.runbook_version.as_deref(), Some("1.3.0"));
    assert_eq!(h.runtime.as_deref(), Some("claude-code"));
    assert_eq!(h.model.as_deref(), Some("claude-sonnet-4-6"));
    assert_eq!(h.model_provider.as_deref(), Some("anthropic"));
    assert_eq!(h.snapshot.as_deref(), Some("python312-uv"));
    assert_eq!(
        h.workflow_id.as_deref(),
        Some("acme-runbooks-invoice-extractor--9c41e7d2")
    );
    assert_eq!(
        h.started_at.to_rfc3339(),
        "2026-09-14T08:21:05.418230+00:00"
    );
    assert_eq!(h.duration_ms, Some(156_484));
    assert_eq!(h.collection, None, "Jetty's collection is not wharf's");

    assert_eq!(kinds(run), ["session_start", "file", "file", "file", "log"]);
    let ev = events(run);
    assert_eq!(
        ev[0].input.as_ref().unwrap()["extra"],
        json!({"arm": "with-gotchas"})
    );
    assert_eq!(ev[1].name.as_deref(), Some("line_items.json"));
    assert_eq!(ev[1].status.as_deref(), Some("primary"));
    assert_eq!(ev[2].status.as_deref(), Some("output"));

    let scores = scores(run);
    let by = |c: &str| {
        *scores
            .iter()
            .find(|s| s.criterion == c)
            .unwrap_or_else(|| panic!("no score {c}"))
    };
    assert_eq!(scores.len(), 7);
    assert!(
        scores
            .iter()
            .all(|s| s.grader_kind == GraderKind::External && s.grader_name == "jetty-eval")
    );
    assert_eq!(by("overall_passed").passed, Some(true));
    assert_eq!(by("overall_passed").value, Some(1.0));
    assert_eq!(by("verdict").label.as_deref(), Some("PASS"));
    assert_eq!(by("verdict").passed, Some(true));
    assert_eq!(
        (by("checks").value, by("checks").max_value),
        (Some(11.0), Some(12.0))
    );
    assert_eq!(by("fail").value, Some(1.0));
    assert_eq!(by("quality.gpt-4o").value, Some(7.0));
    assert_eq!(
        by("pass").created_at.to_rfc3339(),
        "2026-09-14T08:23:41.902117+00:00"
    );
}

#[test]
fn imports_an_api_list_with_steps_and_events() {
    let bytes = fixture("jetty.api.json");
    assert_eq!(detect("-", &bytes), Format::Jetty);
    let runs = jetty(&bytes);
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.run.status, RunStatus::Failed);
    assert_eq!(
        run.run.error.as_deref(),
        Some("step render failed: timeout after 120s")
    );
    assert_eq!(
        run.run.parameters,
        Some(json!({"prompt": "a lighthouse at dusk", "size": "1024x1024"}))
    );
    assert_eq!(
        kinds(run),
        [
            "session_start",
            "tool_call",
            "tool_result",
            "tool_call",
            "tool_result",
            "log",
            "error"
        ]
    );
    let ev = events(run);
    // Steps in the order they ran, not by name.
    assert_eq!(ev[1].name.as_deref(), Some("plan"));
    assert_eq!(ev[2].duration_ms, Some(3000));
    assert_eq!(ev[4].name.as_deref(), Some("render"));
    assert_eq!(ev[4].status.as_deref(), Some("failed"));
    assert_eq!(ev[4].output_text.as_deref(), Some("timeout after 120s"));
    assert_eq!(ev[6].text.as_deref(), Some("render: timeout after 120s"));
    assert!(scores(run).is_empty());
}

fn error_of(doc: Value) -> String {
    import(
        Format::Jetty,
        &serde_json::to_vec(&doc).unwrap(),
        &ImportOptions::default(),
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn refuses_unfinished_and_malformed_runs() {
    let base =
        json!({"trajectory_id": "t1", "ran_at": "2026-01-01T00:00:00Z", "status": "running"});
    assert_eq!(
        error_of(base),
        "jetty: `status`: trajectory `t1` is still `running`; import finished runs only"
    );
    assert_eq!(
        error_of(json!({"ran_at": "2026-01-01T00:00:00Z"})),
        "jetty: `trajectory_id`: is required"
    );
    assert_eq!(
        error_of(
            json!({"trajectories": [{"trajectory_id": "a", "ran_at": "2026-01-01", "duration_seconds": "long"}]})
        ),
        "jetty: `trajectories[0].duration_seconds`: expected a number, got a string"
    );
    assert_eq!(
        error_of(json!({"trajectory_id": "t1", "ran_at": "2026-01-01", "primary_files": [3]})),
        "jetty: `primary_files[0]`: expected a file path"
    );
    assert!(error_of(json!({"trajectory_id": "t1"})).contains("no timestamps"));
    // A duration past the end of time is not an end time.
    let doc = json!({"trajectory_id": "t1", "ran_at": "2026-01-01", "duration_seconds": 1e300});
    let runs = import(
        Format::Jetty,
        &serde_json::to_vec(&doc).unwrap(),
        &ImportOptions::default(),
    );
    assert_eq!(runs.unwrap()[0].run.ended_at, None);
}

#[test]
fn options_apply_to_every_record() {
    let opts = ImportOptions {
        collection: Some("imported".into()),
        run_id: Some("01900000-0000-7000-8000-00000000A001".into()),
        task: Some("invoices-q3".into()),
        runbook_name: Some("invoice-extractor-v2".into()),
        default_time: None,
    };
    let runs = import(Format::Jetty, &fixture("jetty.trajectory.json"), &opts).unwrap();
    let run = &runs[0];
    assert_eq!(run.run.run_id, "01900000-0000-7000-8000-00000000a001");
    assert_eq!(run.run.collection.as_deref(), Some("imported"));
    assert_eq!(run.run.task.as_deref(), Some("invoices-q3"));
    assert_eq!(
        run.run.runbook_name.as_deref(),
        Some("invoice-extractor-v2")
    );
    for r in &run.records {
        assert_eq!(r.run_id(), Some("01900000-0000-7000-8000-00000000a001"));
        assert_eq!(r.collection(), Some("imported"));
    }

    let bad = ImportOptions {
        collection: Some("Not Valid".into()),
        ..ImportOptions::default()
    };
    let err = import(Format::Jetty, &fixture("jetty.trajectory.json"), &bad).unwrap_err();
    assert_eq!(err.kind(), wharf_model::ErrorKind::InvalidInput);
    assert!(err.to_string().starts_with("option `collection`:"), "{err}");
}

#[test]
fn record_errors_name_the_record_and_field() {
    assert_eq!(
        error_of(json!({"trajectory_id": "t1", "ran_at": "2026-01-02", "ended_at": "2026-01-01"})),
        "jetty: run: field `ended_at`: is before started_at"
    );
    let opts = ImportOptions {
        run_id: Some("not-a-uuid".into()),
        ..ImportOptions::default()
    };
    let err = import(Format::Jetty, &fixture("jetty.trajectory.json"), &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "option `run_id`: `not-a-uuid` is not a UUID: invalid character: found `n` at 0"
    );
}
