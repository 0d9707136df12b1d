//! `wharf serve` on a machine without bubblewrap (`sandbox.bwrap` names no executable):
//! the service starts, SQL, imports, the model passthrough and the dashboards work, and
//! runs are refused at submission with the reason and the fix, shown in `/healthz` and
//! on every page.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::serve::assert_demo_samples;
use crate::service::{Service, runbook_text};
use wharf_tests::workspace as repo;

const SCRIPT: &str = r#"
options:
  api_key: sk-canary-wharf-key-31c9
turns:
  - text: "hello from the model"
"#;

const NO_BWRAP: (&str, &str) = ("WHARF__SANDBOX__BWRAP", "/nonexistent/bwrap");

/// The refusal names bubblewrap, the configured path, and the command that installs it.
fn assert_names_the_fix(message: &str) {
    for part in [
        "bubblewrap",
        "/nonexistent/bwrap",
        "apt-get install bubblewrap",
    ] {
        assert!(message.contains(part), "`{part}` missing from: {message}");
    }
}

async fn page(service: &Service, path: &str, token: Option<&str>) -> String {
    let resp = service
        .req(reqwest::Method::GET, path, token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_without_bubblewrap_serves_everything_but_runs() {
    let service = Service::start_env(SCRIPT, "", &[], &[NO_BWRAP]);
    let t = &service.token;
    let log = service.log.lock().unwrap().clone();
    assert!(log.contains("RUNS DISABLED"), "{log}");
    assert_names_the_fix(&log);

    // /healthz: up, with the sandbox unavailable and why.
    let health: Value = service
        .req(reqwest::Method::GET, "/healthz", None)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["sandbox"]["available"], false, "{health}");
    assert_names_the_fix(health["sandbox"]["reason"].as_str().unwrap_or_default());

    // Imports and SQL work.
    let samples = std::fs::read(repo().join("examples/trajectories/sample-runs.jsonl")).unwrap();
    let resp = service
        .req(
            reqwest::Method::POST,
            "/api/v1/trajectories?format=native",
            Some(t),
        )
        .body(samples)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let rows = service.sql(t, "SELECT count(*) AS n FROM runs").await;
    assert_eq!(rows[0]["n"], 12, "{rows:?}");

    // The model passthrough works (no sandbox involved).
    let (status, answer) = service
        .post(
            "/v1/chat/completions",
            t,
            json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");

    // Runs are refused at submission: REST and the runbook chat completion.
    let (status, refused) = service
        .post(
            "/api/v1/runs",
            t,
            json!({"runbook": runbook_text(), "agent": "command", "command": ["true"]}),
        )
        .await;
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"]["code"], "unavailable", "{refused}");
    assert_names_the_fix(refused["error"]["message"].as_str().unwrap_or_default());
    let (status, refused) = service
        .post(
            "/v1/chat/completions",
            t,
            json!({
                "model": "wharf",
                "messages": [{"role": "system", "content": runbook_text()}],
                "wharf": {"runbook": true, "agent": "command", "command": ["true"]},
            }),
        )
        .await;
    assert_eq!(status, 503, "{refused}");
    assert_names_the_fix(refused["error"]["message"].as_str().unwrap_or_default());
    let (_, runs) = service.get("/api/v1/runs", t).await;
    assert_eq!(
        runs["data"].as_array().map(Vec::len),
        Some(0),
        "nothing queued: {runs}"
    );

    // Every page carries the notice, escaped, with the fix as code.
    let t = Some(t.as_str());
    for (path, token) in [("/", t), ("/sql", t), ("/login", None)] {
        let html = page(&service, path, token).await;
        assert!(
            html.contains(
                r#"<div class="notice warn" role="status"><b>Runs are disabled on this server.</b>"#
            ),
            "{path}: {html}"
        );
        assert!(
            html.contains("<code>apt-get install bubblewrap</code>"),
            "{path}: {html}"
        );
    }
}

/// `serve --demo` without bubblewrap still fills the demo collection with the imported
/// samples, and says on stderr why no run started.
#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_without_bubblewrap_imports_the_samples_and_skips_runs() {
    let service = Service::start_env(SCRIPT, "", &["--demo"], &[NO_BWRAP]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = service.log.lock().unwrap().clone();
        if log.contains("demo: no run started: runs are disabled") {
            assert!(log.contains("12 sample run(s) imported"), "{log}");
            break;
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let demo = std::fs::read_to_string(service.dir.path().join("state/demo-token"))
        .unwrap()
        .trim()
        .to_owned();
    assert_demo_samples(&service, &demo).await;
    let (_, runs) = service.get("/api/v1/runs", &demo).await;
    assert_eq!(runs["data"].as_array().map(Vec::len), Some(0), "{runs}");
}
