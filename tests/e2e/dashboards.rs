//! The dashboards in a real browser: `wharf serve` on 127.0.0.1 with a mock judge, a few
//! `command`-runtime runs (one whose output and artifact carry HTML/JS), then Debian's
//! headless Chromium driven by `playwright-core` (tests/browser/dashboards.mjs) logs in,
//! opens every page, filters, steps through a replay, labels, compares, runs SQL, and
//! checks that nothing planted in the data ever ran. Screenshots land in
//! `target/screenshots/`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};

use crate::service::Service;
use wharf_tests::workspace as repo;

/// Starts a `command`-runtime run of `runbook` (a file under the repository), one round.
async fn run(server: &Service, runbook: &str, script: &str, extra: Value) -> String {
    let mut body = json!({
        "runbook": std::fs::read_to_string(repo().join(runbook)).unwrap(),
        "max_rounds": 1,
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    server.command_run(&server.token, script, body).await
}

/// The judge: a good report and a bad one; an explanation carrying markup.
const JUDGE: &str = r#"
options:
  api_key: sk-canary-wharf-key-31c9
turns:
  - match: {any: "GOOD-REPORT"}
    text: '{"criteria":[{"criterion":"Structure","score":5,"explanation":"Clear. <img src=x onerror=alert(1)>"},{"criterion":"Accuracy","score":5,"explanation":"Matches the inputs."}],"summary":"ok"}'
  - match: {any: "BAD-REPORT"}
    text: '{"criteria":[{"criterion":"Structure","score":4,"explanation":"Fine."},{"criterion":"Accuracy","score":2,"explanation":"Invented content."}],"summary":"no"}'
"#;

/// What the agent of the hostile run prints and writes.
const PAYLOAD: &str = "<script>document.title='pwned'</script> [x](javascript:alert(1))";

/// What the long run's agent runs: two chat calls through wharf's gateway with its run token.
const GATEWAY_CALLS: &str = r#"
import json, os, urllib.request
for i in range(2):
    req = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"] + "/chat/completions",
        data=json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi %d" % i}]}).encode(),
        headers={"authorization": "Bearer " + os.environ["WHARF_GATEWAY_TOKEN"], "content-type": "application/json"},
    )
    print("model said:", json.load(urllib.request.urlopen(req))["choices"][0]["message"]["content"])
"#;

/// Where `playwright-core` is installed (scripts/test puts it in target/browser-tools).
fn playwright_dir() -> PathBuf {
    std::env::var_os("WHARF_TEST_PLAYWRIGHT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/browser-tools/node_modules"))
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Whether the browser test can run here; under CI it must.
fn browser_available() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let chromium = std::path::Path::new(CHROMIUM).exists();
    let node = Command::new("node").arg("--version").output().is_ok();
    let playwright = playwright_dir().join("playwright-core").exists();
    if chromium && node && playwright {
        return true;
    }
    let missing = format!(
        "chromium at {CHROMIUM}: {chromium}, node: {node}, playwright-core in {}: {playwright}",
        playwright_dir().display()
    );
    assert!(
        !ci,
        "the browser test must run under CI ({missing}); .ci/run installs chromium, scripts/test playwright-core"
    );
    eprintln!("skipped: browser test needs {missing}");
    false
}

/// Log in, every page, a filter, a replay, a label, a comparison, a SQL query; nothing
/// planted in agent output, artifacts, judge explanations or SQL results runs.
#[tokio::test(flavor = "multi_thread")]
async fn dashboards_work_in_a_real_browser_and_run_nothing_they_show() {
    if !browser_available() {
        return;
    }
    let server = Service::with_judge(JUDGE);
    let rubric = "tests/fixtures/runbooks/rubric-report.md";
    let hostile = "echo \"$0\"; mkdir -p /app/results && printf '# Report\\n\\nGOOD-REPORT\\n%s\\n' \"$0\" > /app/results/report.md && printf '{\"html\": \"%s\"}' '<b>x</b>' > /app/results/data.json && printf 'name,value\\n<i>a</i>,1\\n' > /app/results/table.csv && echo done";
    let xss = run(
        &server,
        rubric,
        hostile,
        json!({"labels": {"arm": "A"}, "command": ["sh", "-c", hostile, PAYLOAD]}),
    )
    .await;
    let good = run(
            &server,
            rubric,
            "mkdir -p /app/results && printf '# Report\\n\\nGOOD-REPORT two\\n' > /app/results/report.md",
            json!({"labels": {"arm": "A"}}),
        )
        .await;
    let bad = run(
            &server,
            rubric,
            "for i in 1 2 3 4 5; do echo \"working on part $i\"; done; mkdir -p /app/results && printf '# Report\\n\\nBAD-REPORT\\nan invented line\\n' > /app/results/report.md",
            json!({"labels": {"arm": "B"}}),
        )
        .await;
    // Two pages of timeline (620 output lines) and two model calls through the gateway.
    let long = "i=0; while [ $i -lt 620 ]; do i=$((i+1)); echo \"line $i\"; done; python3 -c \"$0\"; mkdir -p /app/results && printf 'report from command\\n' > /app/results/report.md && echo wrote";
    let plain = run(
        &server,
        "examples/runbooks/write-report.md",
        long,
        // A named provider: the run gets a gateway token (a `command` run without one
        // has no model access).
        json!({"command": ["sh", "-c", long, GATEWAY_CALLS], "model_provider": "openai"}),
    )
    .await;
    for id in [&xss, &good, &bad, &plain] {
        let done = server.wait_end(&server.token, id).await;
        assert!(
            matches!(done["status"].as_str(), Some("succeeded" | "failed")),
            "{done}\n{}",
            server.log.lock().unwrap()
        );
    }
    // A run still going when the browser opens it: its build log follows it over SSE.
    let live = run(
            &server,
            "examples/runbooks/write-report.md",
            "sleep 12; echo live-step-one; sleep 1; echo live-step-two; mkdir -p /app/results && echo ok > /app/results/report.md",
            json!({}),
        )
        .await;

    let shots = repo().join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .arg(repo().join("tests/browser/dashboards.mjs"))
        .env("WHARF_URL", &server.url)
        .env("WHARF_TOKEN", &server.token)
        .env("PLAYWRIGHT_DIR", playwright_dir())
        .env("CHROMIUM", CHROMIUM)
        .env("SCREENSHOTS", &shots)
        .env("RUN_XSS", &xss)
        .env("RUN_GOOD", &good)
        .env("RUN_BAD", &bad)
        .env("RUN_PLAIN", &plain)
        .env("RUN_LIVE", &live)
        .env("PAYLOAD", PAYLOAD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser script failed:\n{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log.lock().unwrap()
    );
    for name in [
        "login",
        "overview",
        "overview-filtered",
        "run",
        "run-long",
        "run-live",
        "compare",
        "sql",
    ] {
        assert!(
            shots.join(format!("{name}.png")).exists(),
            "screenshot {name}.png missing"
        );
    }
    // The label the browser wrote is in SQL, authored by the cookie's token.
    let rows = server
        .sql(
            &server.token,
            &format!(
                "SELECT value, author FROM latest_labels WHERE run_id = '{xss}' AND key = 'verdict'"
            ),
        )
        .await;
    assert_eq!(rows[0]["value"], "great", "{rows:?}");
    assert!(
        rows[0]["author"].as_str().unwrap().starts_with("token:"),
        "{rows:?}"
    );
}

/// An `application/x-www-form-urlencoded` body.
fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'_' {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Without the browser: cookie sessions and their CSRF rule, the login redirect, and the
/// pages' security headers, over plain HTTP.
#[tokio::test(flavor = "multi_thread")]
async fn dashboards_cookie_sessions_need_the_csrf_header_and_pages_are_locked_down() {
    let server = Service::with_judge(JUDGE);
    let run = run(
        &server,
        "examples/runbooks/write-report.md",
        "mkdir -p /app/results && echo ok > /app/results/report.md",
        json!({}),
    )
    .await;
    server.wait_end(&server.token, &run).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |p: &str| format!("{}{p}", server.url);

    // No cookie: pages redirect to the login page, keeping where the user was going.
    let r = http.get(url("/runs/x?page=2")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/login?next=%2Fruns%2Fx%3Fpage%3D2"
    );
    // A wrong token is refused; the right one sets an HttpOnly, SameSite=Strict cookie.
    let r = http
        .post(url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", "wharf_nope"), ("next", "/")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none());
    let r = http
        .post(url("/login"))
        .header("origin", "http://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("token", server.token.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a cross-site login post is refused");
    let r = http
        .post(url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("token", server.token.as_str()),
            ("next", "//evil.example"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/", "no open redirect");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attr in ["wharf_token=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    let session = cookie.split(';').next().unwrap().to_owned();

    // Pages with the cookie: HTML with a strict CSP and no inline script.
    for path in ["/", &format!("/runs/{run}"), "/compare", "/sql"] {
        let r = http
            .get(url(path))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(r.headers().contains_key("server-timing"), "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("<script>"), "{path}: inline script");
    }
    // Reads with the cookie work; writes need the CSRF header; bearer tokens still work.
    let labels = url(&format!("/api/v1/runs/{run}/labels"));
    let r = http
        .get(&labels)
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(&labels)
        .header("cookie", &session)
        .json(&json!({"key": "k", "value": "v"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a cookie write without the CSRF header");
    let r = http
        .post(&labels)
        .header("cookie", &session)
        .header("x-wharf-csrf", "1")
        .json(&json!({"key": "k", "value": "v"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(&labels)
        .bearer_auth(&server.token)
        .json(&json!({"key": "k", "value": "w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // A stale cookie is a login redirect, not an error page.
    let r = http
        .get(url("/sql"))
        .header(
            "cookie",
            "wharf_token=wharf_0000000000000000000000000000000000000000",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Assets are embedded; unknown ones are 404.
    let r = http.get(url("/static/dashboard.js")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let r = http.get(url("/static/nope.js")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // Logging out clears the cookie.
    let r = http
        .post(url("/logout"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
}
