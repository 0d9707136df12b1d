//! `wharf serve --demo`: a `demo` collection that looks like a team's week on a fresh
//! machine. The bundled sample trajectories (agent runs with tool calls, tokens, cost and
//! scores) are imported through the service with their times moved into the last seven
//! days; then, when sandboxes are available, the bundled example runbook really runs: every
//! agent CLI that is installed (offline, the built-in mock-llm answers them), and `command`
//! runs that pass at once, pass after the evaluation's feedback, and never pass, each
//! labelled `demo=true`.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

/// The bundled example runbook.
const WRITE_REPORT: &str = include_str!("../../../examples/runbooks/write-report.md");
/// The collection the demo fills (the server shows its notice there).
pub const DEMO_COLLECTION: &str = wharf_server::DEMO_COLLECTION;
/// Where the demo collection's token is saved.
pub const DEMO_TOKEN_FILE: &str = "demo-token";

/// The example with a stricter checklist (the report needs a heading), so the iteration
/// loop has something to fix.
fn strict() -> String {
    WRITE_REPORT.replace(
        r#"test -s "{{results_dir}}/report.md" && echo "report.md: ok""#,
        r#"grep -q '^# ' "{{results_dir}}/report.md" || { echo "report.md has no heading"; exit 1; }"#,
    )
}

/// The runs the demo submits: (description, request body).
fn runs(tools_dir: &Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for runtime in wharf_runtimes::all() {
        let installed = runtime
            .executable(tools_dir)
            .is_some_and(|exe| exe.is_file());
        if installed {
            out.push((
                format!("{} writes the report", runtime.name()),
                json!({"runbook": WRITE_REPORT, "agent": runtime.name(), "labels": {"demo": "true"}}),
            ));
        }
    }
    let command = |script: &str| json!(["sh", "-c", script]);
    out.push((
        "command: passes at once".into(),
        json!({"runbook": strict(), "agent": "command", "labels": {"demo": "true"},
               "command": command("mkdir -p /app/results && printf '# Report\\n\\nAll inputs summarised.\\n' > /app/results/report.md")}),
    ));
    out.push((
        "command: fixed after the evaluation's feedback".into(),
        json!({"runbook": strict(), "agent": "command", "labels": {"demo": "true"},
               "command": command("mkdir -p /app/results; if [ \"$WHARF_RESUME\" = 1 ]; then printf '# Report\\n\\nFixed after feedback.\\n' > /app/results/report.md; else printf 'a first draft without a heading\\n' > /app/results/report.md; fi")}),
    ));
    out.push((
        "command: never passes".into(),
        json!({"runbook": strict(), "agent": "command", "labels": {"demo": "true"}, "max_rounds": 2,
               "command": command("mkdir -p /app/results && printf 'no heading, ever\\n' > /app/results/report.md")}),
    ));
    out
}

/// What [`fill`] did.
#[derive(Debug, Default)]
pub struct Filled {
    /// Sample runs the import added (0 when an earlier start imported them).
    pub imported: usize,
    /// Demo runs the server accepted.
    pub started: usize,
    /// Why no run was submitted, when none was.
    pub skipped: Option<String>,
}

/// Creates the demo collection (once), imports the sample trajectories into it, and,
/// unless `runs_disabled` says why sandboxes are unavailable, submits the demo runs when
/// the collection has none yet.
pub async fn fill(
    base: &str,
    state_dir: &Path,
    admin_token: &str,
    tools_dir: &Path,
    runs_disabled: Option<&str>,
) -> anyhow::Result<Filled> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let token_file = state_dir.join(DEMO_TOKEN_FILE);
    let token = match std::fs::read_to_string(&token_file) {
        Ok(t) if !t.trim().is_empty() => t.trim().to_owned(),
        _ => {
            let resp = http
                .post(format!("{base}/api/v1/collections"))
                .bearer_auth(admin_token)
                .json(&json!({"name": DEMO_COLLECTION}))
                .send()
                .await?;
            let status = resp.status();
            let body: Value = resp.json().await?;
            let token = body["token"].as_str().map(str::to_owned).ok_or_else(|| {
                anyhow::anyhow!("creating the demo collection: HTTP {status}: {body}")
            })?;
            write_private(&token_file, &token)?;
            token
        }
    };
    let mut filled = Filled {
        imported: import_samples(&http, base, &token).await?,
        ..Filled::default()
    };
    if let Some(reason) = runs_disabled {
        filled.skipped = Some(format!("runs are disabled: {reason}"));
        return Ok(filled);
    }
    let existing: Value = http
        .get(format!("{base}/api/v1/runs?limit=1"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    if existing["data"].as_array().is_some_and(|d| !d.is_empty()) {
        filled.skipped = Some(format!(
            "the `{DEMO_COLLECTION}` collection already has runs"
        ));
        return Ok(filled);
    }
    for (what, body) in runs(tools_dir) {
        let resp = http
            .post(format!("{base}/api/v1/runs"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await?;
        if resp.status().is_success() {
            filled.started += 1;
        } else {
            let status = resp.status();
            let text = resp.text().await.unwrap_or_default();
            let _ = writeln!(
                std::io::stderr(),
                "demo: `{what}` was not started: HTTP {status}: {text}"
            );
        }
    }
    Ok(filled)
}

/// Imports the bundled samples, moved into the last seven days, through
/// `POST /api/v1/trajectories` with the demo token; returns how many runs it added (their
/// ids are fixed, so a later start adds none).
async fn import_samples(http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<usize> {
    let now = chrono::Utc::now();
    let mut added = 0;
    for (name, text) in crate::samples::SAMPLES {
        let body = crate::recent_samples::spread_over_week(text, now)?;
        let resp = http
            .post(format!("{base}/api/v1/trajectories?format=native"))
            .bearer_auth(token)
            .header("content-type", "application/x-ndjson")
            .body(body)
            .send()
            .await?;
        let status = resp.status();
        let answer: Value = resp.json().await.unwrap_or_default();
        if !status.is_success() {
            anyhow::bail!("importing the sample {name}: HTTP {status}: {answer}");
        }
        if answer["new_records"].as_u64().is_some_and(|n| n > 0) {
            added += answer["run_ids"].as_array().map_or(0, Vec::len);
        }
    }
    Ok(added)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    writeln!(f, "{text}")
}
