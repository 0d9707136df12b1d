//! `wharf serve` end to end: the real binary on 127.0.0.1, real clients (the official
//! OpenAI Python SDK, a Python webhook receiver with its own HMAC check, reqwest), real
//! sandboxes, mock-llm standing in for the model provider.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::service::{KEY, Service, runbook_text};
use crate::support::{python, tools_dir};
use wharf_tests::workspace as repo;

const SCRIPT: &str = r#"
options:
  api_key: sk-canary-wharf-key-31c9
turns:
  - text: "I'll write the report."
    shell: "mkdir -p /app/results && printf '# Report\\n\\nmock-llm wrote this.\\n' > /app/results/report.md"
  - text: "Done: wrote /app/results/report.md."
"#;

fn rubric_runbook() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/runbooks/rubric-report.md")).unwrap()
}

/// A multipart/form-data body of (name, file name, content) parts, and its content type.
fn multipart(parts: &[(&str, Option<&str>, String)]) -> (String, String) {
    let boundary = "wharf-test-boundary-7f3a";
    let mut body = String::new();
    for (name, filename, content) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""
        ));
        if let Some(f) = filename {
            body.push_str(&format!("; filename=\"{f}\""));
        }
        body.push_str(&format!("\r\n\r\n{content}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const WRITE: &str = "mkdir -p /app/results && printf 'report from command\\n' > /app/results/report.md && echo wrote";

/// The official OpenAI SDK: passthrough (plain and streamed) and a runbook run streamed to
/// completion with a real agent CLI, then its artifact fetched by URL.
#[tokio::test(flavor = "multi_thread")]
async fn the_openai_sdk_talks_to_wharf_serve() {
    if tools_dir().is_none() {
        eprintln!("skipped: WHARF_TEST_TOOLS_DIR not set (scripts/test sets it)");
        return;
    }
    let service = Service::start_with(SCRIPT, "");
    let out = Command::new(python())
        .arg(repo().join("tests/python/openai_sdk.py"))
        .env("WHARF_URL", &service.url)
        .env("WHARF_TOKEN", &service.token)
        .env(
            "WHARF_RUNBOOK",
            repo().join("examples/runbooks/write-report.md"),
        )
        .env("WHARF_AGENT", "codex")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sdk script failed:\n{}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        service.log.lock().unwrap()
    );
    // Every passthrough call is in llm_calls, in the caller's collection, without a run.
    let calls = service
        .sql(
            &service.token,
            "SELECT count(*) AS n FROM llm_calls WHERE run_id IS NULL",
        )
        .await;
    assert_eq!(calls[0]["n"], 2, "{calls:?}");
    // The provider key never reached a stored event.
    let leaks = service
        .sql(
            &service.token,
            &format!(
                "SELECT count(*) AS n FROM events WHERE raw LIKE '%{KEY}%' OR text LIKE '%{KEY}%'"
            ),
        )
        .await;
    assert_eq!(leaks[0]["n"], 0);
}

/// Deliveries are signed (checked by the receiver's own HMAC code) and retried from the
/// outbox until a 2xx: a receiver down for two attempts gets exactly one accepted delivery.
#[tokio::test(flavor = "multi_thread")]
async fn webhooks_are_signed_and_retried_until_delivered() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let secret = "whsec-test-5b0d";
    let (status, _) = service
        .json(
            reqwest::Method::PATCH,
            "/api/v1/secrets",
            t,
            Some(json!({"WEBHOOK_SECRET": secret})),
        )
        .await;
    assert_eq!(status, 200);
    let log = service.dir.path().join("webhooks.jsonl");
    let mut receiver = Command::new(python())
        .arg(repo().join("tests/python/webhook_receiver.py"))
        .args([secret, "2"])
        .arg(&log)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = String::new();
    BufReader::new(receiver.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let url = format!("http://127.0.0.1:{}/hook", port.trim());
    let run_id = service
        .command_run(t, WRITE, json!({"webhook_url": url}))
        .await;
    let run = service.wait_end(t, &run_id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let delivery = loop {
        let (_, d) = service
            .get(&format!("/api/v1/runs/{run_id}/webhooks"), t)
            .await;
        let first = d["data"][0].clone();
        if first["status"] == "delivered" {
            break first;
        }
        assert!(Instant::now() < deadline, "not delivered: {d}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    receiver.kill().unwrap();
    let _ = receiver.wait();
    assert_eq!(
        delivery["attempts"].as_array().unwrap().len(),
        3,
        "{delivery}"
    );
    let seen: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.iter().all(|s| s["verified"] == true), "{seen:?}");
    assert_eq!(seen.iter().filter(|s| s["status"] == 200).count(), 1);
    let accepted = seen.iter().find(|s| s["status"] == 200).unwrap();
    assert_eq!(accepted["run_id"], run_id.as_str());
    assert_eq!(accepted["body"]["status"], "succeeded");
    assert_eq!(accepted["body"]["event"], "run.completed");
    // A run asking for a webhook without a signing secret is refused up front.
    service
        .json(
            reqwest::Method::PATCH,
            "/api/v1/secrets",
            t,
            Some(json!({"WEBHOOK_SECRET": null})),
        )
        .await;
    let (status, err) = service
        .post("/api/v1/runs", t, json!({"runbook": runbook_text(), "agent": "command", "command": ["true"], "webhook_url": url}))
        .await;
    assert_eq!(status, 400, "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("WEBHOOK_SECRET")
    );
}

/// Collection A's token reaches nothing of collection B, whatever the route; no token or a
/// bad one is a 401.
#[tokio::test(flavor = "multi_thread")]
async fn one_collections_token_never_reaches_another_collection() {
    let service = Service::start_with(SCRIPT, "");
    let admin = &service.token; // collection `default`
    let (status, b) = service
        .post("/api/v1/collections", admin, json!({"name": "team-b"}))
        .await;
    assert_eq!(status, 201, "{b}");
    let tb = b["token"].as_str().unwrap().to_owned();

    // B's things: a finished run with an artifact, an upload, a task, a secret.
    let run_b = service.command_run(&tb, WRITE, json!({})).await;
    assert_eq!(service.wait_end(&tb, &run_b).await["status"], "succeeded");
    let upload = service
        .req(
            reqwest::Method::POST,
            "/api/v1/uploads?name=b-data.csv",
            Some(&tb),
        )
        .body("secret,data\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status().as_u16(), 201);
    let upload: Value = upload.json().await.unwrap();
    let upload_path = upload["data"][0]["path"].as_str().unwrap().to_owned();
    let (status, _) = service
        .post(
            "/api/v1/tasks",
            &tb,
            json!({"name": "b-task", "runbook": runbook_text()}),
        )
        .await;
    assert_eq!(status, 201);
    // B sees its own.
    assert_eq!(
        service
            .get(&format!("/api/v1/runs/{run_b}/artifacts/report.md"), &tb)
            .await
            .0,
        200
    );

    // A sees none of it.
    for path in [
        format!("/api/v1/runs/{run_b}"),
        format!("/api/v1/runs/{run_b}/events"),
        format!("/api/v1/runs/{run_b}/trajectory"),
        format!("/api/v1/runs/{run_b}/artifacts"),
        format!("/api/v1/runs/{run_b}/artifacts/report.md"),
        format!("/api/v1/runs/{run_b}/artifacts/../../../{run_b}/report.md"),
        format!("/api/v1/runs/{run_b}/artifacts.zip"),
        format!("/api/v1/runs/{run_b}/webhooks"),
        "/api/v1/tasks/b-task".to_owned(),
    ] {
        let (status, body) = service.get(&path, admin).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert!(
            !body.to_string().contains("report from command"),
            "{path}: {body}"
        );
    }
    let (status, _) = service
        .post(&format!("/api/v1/runs/{run_b}/cancel"), admin, json!({}))
        .await;
    assert_eq!(status, 404);
    let (_, list) = service.get("/api/v1/runs", admin).await;
    assert!(!list.to_string().contains(&run_b), "{list}");
    let (status, err) = service
        .post(
            "/api/v1/runs",
            admin,
            json!({"runbook": runbook_text(), "agent": "command", "command": ["true"], "file_paths": [upload_path]}),
        )
        .await;
    assert_eq!(status, 400, "an upload of B is unknown to A: {err}");
    let (status, _) = service
        .post(
            "/api/v1/runs",
            admin,
            json!({"task": "b-task", "agent": "command", "command": ["true"]}),
        )
        .await;
    assert_eq!(status, 404);
    for q in [
        format!("SELECT * FROM runs WHERE run_id = '{run_b}'"),
        "SELECT * FROM runs WHERE collection = 'team-b' OR 1 = 1".to_owned(),
        format!("SELECT * FROM events WHERE run_id = '{run_b}'"),
        "SELECT * FROM artifacts WHERE collection <> 'default'".to_owned(),
    ] {
        assert!(service.sql(admin, &q).await.is_empty(), "{q}");
    }
    // B's own SQL sees its run.
    assert_eq!(
        service
            .sql(
                &tb,
                &format!("SELECT run_id FROM runs WHERE run_id = '{run_b}'")
            )
            .await
            .len(),
        1
    );
    // A non-admin token cannot mint tokens or collections.
    assert_eq!(
        service
            .post("/api/v1/tokens", &tb, json!({"name": "x"}))
            .await
            .0,
        403
    );
    assert_eq!(
        service
            .post("/api/v1/collections", &tb, json!({"name": "c"}))
            .await
            .0,
        403
    );

    // No token, a bad token, a revoked token.
    let resp = service
        .req(reqwest::Method::GET, "/api/v1/runs", None)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        service
            .get(
                "/api/v1/runs",
                "wharf_0000000000000000000000000000000000000000"
            )
            .await
            .0,
        401
    );
    let (_, tokens) = service.get("/api/v1/tokens", admin).await;
    assert!(
        !tokens.to_string().contains(admin.as_str()),
        "token values are never listed"
    );
    let (status, minted) = service
        .post("/api/v1/tokens", admin, json!({"name": "short-lived"}))
        .await;
    assert_eq!(status, 201);
    let id = minted["token_info"]["id"].as_str().unwrap();
    let value = minted["token"].as_str().unwrap();
    assert_eq!(service.get("/api/v1/runs", value).await.0, 200);
    assert_eq!(
        service
            .json(
                reqwest::Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                admin,
                None
            )
            .await
            .0,
        204
    );
    assert_eq!(service.get("/api/v1/runs", value).await.0, 401);
}

/// A server killed mid-run: after the restart the run is `error` with the reason, in the
/// API and in SQL, and the events it recorded before are intact.
#[tokio::test(flavor = "multi_thread")]
async fn a_restart_ends_in_flight_runs_and_keeps_their_events() {
    let mut service = Service::start_with(SCRIPT, "");
    let t = service.token.clone();
    let run_id = service
        .command_run(&t, "echo step-one-before-the-crash; sleep 120", json!({}))
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = service
            .sql(&t, &format!("SELECT seq FROM events WHERE run_id = '{run_id}' AND text LIKE '%step-one-before-the-crash%'"))
            .await;
        if !rows.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the event never showed up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    service.kill();
    service.spawn();
    let run = service.wait_end(&t, &run_id).await;
    assert_eq!(run["status"], "error", "{run}");
    assert!(
        run["error"].as_str().unwrap().contains("server stopped"),
        "{run}"
    );
    let rows = service
        .sql(
            &t,
            &format!("SELECT status, error FROM runs WHERE run_id = '{run_id}'"),
        )
        .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "error");
    let events = service
        .sql(&t, &format!("SELECT count(*) AS n FROM events WHERE run_id = '{run_id}' AND text LIKE '%step-one-before-the-crash%'"))
        .await;
    assert_eq!(events[0]["n"], 1);
    assert!(service.log.lock().unwrap().contains("marked error"));
}

/// Live events over SSE, cancel, and the final `result` event.
#[tokio::test(flavor = "multi_thread")]
async fn runs_stream_their_events_and_can_be_cancelled() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let run_id = service
        .command_run(t, "echo tick-1; sleep 120", json!({}))
        .await;
    let resp = service
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{run_id}/events"),
            Some(t),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut body = resp.bytes_stream();
    use futures::StreamExt;
    let mut text = String::new();
    let mut cancelled = false;
    let deadline = Instant::now() + Duration::from_secs(90);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline.into(), body.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        if !cancelled && text.contains("tick-1") {
            let (status, c) = service
                .post(&format!("/api/v1/runs/{run_id}/cancel"), t, json!({}))
                .await;
            assert_eq!(status, 202, "{c}");
            cancelled = true;
        }
        if text.contains("event: result") {
            break;
        }
    }
    assert!(text.contains("event: runbook_loaded"), "{text}");
    assert!(text.contains("event: result"), "{text}");
    let result_line = text
        .lines()
        .skip_while(|l| *l != "event: result")
        .nth(1)
        .unwrap();
    let result: Value = serde_json::from_str(result_line.trim_start_matches("data: ")).unwrap();
    assert_eq!(result["status"], "cancelled", "{result}");
    // A cancelled run cannot be cancelled again.
    assert_eq!(
        service
            .post(&format!("/api/v1/runs/{run_id}/cancel"), t, json!({}))
            .await
            .0,
        409
    );
}

/// Bad requests get a 4xx with an OpenAI-shaped error that says what is wrong.
#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_refused_with_clear_errors() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let raw = |path: &str, ct: &str, body: Vec<u8>| {
        service
            .req(reqwest::Method::POST, path, Some(t))
            .header("content-type", ct.to_owned())
            .body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            raw("/api/v1/runs", "application/json", b"{not json".to_vec()),
            400,
            "invalid JSON",
        ),
        (
            raw("/v1/chat/completions", "application/json", b"[1]".to_vec()),
            400,
            "JSON object",
        ),
        (
            raw(
                "/api/v1/runs",
                "application/json",
                br#"{"runbook": 5}"#.to_vec(),
            ),
            400,
            "markdown",
        ),
        (
            raw(
                "/api/v1/runs",
                "application/json",
                br#"{"runbook": "x", "timeout_sec": "soon"}"#.to_vec(),
            ),
            400,
            "timeout_sec",
        ),
        (
            raw(
                "/api/v1/runs",
                "application/json",
                br#"{"runbook": "x", "surprise": 1}"#.to_vec(),
            ),
            400,
            "surprise",
        ),
        (
            raw("/api/v1/runs", "application/json", vec![b' '; 9 << 20]),
            413,
            "limit",
        ),
        (
            raw(
                "/api/v1/sql",
                "application/json",
                br#"{"query": "DROP TABLE runs"}"#.to_vec(),
            ),
            400,
            "",
        ),
        (
            raw(
                "/api/v1/uploads?name=../../etc/passwd",
                "application/octet-stream",
                b"x".to_vec(),
            ),
            400,
            "path separator",
        ),
        (
            raw(
                "/api/v1/uploads?name=..",
                "application/octet-stream",
                b"x".to_vec(),
            ),
            400,
            "not a file name",
        ),
    ];
    for (req, status, needle) in cases {
        let resp = req.send().await.unwrap();
        let got = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        assert_eq!(got, status, "{body}");
        let msg = body["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
        assert!(body["error"]["type"].is_string() && body["error"]["code"].is_string());
    }
    let rb = runbook_text();
    let cmd = json!(["true"]);
    for (body, needle) in [
        (
            json!({"runbook": rb, "agent": "no-such-agent"}),
            "no-such-agent",
        ),
        (
            // An agent that calls a model through an unknown provider (an agent that calls
            // none, `command`, runs with a warning).
            json!({"runbook": rb, "agent": "codex", "model_provider": "nonesuch"}),
            "nonesuch",
        ),
        (
            json!({"runbook": rb, "agent": "command", "command": cmd, "model_provider": "http://169.254.169.254/"}),
            "is a URL",
        ),
    ] {
        let (status, err) = service.post("/api/v1/runs", t, body).await;
        assert_eq!(status, 400, "{err}");
        let msg = err["error"]["message"].as_str().unwrap();
        assert!(msg.contains(needle), "{needle:?} not in {msg}");
    }
    let broken = std::fs::read_to_string(repo().join("tests/fixtures/runbooks/broken.md")).unwrap();
    let (status, err) = service
        .post(
            "/api/v1/runs",
            t,
            json!({"runbook": broken, "agent": "command"}),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "invalid_runbook");
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("runbook.md:10:5") && msg.contains("undefined_thing"),
        "{err}"
    );
    assert!(!msg.contains("requests/"), "no server paths: {msg}");
    let (status, _) = service.get("/api/v1/runs/not-a-uuid", t).await;
    assert_eq!(status, 404);
    // Nothing was queued by any of these.
    let (_, list) = service.get("/api/v1/runs", t).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");
    // The OpenAPI document lists the routes.
    let (status, doc) = service.get("/openapi.json", t).await;
    assert_eq!(status, 200);
    assert!(
        doc["paths"]["/api/v1/runs/{run_id}/events"]["get"].is_object(),
        "{doc}"
    );
    let metrics = service
        .req(reqwest::Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("wharf_http_requests_total"), "{metrics}");
    assert!(metrics.contains("wharf_queue_depth"), "{metrics}");
}

/// A multipart run: the runbook as a file part, options as JSON, an input file; the agent
/// reads the input from /app/assets, and the result comes back alone and in the zip.
#[tokio::test(flavor = "multi_thread")]
async fn runs_accept_multipart_with_input_files() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let options = json!({
        "agent": "command",
        "command": ["sh", "-c", "cp /app/assets/data.csv /app/results/report.md"],
    });
    let (content_type, body) = multipart(&[
        ("runbook", Some("write-report.md"), runbook_text()),
        ("options", None, options.to_string()),
        ("label", None, "origin=multipart".to_owned()),
        ("files", Some("data.csv"), "a,b\n1,2\n".to_owned()),
    ]);
    let resp = service
        .req(reqwest::Method::POST, "/api/v1/runs", Some(t))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    let run: Value = resp.json().await.unwrap();
    let run_id = run["run_id"].as_str().unwrap();
    let done = service.wait_end(t, run_id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["labels"]["origin"], "multipart");
    let file = service
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{run_id}/artifacts/report.md"),
            Some(t),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(file.status().as_u16(), 200);
    assert_eq!(file.text().await.unwrap(), "a,b\n1,2\n");
    let zip = service
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{run_id}/artifacts.zip"),
            Some(t),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(zip.status().as_u16(), 200);
    let bytes = zip.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip archive");
    assert!(
        bytes.windows(b"report.md".len()).any(|w| w == b"report.md"),
        "the zip names report.md"
    );
    // The label is a row of `labels`, visible in SQL at once.
    let labels = service
        .sql(
            t,
            &format!("SELECT key, value, author FROM labels WHERE run_id = '{run_id}' AND key NOT LIKE 'wharf.%'"),
        )
        .await;
    assert_eq!(
        labels,
        vec![json!({"key": "origin", "value": "multipart", "author": "api"})]
    );
}

/// A non-streaming runbook request that outlives its wait hint gets a 202 with the run id
/// (never a 5xx), and the runs list filters and pages.
#[tokio::test(flavor = "multi_thread")]
async fn slow_runbook_requests_answer_202_and_runs_list_pages() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let (status, accepted) = service
        .post(
            "/v1/chat/completions",
            t,
            json!({
                "model": "wharf",
                "messages": [{"role": "system", "content": runbook_text()}],
                "wharf": {"runbook": true, "agent": "command", "command": ["sh", "-c", "sleep 30"], "timeout_hint": 0.5, "task": "slow"},
            }),
        )
        .await;
    assert_eq!(status, 202, "{accepted}");
    let slow = accepted["run_id"].as_str().unwrap().to_owned();
    assert!(
        matches!(accepted["status"].as_str(), Some("queued" | "running")),
        "{accepted}"
    );
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            service
                .command_run(t, WRITE, json!({"task": "quick"}))
                .await,
        );
    }
    for id in &ids {
        service.wait_end(t, id).await;
    }
    let (_, page1) = service.get("/api/v1/runs?task=quick&limit=2", t).await;
    let first: Vec<&str> = page1["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(first.len(), 2, "{page1}");
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = service
        .get(
            &format!("/api/v1/runs?task=quick&limit=2&cursor={cursor}"),
            t,
        )
        .await;
    let second: Vec<&str> = page2["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_id"].as_str().unwrap())
        .collect();
    assert_eq!(second.len(), 1, "{page2}");
    let mut all: Vec<&str> = first.iter().chain(&second).copied().collect();
    all.sort_unstable();
    let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(all, expected, "newest first, every run once, no other task");
    let (_, running) = service.get("/api/v1/runs?status=running", t).await;
    assert!(running.to_string().contains(&slow), "{running}");
    let (status, err) = service.get("/api/v1/runs?status=bogus", t).await;
    assert_eq!(status, 400, "{err}");
    let (status, _) = service.get("/api/v1/runs?cursor=not-a-cursor", t).await;
    assert_eq!(status, 400);
    service
        .post(&format!("/api/v1/runs/{slow}/cancel"), t, json!({}))
        .await;
}

/// Every run is graded programmatically in its sandbox: the verification script runs there,
/// each check is a `scores` row, and a failing check sends the agent back with feedback
/// naming it, up to the runbook's rounds. A run that never passes keeps its best attempt;
/// one that passes after feedback is `succeeded` with the feedback visible to the agent.
#[tokio::test(flavor = "multi_thread")]
async fn runs_are_graded_and_sent_back_until_they_pass_or_run_out_of_rounds() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let strict =
        crate::support::strict_report_runbook().replace("(max 2 rounds)", "(max 3 rounds)");
    assert!(
        strict.contains("max 3 rounds"),
        "the fixture's bound changed"
    );
    let scripts = [
        // Never passes: a report without a heading, then no report at all.
        r#"mkdir -p /app/results; if [ "$WHARF_ATTEMPT" = 1 ]; then printf 'no heading here' > /app/results/report.md; else rm -f /app/results/report.md; fi"#,
        // Passes at once.
        r#"mkdir -p /app/results && printf '# Report\n\nfine' > /app/results/report.md"#,
        // Fails, reads the feedback on its stdin, fixes the report.
        r#"mkdir -p /app/results; if [ "$WHARF_RESUME" = 1 ]; then cat > /app/results/feedback.txt; printf '# Report\n\nfixed' > /app/results/report.md; else printf 'no heading' > /app/results/report.md; fi"#,
    ];
    let mut ids = Vec::new();
    for script in scripts {
        let (status, run) = service
            .post(
                "/api/v1/runs",
                t,
                json!({"runbook": strict, "agent": "command", "command": ["sh", "-c", script]}),
            )
            .await;
        assert_eq!(status, 201, "{run}");
        ids.push(run["run_id"].as_str().unwrap().to_owned());
    }

    // 1. Three attempts, the first (half the checks) kept.
    let never = service.wait_end(t, &ids[0]).await;
    assert_eq!(never["status"], "failed", "{never}");
    let error = never["error"].as_str().unwrap();
    assert!(error.contains("verification_script"), "{never}");
    assert!(error.contains("attempt 1 of 3 is kept"), "{never}");
    assert_eq!(never["summary"]["passed"], false);
    assert_eq!(never["summary"]["attempts"], 3, "{never}");
    assert_eq!(never["summary"]["best_attempt"], 1, "{never}");
    let rows = service
        .sql(
            t,
            &format!(
                "SELECT attempt, criterion, passed, explanation FROM scores WHERE run_id = '{}' ORDER BY attempt, criterion",
                ids[0]
            ),
        )
        .await;
    assert_eq!(rows.len(), 6, "two checks per attempt: {rows:?}");
    assert_eq!(rows[0]["criterion"], "output:report.md");
    assert_eq!(rows[0]["passed"], true);
    assert_eq!(rows[1]["criterion"], "verification_script");
    assert_eq!(rows[1]["passed"], false);
    assert!(
        rows[1]["explanation"]
            .as_str()
            .unwrap()
            .contains("report.md has no heading"),
        "{rows:?}"
    );
    for r in &rows[2..] {
        assert_eq!(
            r["passed"], false,
            "attempts 2 and 3 left no report: {rows:?}"
        );
    }
    let runs = service
        .sql(
            t,
            &format!(
                "SELECT passed, final_score, attempts FROM runs WHERE run_id = '{}'",
                ids[0]
            ),
        )
        .await;
    assert_eq!(runs[0]["passed"], false);
    assert_eq!(runs[0]["final_score"], 0.5, "the best attempt's score");
    assert_eq!(runs[0]["attempts"], 3);
    // The kept attempt's report is the one served.
    let (status, list) = service
        .get(&format!("/api/v1/runs/{}/artifacts", ids[0]), t)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["data"][0]["attempt"], 1, "{list}");
    let body = service
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{}/artifacts/report.md", ids[0]),
            Some(t),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "no heading here");
    // Re-graded against the lenient example (any non-empty report passes): the verdict
    // follows the new grading in SQL and in the run's API answer.
    let lenient =
        std::fs::read_to_string(wharf_tests::workspace().join("examples/runbooks/write-report.md"))
            .unwrap();
    let (status, regrade) = service
        .post(
            &format!("/api/v1/runs/{}/grade", ids[0]),
            t,
            json!({"runbook": lenient}),
        )
        .await;
    assert_eq!(status, 200, "{regrade}");
    assert_eq!(regrade["passed"], true, "{regrade}");
    let runs = service
        .sql(
            t,
            &format!(
                "SELECT passed, final_score FROM runs WHERE run_id = '{}'",
                ids[0]
            ),
        )
        .await;
    assert_eq!(runs[0]["passed"], true, "{runs:?}");
    assert_eq!(runs[0]["final_score"], 1.0, "{runs:?}");
    let (_, regraded) = service.get(&format!("/api/v1/runs/{}", ids[0]), t).await;
    assert_eq!(regraded["summary"]["passed"], true, "{regraded}");
    assert_eq!(regraded["summary"]["final_score"], 1.0, "{regraded}");

    // 2. Passes on the first attempt.
    let good = service.wait_end(t, &ids[1]).await;
    assert_eq!(good["status"], "succeeded", "{good}");
    assert_eq!(good["summary"]["passed"], true);
    assert_eq!(good["summary"]["attempts"], 1);

    // 3. Fails, gets the feedback, passes.
    let fixed = service.wait_end(t, &ids[2]).await;
    assert_eq!(fixed["status"], "succeeded", "{fixed}");
    assert_eq!(fixed["summary"]["attempts"], 2, "{fixed}");
    assert_eq!(fixed["summary"]["best_attempt"], 2, "{fixed}");
    assert_eq!(fixed["summary"]["final_score"], 1.0, "{fixed}");
    let feedback = service
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{}/artifacts/feedback.txt", ids[2]),
            Some(t),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(feedback.contains("Failed checks:"), "{feedback}");
    assert!(feedback.contains("- verification_script:"), "{feedback}");
    assert!(feedback.contains("report.md has no heading"), "{feedback}");
    assert!(feedback.contains("2 more rounds"), "{feedback}");
    let events = service
        .sql(
            t,
            &format!(
                "SELECT attempt, text FROM events WHERE run_id = '{}' AND kind = 'user_message' AND name = 'feedback'",
                ids[2]
            ),
        )
        .await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["attempt"], 2);
    assert_eq!(events[0]["text"].as_str().unwrap().trim(), feedback.trim());
    let runs = service
        .sql(
            t,
            &format!(
                "SELECT passed, attempts FROM runs WHERE run_id = '{}'",
                ids[2]
            ),
        )
        .await;
    assert_eq!(runs[0]["passed"], true);
    assert_eq!(runs[0]["attempts"], 2);
}

/// A rubric runbook is judged by the configured judge model; the pass decision is computed
/// from the scores (a judge saying "pass" with a 2 does not pass), every criterion is a
/// `scores` row with the judge's explanation, and the agent goes back with the failed
/// criterion and that explanation until the rule holds.
#[tokio::test(flavor = "multi_thread")]
async fn rubric_runbooks_are_judged_the_rule_decides_and_feedback_fixes_them() {
    let judge = r#"
options:
  api_key: sk-canary-wharf-key-31c9
turns:
  - match: {any: "DRAFT-7731"}
    text: '{"criteria":[{"criterion":"Structure","score":5,"explanation":"Title and one section per input."},{"criterion":"Accuracy","score":2,"explanation":"It describes a file that was never uploaded."}],"summary":"Good shape, wrong facts.","verdict":"pass"}'
  - match: {any: "FINAL-7732"}
    text: '{"criteria":[{"criterion":"Structure","score":5,"explanation":"Title and sections."},{"criterion":"Accuracy","score":5,"explanation":"Only what was uploaded."}],"summary":"Fixed.","verdict":"pass"}'
"#;
    let service = Service::with_judge(judge);
    let t = &service.token;
    let runbook = rubric_runbook();
    let script = r#"mkdir -p /app/results; if [ "$WHARF_RESUME" = 1 ]; then cat > /app/results/feedback.txt; printf '# Report\n\nFINAL-7732: no inputs were uploaded.\n' > /app/results/report.md; else printf '# Report\n\n## notes.txt\nDRAFT-7731 A summary.\n' > /app/results/report.md; fi"#;
    let (status, run) = service
        .post(
            "/api/v1/runs",
            t,
            json!({"runbook": runbook, "agent": "command", "command": ["sh", "-c", script]}),
        )
        .await;
    assert_eq!(status, 201, "{run}");
    let run_id = run["run_id"].as_str().unwrap().to_owned();
    let done = service.wait_end(t, &run_id).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["summary"]["passed"], true, "{done}");
    assert_eq!(done["summary"]["attempts"], 2, "{done}");
    assert_eq!(done["summary"]["final_score"], 5.0, "{done}");
    let rows = service
        .sql(
            t,
            &format!(
                "SELECT attempt, criterion, value, passed, explanation, grader_model FROM scores \
                 WHERE run_id = '{run_id}' AND grader_kind = 'rubric' ORDER BY attempt, criterion"
            ),
        )
        .await;
    let by: std::collections::BTreeMap<(i64, String), Value> = rows
        .iter()
        .map(|r| {
            (
                (
                    r["attempt"].as_i64().unwrap(),
                    r["criterion"].as_str().unwrap().to_owned(),
                ),
                r.clone(),
            )
        })
        .collect();
    let at = |n: i64, c: &str| by[&(n, c.to_owned())].clone();
    assert_eq!(at(1, "Accuracy")["value"], 2.0, "{rows:?}");
    assert!(
        at(1, "Accuracy")["explanation"]
            .as_str()
            .unwrap()
            .contains("never uploaded")
    );
    assert_eq!(at(1, "Structure")["value"], 5.0);
    assert_eq!(at(1, "Structure")["grader_model"], "judge-1");
    assert_eq!(
        at(1, "overall")["passed"],
        false,
        "the rule, not the judge's verdict: {rows:?}"
    );
    assert_eq!(at(2, "Accuracy")["value"], 5.0, "{rows:?}");
    assert_eq!(at(2, "overall")["passed"], true, "{rows:?}");
    // The agent was told which criterion failed and why.
    let feedback = service
        .req(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{run_id}/artifacts/feedback.txt"),
            Some(t),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(feedback.contains("Accuracy scored 2/5"), "{feedback}");
    assert!(
        feedback.contains("It describes a file that was never uploaded."),
        "{feedback}"
    );
    assert!(
        !feedback.contains("Structure scored"),
        "only what failed: {feedback}"
    );
    // The judge saw each attempt's output file.
    let requests: Vec<String> = service
        .mock
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    assert!(
        requests.iter().any(|b| b.contains("DRAFT-7731")),
        "{requests:?}"
    );
    assert!(
        requests.iter().any(|b| b.contains("FINAL-7732")),
        "{requests:?}"
    );
}

/// Labels, comparisons, calibration and dataset export over the API: a label written right
/// after a run ends is in SQL at once; two labelled arms compare with the right pass-rate
/// difference; the judge is calibrated against human labels; the export carries the
/// rendered runbook, outputs, scores and labels.
#[tokio::test(flavor = "multi_thread")]
async fn labels_compare_calibrate_and_export() {
    let judge = r#"
options:
  api_key: sk-canary-wharf-key-31c9
turns:
  - match: {any: "GOOD-REPORT"}
    text: '{"criteria":[{"criterion":"Structure","score":5,"explanation":"Clear."},{"criterion":"Accuracy","score":5,"explanation":"Matches the inputs."}],"summary":"ok"}'
  - match: {any: "BAD-REPORT"}
    text: '{"criteria":[{"criterion":"Structure","score":4,"explanation":"Fine."},{"criterion":"Accuracy","score":2,"explanation":"Invented content."}],"summary":"no"}'
"#;
    let service = Service::with_judge(judge);
    let t = &service.token;
    let runbook = rubric_runbook();
    let mut ids = Vec::new();
    for (arm, word, n) in [
        ("A", "GOOD-REPORT", 0),
        ("A", "GOOD-REPORT", 1),
        ("B", "BAD-REPORT", 2),
        ("B", "BAD-REPORT", 3),
    ] {
        let script = format!(
            "mkdir -p /app/results && printf '# Report\\n\\n{word} {n}\\n' > /app/results/report.md"
        );
        let (status, run) = service
            .post(
                "/api/v1/runs",
                t,
                json!({
                    "runbook": runbook, "agent": "command", "command": ["sh", "-c", script],
                    "max_rounds": 1, "labels": {"arm": arm},
                    "template_variables": {"title": format!("Quarterly {n}")},
                }),
            )
            .await;
        assert_eq!(status, 201, "{run}");
        ids.push(run["run_id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        let done = service.wait_end(t, id).await;
        assert!(
            matches!(done["status"].as_str(), Some("succeeded" | "failed")),
            "{done}"
        );
    }

    // A human label right after the end, visible in SQL at once.
    let (status, labelled) = service
        .post(
            &format!("/api/v1/runs/{}/labels", ids[2]),
            t,
            json!({"labels": [
                {"key": "Accuracy", "value": 3, "note": "one invented line", "author": "ana"},
                {"key": "passed", "value": false, "author": "ana"},
            ]}),
        )
        .await;
    assert_eq!(status, 201, "{labelled}");
    assert_eq!(labelled["data"][0]["value_num"], 3.0);
    let rows = service
        .sql(
            t,
            &format!("SELECT key, value, value_num, author, note FROM latest_labels WHERE run_id = '{}' AND author = 'ana' ORDER BY key", ids[2]),
        )
        .await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["key"], "Accuracy");
    assert_eq!(rows[0]["value_num"], 3.0);
    assert_eq!(rows[0]["note"], "one invented line");
    assert_eq!(rows[1]["value"], "false");
    for (id, accuracy, passed) in [(&ids[0], 5, true), (&ids[1], 4, true), (&ids[3], 2, false)] {
        let (status, v) = service
            .post(
                &format!("/api/v1/runs/{id}/labels"),
                t,
                json!({"labels": [{"key": "accuracy", "value": accuracy, "author": "ana"}, {"key": "passed", "value": passed, "author": "ana"}]}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
    }
    // Editing is a new label; the latest wins, the history keeps both.
    let (status, _) = service
        .post(
            &format!("/api/v1/runs/{}/labels", ids[1]),
            t,
            json!({"key": "accuracy", "value": 5, "author": "ana"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, latest) = service
        .get(&format!("/api/v1/runs/{}/labels", ids[1]), t)
        .await;
    let accuracy: Vec<&Value> = latest["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["key"] == "accuracy")
        .collect();
    assert_eq!(accuracy.len(), 1, "{latest}");
    assert_eq!(accuracy[0]["value_num"], 5.0);
    let (_, history) = service
        .get(&format!("/api/v1/runs/{}/labels?history=true", ids[1]), t)
        .await;
    assert_eq!(
        history["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["key"] == "accuracy")
            .count(),
        2,
        "{history}"
    );
    // Bad labels are refused with the field named; unknown runs are 404.
    let (status, v) = service
        .post(
            &format!("/api/v1/runs/{}/labels", ids[0]),
            t,
            json!({"key": "x", "value": {"nested": 1}}),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("labels[0].value"),
        "{v}"
    );
    let (status, v) = service
        .post(
            &format!("/api/v1/runs/{}/labels", ids[0]),
            t,
            json!({"key": "wharf.kept_attempt", "value": 2}),
        )
        .await;
    assert_eq!(status, 400, "{v}");
    let (status, _) = service
        .post(
            "/api/v1/runs/0190a3c4-0000-7000-8000-00000000dead/labels",
            t,
            json!({"key": "x", "value": 1}),
        )
        .await;
    assert_eq!(status, 404);

    // Compare the two arms.
    let arm = |a: &str| {
        format!("run_id IN (SELECT run_id FROM latest_labels WHERE key = 'arm' AND value = '{a}')")
    };
    let (status, cmp) = service
        .post(
            "/api/v1/compare",
            t,
            json!({"a": arm("A"), "b": arm("B"), "resamples": 500}),
        )
        .await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["a"]["runs"], 2, "{cmp}");
    assert_eq!(cmp["b"]["runs"], 2, "{cmp}");
    assert_eq!(cmp["a"]["pass_rate"]["estimate"], 1.0, "{cmp}");
    assert_eq!(cmp["b"]["pass_rate"]["estimate"], 0.0, "{cmp}");
    assert_eq!(cmp["pass_rate_difference"]["estimate"], -1.0, "{cmp}");
    let accuracy = cmp["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["criterion"] == "Accuracy")
        .unwrap_or_else(|| panic!("{cmp}"));
    assert_eq!(accuracy["a"]["estimate"], 5.0);
    assert_eq!(accuracy["b"]["estimate"], 2.0);
    assert_eq!(accuracy["difference"]["estimate"], -3.0);
    assert_eq!(accuracy["n_a"], 2);
    // Two single runs side by side.
    let (status, pair) = service
        .post("/api/v1/compare", t, json!({"a": ids[0], "b": ids[2]}))
        .await;
    assert_eq!(status, 200, "{pair}");
    assert_eq!(pair["a"]["run_ids"][0], ids[0].as_str());
    let (status, v) = service
        .post(
            "/api/v1/compare",
            t,
            json!({"a": "no_such_column = 1", "b": ids[2]}),
        )
        .await;
    assert_eq!(status, 400, "{v}");

    // Calibration: judge (5, 5, 2, 2) vs humans (5, 5, 3, 2) on Accuracy.
    let (status, cal) = service.post("/api/v1/calibration", t, json!({})).await;
    assert_eq!(status, 200, "{cal}");
    assert_eq!(cal["runs"], 4, "{cal}");
    let by: std::collections::BTreeMap<String, Value> = cal["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["criterion"].as_str().unwrap().to_owned(), c.clone()))
        .collect();
    let acc = &by["Accuracy"];
    assert_eq!(acc["n"], 4, "{cal}");
    assert_eq!(acc["accuracy"], 0.75, "{cal}");
    assert_eq!(acc["within_one"], 1.0, "{cal}");
    let kappa = acc["kappa"].as_f64().unwrap();
    // p_o = 0.75; p_e = 0.5*0.5 (5) + 0.5*0.25 (2) = 0.375; kappa = 0.375/0.625 = 0.6
    assert!((kappa - 0.6).abs() < 1e-9, "{cal}");
    assert_eq!(by["overall"]["accuracy"], 1.0, "{cal}");

    // Export arm A as JSONL.
    let resp = service
        .req(reqwest::Method::POST, "/api/v1/datasets/export", Some(t))
        .json(&json!({"where": arm("A")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let first = lines
        .iter()
        .find(|l| l["run"]["run_id"] == ids[0].as_str())
        .unwrap();
    assert!(
        first["runbook"]
            .as_str()
            .unwrap()
            .contains("titled \"Quarterly 0\""),
        "{first}"
    );
    assert_eq!(first["parameters"]["title"], "Quarterly 0", "{first}");
    assert_eq!(first["outputs"][0]["path"], "report.md");
    assert_eq!(
        first["outputs"][0]["content"],
        "# Report\n\nGOOD-REPORT 0\n"
    );
    assert!(
        first["scores"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["criterion"] == "Accuracy" && s["value"] == 5.0),
        "{first}"
    );
    assert!(
        first["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["key"] == "arm" && l["value"] == "A"),
        "{first}"
    );
    assert!(!first["labels"].to_string().contains("wharf.kept_attempt"));
    // And as Parquet, read back by DuckDB.
    let resp = service
        .req(reqwest::Method::POST, "/api/v1/datasets/export", Some(t))
        .json(&json!({"where": "true", "format": "parquet"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    let file = service.root().join("dataset.parquet");
    std::fs::write(&file, &bytes).unwrap();
    {
        let out = std::process::Command::new(python())
            .arg("-c")
            .arg(format!(
                "import duckdb; print(duckdb.sql(\"SELECT count(*), sum(CASE WHEN passed THEN 1 ELSE 0 END) FROM '{}'\").fetchone())",
                file.display()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "(4, 2)");
    }
}

/// Bring your own agent over the API: a trajectory file imported as a run of the caller's
/// collection (whatever collection the file names), OTLP traces from the real OpenTelemetry
/// SDK exporter (protobuf) and as JSON, and a grade of the imported run with its output
/// files against a runbook.
#[tokio::test(flavor = "multi_thread")]
async fn external_runs_are_imported_and_graded() {
    let service = Service::start_with(SCRIPT, "");
    let t = &service.token;
    let fixtures = repo().join("import/tests/fixtures");

    // A codex rollout, detected.
    let rollout = std::fs::read(fixtures.join("codex.rollout.jsonl")).unwrap();
    let resp = service
        .req(reqwest::Method::POST, "/api/v1/trajectories", Some(t))
        .body(rollout.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let imported: Value = resp.json().await.unwrap();
    assert_eq!(imported["format"], "codex", "{imported}");
    let run_id = imported["run_ids"][0].as_str().unwrap().to_owned();
    assert!(imported["new_records"].as_u64().unwrap() > 1, "{imported}");
    // Importing it again adds nothing.
    let again: Value = service
        .req(reqwest::Method::POST, "/api/v1/trajectories", Some(t))
        .body(rollout)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["new_records"], 0, "{again}");
    let runs = service
        .sql(
            t,
            &format!("SELECT source, collection FROM runs WHERE run_id = '{run_id}'"),
        )
        .await;
    assert_eq!(runs[0]["source"], "external");
    assert_eq!(runs[0]["collection"], "default");
    // The imported run's trajectory, in wharf's document and as ATIF (which imports back).
    let (status, doc) = service
        .get(&format!("/api/v1/runs/{run_id}/trajectory"), t)
        .await;
    assert_eq!(status, 200, "{doc}");
    assert!(doc["run"].is_null(), "not a run of the service: {doc}");
    assert!(doc["events"].as_array().unwrap().len() > 2, "{doc}");
    let (status, atif) = service
        .get(&format!("/api/v1/runs/{run_id}/trajectory?format=atif"), t)
        .await;
    assert_eq!(status, 200, "{atif}");
    assert!(
        atif["schema_version"]
            .as_str()
            .unwrap()
            .starts_with("ATIF-v1"),
        "{atif}"
    );
    let steps = atif["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| !s["tool_calls"].is_null()), "{atif}");
    let back: Value = service
        .req(
            reqwest::Method::POST,
            "/api/v1/trajectories?format=atif",
            Some(t),
        )
        .body(atif.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back["format"], "atif", "{back}");
    let (status, _) = service
        .get(&format!("/api/v1/runs/{run_id}/trajectory?format=xml"), t)
        .await;
    assert_eq!(status, 400);
    // A malformed file is a 400 naming where.
    let resp = service
        .req(reqwest::Method::POST, "/api/v1/trajectories?format=atif", Some(t))
        .body(r#"{"schema_version":"ATIF-v1.6","session_id":"s","agent":{"name":"a","version":"1"},"steps":[{"step_id":1,"source":"agent","tool_calls":[{"tool_call_id":"c"}]}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let err: Value = resp.json().await.unwrap();
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("steps[0]"),
        "{err}"
    );

    // OTLP protobuf from the real SDK exporter.
    let out = std::process::Command::new(python())
        .arg(repo().join("tests/python/otlp_export.py"))
        .arg(&service.url)
        .arg(t)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = service
        .sql(
            t,
            "SELECT c.model, c.input_tokens, c.output_tokens FROM llm_calls c JOIN runs r ON c.run_id = r.run_id WHERE r.source = 'external' AND c.model = 'gpt-5.1-2026-01-01'",
        )
        .await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["input_tokens"], 1200);
    let scores = service
        .sql(
            t,
            "SELECT criterion, value, explanation FROM scores WHERE criterion = 'Relevance'",
        )
        .await;
    assert_eq!(scores.len(), 1, "{scores:?}");
    assert_eq!(scores[0]["value"], 4.0);
    let tools = service
        .sql(
            t,
            "SELECT count(*) AS n FROM events WHERE kind = 'tool_call' AND name = 'write_file'",
        )
        .await;
    let all = service
        .sql(t, "SELECT e.kind, e.name, e.call_id FROM events e JOIN runs r ON e.run_id = r.run_id WHERE r.runtime = 'report-writer' OR r.run_id IN (SELECT run_id FROM scores WHERE criterion = 'Relevance')")
        .await;
    assert_eq!(tools[0]["n"], 1, "{all:?}");
    // OTLP JSON.
    let resp = service
        .req(reqwest::Method::POST, "/v1/traces", Some(t))
        .header("content-type", "application/json")
        .body(std::fs::read(fixtures.join("otlp.traces.json")).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = service
        .req(reqwest::Method::POST, "/v1/traces", Some(t))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = service
        .req(reqwest::Method::POST, "/v1/traces", None)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Grade the imported codex run with its outputs, against a strict runbook.
    let strict = crate::support::strict_report_runbook();
    let grade = |report: &'static str| {
        let (content_type, body) = multipart(&[
            ("runbook", None, strict.clone()),
            ("output", Some("report.md"), report.to_owned()),
        ]);
        service
            .req(
                reqwest::Method::POST,
                &format!("/api/v1/runs/{run_id}/grade"),
                Some(t),
            )
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let resp = grade("no heading").await.unwrap();
    assert_eq!(resp.status(), 200);
    let verdict: Value = resp.json().await.unwrap();
    assert_eq!(verdict["passed"], false, "{verdict}");
    let shown = service
        .sql(
            t,
            &format!("SELECT passed FROM runs WHERE run_id = '{run_id}'"),
        )
        .await;
    assert_eq!(
        shown[0]["passed"], false,
        "the run shows its grading: {shown:?}"
    );
    assert!(
        verdict.to_string().contains("report.md has no heading"),
        "{verdict}"
    );
    let resp = grade("# Report\n\nfine\n").await.unwrap();
    let verdict: Value = resp.json().await.unwrap();
    assert_eq!(verdict["passed"], true, "{verdict}");
    assert_eq!(verdict["final_score"], 1.0);
    // The latest grading is the one `kept_scores` shows.
    let kept = service
        .sql(
            t,
            &format!("SELECT criterion, passed FROM kept_scores WHERE run_id = '{run_id}' ORDER BY criterion"),
        )
        .await;
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(kept.iter().all(|r| r["passed"] == true), "{kept:?}");
    // ... and its verdict the one `runs` shows.
    let shown = service
        .sql(
            t,
            &format!("SELECT passed, final_score FROM runs WHERE run_id = '{run_id}'"),
        )
        .await;
    assert_eq!(shown[0]["passed"], true, "{shown:?}");
    assert_eq!(shown[0]["final_score"], 1.0, "{shown:?}");
    // Re-grading from the stored outputs (JSON body) uses the last files recorded.
    let (status, regrade) = service
        .post(
            &format!("/api/v1/runs/{run_id}/grade"),
            t,
            json!({"runbook": strict}),
        )
        .await;
    assert_eq!(status, 200, "{regrade}");
    assert_eq!(regrade["passed"], true, "{regrade}");
    // An output path escaping the results directory is refused.
    let (content_type, body) = multipart(&[
        ("runbook", None, strict.clone()),
        ("output", Some("../../etc/x"), "x".to_owned()),
    ]);
    let resp = service
        .req(
            reqwest::Method::POST,
            &format!("/api/v1/runs/{run_id}/grade"),
            Some(t),
        )
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "{}", resp.text().await.unwrap());
}

/// `wharf serve --demo` fills a `demo` collection by really running the example runbook:
/// every installed agent CLI, and `command` runs that pass, pass after feedback, and never
/// pass. All are labelled `demo=true`; the collection's token is saved for the user.
#[tokio::test(flavor = "multi_thread")]
async fn serve_demo_fills_a_demo_collection_with_real_runs() {
    let service = Service::start_full(SCRIPT, "", &["--demo"]);
    let token_file = service.dir.path().join("state/demo-token");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !token_file.exists() {
        assert!(
            Instant::now() < deadline,
            "no demo token: {}",
            service.log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let demo = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    // Wait for every demo run to end.
    let deadline = Instant::now() + Duration::from_secs(600);
    let runs = loop {
        let (_, list) = service.get("/api/v1/runs?limit=100", &demo).await;
        let runs = list["data"].as_array().cloned().unwrap_or_default();
        let done = runs.len() >= 3
            && runs
                .iter()
                .all(|r| !matches!(r["status"].as_str(), Some("queued" | "running")));
        if done {
            break runs;
        }
        assert!(Instant::now() < deadline, "demo runs never ended: {list}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let log = service.log.lock().unwrap().clone();
    assert!(
        log.contains("demo: ") && log.contains("run(s) started in collection `demo`"),
        "{log}"
    );
    let agents: Vec<&str> = runs.iter().filter_map(|r| r["agent"].as_str()).collect();
    let commands = agents.iter().filter(|a| **a == "command").count();
    assert_eq!(commands, 3, "{runs:?}");
    if tools_dir().is_some() {
        assert!(agents.len() > 3, "installed agents run too: {agents:?}");
    }
    let rows = service
        .sql(
            &demo,
            "SELECT r.runtime, r.status, r.attempts FROM runs r \
             JOIN latest_labels l ON l.run_id = r.run_id AND l.key = 'demo' AND l.value = 'true' \
             ORDER BY r.runtime, r.attempts",
        )
        .await;
    assert_eq!(rows.len(), runs.len(), "{rows:?}");
    let command: Vec<(String, i64)> = rows
        .iter()
        .filter(|r| r["runtime"] == "command")
        .map(|r| {
            (
                r["status"].as_str().unwrap().to_owned(),
                r["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(command.contains(&("succeeded".into(), 1)), "{command:?}");
    assert!(
        command.contains(&("succeeded".into(), 2)),
        "fixed after feedback: {command:?}"
    );
    assert!(
        command.contains(&("failed".into(), 2)),
        "never passes: {command:?}"
    );
    for r in rows.iter().filter(|r| r["runtime"] != "command") {
        assert_eq!(r["status"], "succeeded", "{r}");
    }
    // The demo collection is its own: the admin token's collection has none of these.
    let (_, mine) = service.get("/api/v1/runs", &service.token).await;
    assert_eq!(mine["data"].as_array().map(Vec::len), Some(0), "{mine}");
    assert_demo_samples(&service, &demo).await;
}

/// The demo collection holds the bundled sample runs, with their tool calls, tokens and
/// cost, spread over the seven days ending now, and its pages say how to add real runs.
pub async fn assert_demo_samples(service: &Service, demo: &str) {
    let samples =
        std::fs::read_to_string(repo().join("examples/trajectories/sample-runs.jsonl")).unwrap();
    let ids: Vec<String> = samples
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["type"] == "run")
        .map(|r| format!("'{}'", r["run_id"].as_str().unwrap()))
        .collect();
    let ids = ids.join(", ");
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let rows = service
            .sql(
                demo,
                &format!(
                    "SELECT count(*) AS runs, sum(input_tokens + output_tokens) AS tokens, \
                            sum(cost_usd) AS cost, \
                            count(DISTINCT date_trunc('day', started_at)) AS days, \
                            min(started_at) >= now() - INTERVAL '7 days 10 minutes' AS recent, \
                            max(ended_at) <= now() AS past, \
                            max(started_at) >= now() - INTERVAL '1 day' AS today \
                     FROM runs WHERE run_id IN ({ids})"
                ),
            )
            .await;
        if rows.first().is_some_and(|r| r["runs"] == 12) {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "the samples were not imported: {rows:?}\n{}",
            service.log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let r = &rows[0];
    assert!(r["tokens"].as_f64().unwrap() > 0.0, "{r}");
    assert!(r["cost"].as_f64().unwrap() > 0.0, "{r}");
    assert!(
        r["days"].as_i64().unwrap() >= 7,
        "spread over the week: {r}"
    );
    assert_eq!(r["recent"], true, "{r}");
    assert_eq!(r["past"], true, "{r}");
    assert_eq!(r["today"], true, "{r}");
    let calls = service
        .sql(
            demo,
            &format!("SELECT count(*) AS n FROM tool_calls WHERE run_id IN ({ids})"),
        )
        .await;
    assert!(calls[0]["n"].as_i64().unwrap() > 0, "{calls:?}");
    let page = service
        .req(reqwest::Method::GET, "/", Some(demo))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo collection."), "{html}");
    assert!(
        html.contains("<code>wharf runtimes install codex claude-code</code>"),
        "{html}"
    );
}
