//! The dashboards' queries against a real store: the `.slt` fixture ingested through the
//! real write path, then each page's loader run in a session scoped to one collection.
//! Every expected figure is counted by hand from `tests/slt/fixtures/trajectories.jsonl`.

use std::path::Path;

use serde_json::{Value, json};
use wharf_dashboards::compare::{self, CompareQuery};
use wharf_dashboards::filters::OverviewFilter;
use wharf_dashboards::{DashboardError, Row, overview, run};
use wharf_ingest::{ObjectStorage, Store};
use wharf_query::{QueryConfig, Scope, Session};

const A001: &str = "01900000-0000-7000-8000-00000000a001";
const A002: &str = "01900000-0000-7000-8000-00000000a002";
const B001: &str = "01900000-0000-7000-8000-00000000b001";

async fn fixture_store(dir: &Path) -> Store {
    let file = wharf_tests::workspace().join("tests/slt/fixtures/trajectories.jsonl");
    wharf_tests::store_with_file(dir, &file).await.unwrap()
}

async fn session(store: &Store, collection: &str) -> Session {
    Session::new(
        store,
        Scope::Collection(collection.into()),
        &QueryConfig::default(),
    )
    .await
    .unwrap()
}

/// The values of `keys` in each row, sorted: whole result tables compared at once.
fn pick(rows: &[Row], keys: &[&str]) -> Vec<Value> {
    let mut out: Vec<Value> = rows
        .iter()
        .map(|r| {
            Value::Array(
                keys.iter()
                    .map(|k| r.get(*k).cloned().unwrap_or_default())
                    .collect(),
            )
        })
        .collect();
    out.sort_by_key(Value::to_string);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overview_counts_one_collection_and_its_kept_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let acme = session(&store, "acme").await;
    let d = overview::load(&acme, OverviewFilter::default(), Vec::new())
        .await
        .unwrap();
    assert_eq!(
        pick(&d.statuses, &["status", "n"]),
        vec![json!(["failed", 1]), json!(["succeeded", 1])]
    );
    // Chronological, one row per day.
    assert_eq!(
        d.pass_rate
            .iter()
            .map(|r| json!([r["day"], r["runs"], r["evaluated"], r["passed"]]))
            .collect::<Vec<_>>(),
        vec![
            json!(["2026-11-01", 1, 1, 1]),
            json!(["2026-11-02", 1, 1, 0])
        ]
    );
    // globex's Bash call is not counted; the failed result (exit 1) is.
    assert_eq!(
        pick(&d.tools, &["name", "calls", "failures"]),
        vec![json!(["Bash", 2, 1]), json!(["Read", 1, 0])]
    );
    assert_eq!(
        pick(&d.failing_tools, &["name", "failures"]),
        vec![json!(["Bash", 1])]
    );
    // Kept attempts only: a001's attempt 1; a002's labelled attempt 2, whose Accuracy was
    // graded twice (4, then 5): the latest grading counts, once.
    assert_eq!(
        pick(
            &d.score_histogram,
            &["grader_name", "criterion", "value", "n"]
        ),
        vec![
            json!(["judge", "Accuracy", 5.0, 2]),
            json!(["judge", "Formatting", 4.0, 1])
        ]
    );
    assert!(d.failing.is_empty(), "{:?}", d.failing);
    assert_eq!(
        pick(&d.usage, &["model", "runtime", "runs"]),
        vec![
            json!(["claude-sonnet-4-5", "claude-code", 1]),
            json!(["gpt-5.1-codex", "codex", 1])
        ]
    );
    assert_eq!(
        d.recent
            .iter()
            .map(|r| r["run_id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(A002), json!(A001)],
        "newest first"
    );
    assert!(
        !d.options.values.iter().any(|(_, v)| v == "secret-report"),
        "another collection's runbook is not offered"
    );

    // A label filter: a001's latest `quality` is `bad` (its earlier `good` was replaced).
    let filter = OverviewFilter {
        label: Some("quality=bad".into()),
        ..Default::default()
    };
    let d = overview::load(&acme, filter, Vec::new()).await.unwrap();
    assert_eq!(
        d.recent
            .iter()
            .map(|r| r["run_id"].clone())
            .collect::<Vec<_>>(),
        vec![json!(A001)]
    );
    assert_eq!(
        pick(&d.tools, &["name", "calls", "failures"]),
        vec![json!(["Bash", 2, 1])]
    );
    let filter = OverviewFilter {
        label: Some("quality=good".into()),
        ..Default::default()
    };
    assert!(
        overview::load(&acme, filter, Vec::new())
            .await
            .unwrap()
            .recent
            .is_empty()
    );

    let globex = session(&store, "globex").await;
    let d = overview::load(&globex, OverviewFilter::default(), Vec::new())
        .await
        .unwrap();
    assert_eq!(
        pick(&d.tools, &["name", "calls", "failures"]),
        vec![json!(["Bash", 1, 0])]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_run_page_reads_one_run_of_its_collection() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let objects = ObjectStorage::open(store.root()).unwrap();
    let acme = session(&store, "acme").await;
    let d = run::load(&acme, &objects, A001, None, 0).await.unwrap();
    assert_eq!(d.event_count, 6);
    assert_eq!(
        d.steps
            .iter()
            .map(|s| format!("{}:{}", s.kind, s.state))
            .collect::<Vec<_>>(),
        [
            "session_start:done",
            "tool_call:done",
            "tool_call:failed",
            "assistant_message:done"
        ]
    );
    let totals = d.llm_totals.as_ref().unwrap();
    assert_eq!(
        json!([totals["calls"], totals["failed"], totals["input_tokens"]]),
        json!([1, 0, 1000])
    );
    assert_eq!(
        pick(&d.llm_calls, &["model", "status_code", "latency_ms"]),
        vec![json!(["gpt-5.1-codex", 200, 900])]
    );
    assert_eq!(
        pick(&d.labels, &["key", "value"]),
        vec![json!(["quality", "bad"]), json!(["stars", "4"])]
    );
    // a002 keeps attempt 2 (its label), and shows every attempt's scores.
    let d = run::load(&acme, &objects, A002, None, 0).await.unwrap();
    assert_eq!(d.kept_attempt, Some(2));
    assert_eq!(d.scores.len(), 5);
    assert!(d.llm_totals.is_none(), "no calls: no totals row");

    // globex's run is not there for acme.
    let err = run::load(&acme, &objects, B001, None, 0).await.unwrap_err();
    assert!(matches!(err, DashboardError::NotFound(_)), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_aligns_two_runs_and_offers_this_collections_groups() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path()).await;
    let objects = ObjectStorage::open(store.root()).unwrap();
    let acme = session(&store, "acme").await;
    let q = CompareQuery {
        a: Some(A001.into()),
        b: Some(A002.into()),
    };
    let d = compare::load(&acme, &objects, q).await.unwrap();
    let pair = d.pair.as_ref().unwrap();
    assert_eq!(
        pick(&pair.scores_a, &["criterion", "value"]),
        vec![json!(["Accuracy", 5.0]), json!(["Formatting", 4.0])]
    );
    assert_eq!(
        pick(&pair.scores_b, &["criterion", "value"]),
        vec![json!(["Accuracy", 5.0])],
        "b keeps attempt 2 and its latest grading"
    );
    assert_eq!(pair.steps_a.len(), 4);
    assert_eq!(
        pair.steps_b
            .iter()
            .map(|s| format!("{}:{}", s.kind, s.name.as_deref().unwrap_or("")))
            .collect::<Vec<_>>(),
        ["session_start:", "tool_call:Read"]
    );
    let report = d.report.as_ref().unwrap();
    let criteria: Vec<_> = report
        .criteria
        .iter()
        .map(|c| (c.criterion.as_str(), c.n_a, c.n_b))
        .collect();
    assert_eq!(criteria, [("Accuracy", 1, 1), ("Formatting", 1, 0)]);

    let offered: Vec<&str> = d.suggestions.iter().map(|(_, c)| c.as_str()).collect();
    for want in [
        "runtime = 'codex'",
        "model = 'claude-sonnet-4-5'",
        "runbook_name = 'json-to-excel'",
        "run_id IN (SELECT run_id FROM latest_labels WHERE key = 'quality' AND value = 'bad')",
    ] {
        assert!(offered.contains(&want), "{want} not in {offered:?}");
    }
    assert!(
        !offered
            .iter()
            .any(|c| c.contains("'good'") || c.contains("secret-report") || c.contains("wharf.")),
        "only acme's current labels and runbooks, no reserved keys: {offered:?}"
    );

    // Two groups from the offered conditions.
    let q = CompareQuery {
        a: Some("runtime = 'codex'".into()),
        b: Some("runtime = 'claude-code'".into()),
    };
    let d = compare::load(&acme, &objects, q).await.unwrap();
    let report = d.report.unwrap();
    assert_eq!((report.a.runs, report.a.passed), (1, 1));
    assert_eq!((report.b.runs, report.b.passed), (1, 0));
    assert_eq!(report.pass_rate_difference.map(|i| i.estimate), Some(-1.0));
    assert!(d.pair.is_none());
}
