//! `wharf run` end to end: real bubblewrap sandboxes, the real agent CLIs (installed from
//! npm / PyPI by the test script into `WHARF_TEST_TOOLS_DIR`), wharf's gateway, and
//! mock-llm standing in for the model providers.

use std::path::{Path, PathBuf};
use std::process::Output;

use mock_llm::{MockServer, Script};
use serde_json::Value;

use crate::support::{sql_json, stderr, stdout, tools_dir, wharf};
use wharf_tests::workspace as repo;

/// The provider key wharf holds; it must never enter a sandbox or a stored event.
const KEY: &str = "sk-canary-provider-key-7e1f";

const WRITE_REPORT: &str = r#"
options:
  api_key: sk-canary-provider-key-7e1f
turns:
  - text: "I'll write the report."
    shell: "mkdir -p /app/results && printf '# Report\\n\\nmock-llm wrote this.\\n' > /app/results/report.md"
  - text: "Done: wrote /app/results/report.md."
"#;

const CHAT: &str = r#"
options:
  api_key: sk-canary-provider-key-7e1f
  toolless: script
  refuse_models: [gpt-retired]
turns:
  - text: "All inputs look fine."
"#;

struct RunEnv {
    dir: tempfile::TempDir,
    mock: MockServer,
    config: PathBuf,
}

impl RunEnv {
    fn new(script: &str, tools: &Path) -> RunEnv {
        let dir = tempfile::tempdir().unwrap();
        let mock = MockServer::start(Script::from_yaml_str(script).unwrap()).unwrap();
        let url = mock.base_url();
        let config = dir.path().join("wharf.toml");
        let text = format!(
            r#"
[sandbox]
work_dir = "{work}"
tools_dir = "{tools}"
network = "gateway"

[providers.mock]
kind = "openai_compatible"
base_url = "{url}/v1"
api_key = "{KEY}"

[providers.mock-anthropic]
kind = "anthropic"
base_url = "{url}"
api_key = "{KEY}"

[providers.mock-gemini]
kind = "gemini"
base_url = "{url}"
api_key = "{KEY}"
"#,
            work = dir.path().join("work").display(),
            tools = tools.display(),
        );
        std::fs::write(&config, text).unwrap();
        RunEnv { dir, mock, config }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = wharf(&self.root());
        cmd.arg("--config")
            .arg(&self.config)
            .arg("run")
            .args(args)
            .envs(env.iter().copied());
        cmd.output().unwrap()
    }

    fn events(&self, run_id: &str) -> Vec<Value> {
        sql_json(
            &self.root(),
            &format!(
                "SELECT seq, kind, name, call_id, tool_kind, text, input_json, output_text, raw \
                 FROM events WHERE run_id = '{run_id}' ORDER BY seq"
            ),
        )
    }
}

/// The `finished` summary from `--json` output.
fn summary(out: &Output) -> Value {
    let text = stdout(out);
    let last = text
        .lines()
        .last()
        .unwrap_or_else(|| panic!("no output; stderr: {}", stderr(out)));
    let v: Value = serde_json::from_str(last).unwrap();
    assert_eq!(v["event"], "finished", "{text}");
    v["summary"].clone()
}

fn runbook(name: &str) -> String {
    repo().join(name).display().to_string()
}

/// One real agent CLI in a sandbox writes the required file through a shell tool call.
fn agent_writes_the_report(agent: &str, model: &str, provider: &str) {
    let Some(tools) = tools_dir() else {
        eprintln!("skipped: WHARF_TEST_TOOLS_DIR not set (scripts/test sets it)");
        return;
    };
    let env = RunEnv::new(WRITE_REPORT, &tools);
    let rb = runbook("examples/runbooks/write-report.md");
    let out = env.run(&[
        &rb,
        "--agent",
        agent,
        "--model",
        model,
        "--provider",
        provider,
        "--json",
        "--timeout",
        "240",
    ]);
    let s = summary(&out);
    assert_eq!(
        s["status"],
        "succeeded",
        "{agent}: {s:#}\nstderr: {}",
        stderr(&out)
    );
    assert!(out.status.success());
    let run_id = s["run_id"].as_str().unwrap().to_owned();
    assert_eq!(s["artifacts"][0]["path"], "report.md", "{s:#}");

    // The stored artifact is the file the agent wrote.
    let key = s["artifacts"][0]["object_key"].as_str().unwrap();
    let stored = std::fs::read_to_string(env.root().join(key)).unwrap();
    assert_eq!(stored, "# Report\n\nmock-llm wrote this.\n");

    // The trajectory has the shell call and then its result, in order.
    let events = env.events(&run_id);
    let call = events
        .iter()
        .find(|e| {
            e["kind"] == "tool_call"
                && e["tool_kind"] == "shell"
                && e.to_string().contains("report.md")
        })
        .unwrap_or_else(|| panic!("{agent}: no shell tool call writing report.md in {events:#?}"));
    let result = events
        .iter()
        .find(|e| e["kind"] == "tool_result" && e["call_id"] == call["call_id"])
        .unwrap_or_else(|| panic!("{agent}: no result for {call}"));
    assert!(result["seq"].as_i64() > call["seq"].as_i64());
    let said: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "assistant_message")
        .collect();
    assert!(
        said.iter()
            .any(|e| e["text"].as_str().is_some_and(|t| t.contains("Done"))),
        "{events:#?}"
    );

    // Every model call went through the gateway, was recorded, and reached the provider with
    // wharf's key (mock-llm refuses others) while the agent only held its run token.
    let calls = sql_json(
        &env.root(),
        &format!("SELECT status_code, input_tokens FROM llm_calls WHERE run_id = '{run_id}'"),
    );
    assert!(calls.len() >= 2, "{calls:?}");
    assert!(calls.iter().all(|c| c["status_code"] == 200), "{calls:?}");
    assert_eq!(s["llm_calls"].as_i64().unwrap(), calls.len() as i64);
    assert!(!env.mock.requests().is_empty());

    // The provider key is in no stored event.
    let leaked = sql_json(
        &env.root(),
        &format!(
            "SELECT count(*) AS n FROM events WHERE strpos(coalesce(raw,'') || coalesce(text,'') || \
             coalesce(input_json,'') || coalesce(output_text,''), '{KEY}') > 0"
        ),
    );
    assert_eq!(leaked[0]["n"], 0);
}

#[test]
fn codex_runs_a_runbook_in_a_sandbox() {
    agent_writes_the_report("codex", "gpt-5.1-codex", "mock");
}

#[test]
fn claude_code_runs_a_runbook_in_a_sandbox() {
    agent_writes_the_report("claude-code", "claude-sonnet-4-6", "mock-anthropic");
}

#[test]
fn gemini_cli_runs_a_runbook_in_a_sandbox() {
    agent_writes_the_report("gemini-cli", "gemini-2.5-pro", "mock-gemini");
}

#[test]
fn opencode_runs_a_runbook_in_a_sandbox() {
    agent_writes_the_report("opencode", "gpt-4.1", "mock");
}

#[test]
fn hermes_runs_a_runbook_in_a_sandbox() {
    agent_writes_the_report("hermes", "gpt-4.1", "mock");
}

fn chat_agent() -> String {
    repo()
        .join("tests/fixtures/agents/chat_agent.py")
        .display()
        .to_string()
}

/// A tools dir for runs that only use the built-in `command` runtime.
fn empty_tools() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn provider_key_and_secrets_never_reach_the_sandbox_or_the_events() {
    let tools = empty_tools();
    let env = RunEnv::new(CHAT, tools.path());
    let agent_src = std::fs::read(chat_agent()).unwrap();
    let agent_file = env.dir.path().join("chat_agent.py");
    std::fs::write(&agent_file, agent_src).unwrap();
    let rb = runbook("tests/fixtures/runbooks/secret-report.md");
    let secret = "s3cr3t-value-9931";
    let out = env.run_env(
        &[
            &rb,
            "--agent",
            "command",
            "--provider",
            "mock",
            "--model",
            "mock-model",
            "--file",
            agent_file.to_str().unwrap(),
            "--keep",
            "--json",
            "--",
            "python3",
            "/app/assets/chat_agent.py",
        ],
        &[("MY_SECRET", secret), ("OPENAI_API_KEY", KEY)],
    );
    let s = summary(&out);
    assert_eq!(s["status"], "succeeded", "{s:#}\n{}", stderr(&out));
    let run_id = s["run_id"].as_str().unwrap();
    let dump = serde_json::to_string(&env.events(run_id)).unwrap();
    // The agent printed its environment and the secret; both are in the trajectory, scrubbed.
    assert!(dump.contains("[REDACTED:MY_SECRET]"), "{dump}");
    assert!(!dump.contains(secret));
    assert!(
        dump.contains("WHARF_GATEWAY_TOKEN"),
        "the env dump is recorded: {dump}"
    );
    assert!(!dump.contains(KEY), "provider key in events");
    assert!(
        !dump.contains("[REDACTED:PROVIDER_KEY]"),
        "the provider key was inside the sandbox"
    );
    // Nothing in the kept workspace holds the provider key either.
    let workspace = PathBuf::from(s["workspace"].as_str().unwrap());
    let sandbox_root = workspace.parent().unwrap();
    for entry in walk(sandbox_root) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(KEY),
            "provider key in {}",
            entry.display()
        );
    }
    // The model call reached mock-llm with wharf's key, and the agent's token never did.
    let req = env
        .mock
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/chat/completions"))
        .unwrap();
    let auth = req.header("authorization").unwrap_or_default();
    assert_eq!(auth, format!("Bearer {KEY}"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn a_model_the_provider_refuses_is_a_recorded_error_run() {
    let tools = empty_tools();
    let env = RunEnv::new(CHAT, tools.path());
    let rb = runbook("examples/runbooks/write-report.md");
    let out = env.run(&[
        &rb,
        "--agent",
        "command",
        "--provider",
        "mock",
        "--model",
        "gpt-retired",
        "--file",
        &chat_agent(),
        "--json",
        "--",
        "python3",
        "/app/assets/chat_agent.py",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["status"], "error");
    let error = s["error"].as_str().unwrap();
    assert!(error.contains("HTTP 404"), "{error}");
    let runs = sql_json(&env.root(), "SELECT status, error FROM runs");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["status"], "error");
    let calls = sql_json(&env.root(), "SELECT status_code, model FROM llm_calls");
    assert_eq!(calls[0]["status_code"], 404);
    assert_eq!(calls[0]["model"], "gpt-retired");
}

#[test]
fn an_agent_past_its_timeout_is_killed_and_recorded_as_timeout() {
    let tools = empty_tools();
    let env = RunEnv::new(CHAT, tools.path());
    let rb = runbook("examples/runbooks/write-report.md");
    let t = std::time::Instant::now();
    let out = env.run(&[
        &rb,
        "--agent",
        "command",
        "--timeout",
        "2",
        "--json",
        "--",
        "sh",
        "-c",
        "sleep 300",
    ]);
    assert!(t.elapsed().as_secs() < 60);
    assert_eq!(out.status.code(), Some(1));
    let s = summary(&out);
    assert_eq!(s["status"], "timeout", "{s:#}");
}

#[test]
fn bad_input_stops_the_run_before_any_sandbox_exists() {
    let tools = empty_tools();
    let env = RunEnv::new(CHAT, tools.path());
    let work = env.dir.path().join("work");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![runbook("tests/fixtures/runbooks/broken.md")],
            "error[R030]",
        ),
        // A variable the Parameters table does not list, with no value given at run time.
        (
            vec![
                runbook("runbook/tests/compat/runtime-variables.md"),
                "--".into(),
                "true".into(),
            ],
            "error[R050]: no value for `{{customer}}`",
        ),
        (
            vec![
                runbook("examples/runbooks/write-report.md"),
                "--snapshot".into(),
                "python312-uv-offfice".into(),
                "--agent".into(),
                "command".into(),
                "--".into(),
                "true".into(),
            ],
            "unknown snapshot `python312-uv-offfice`",
        ),
        (
            vec![
                runbook("examples/runbooks/write-report.md"),
                "--params-file".into(),
                "/no/such/params.json".into(),
            ],
            "--params-file /no/such/params.json",
        ),
        (
            vec![
                runbook("examples/runbooks/write-report.md"),
                "--file".into(),
                "/no/such/input.csv".into(),
            ],
            "input file `/no/such/input.csv` cannot be read",
        ),
        (
            vec![
                runbook("examples/runbooks/write-report.md"),
                "--agent".into(),
                "codex".into(),
            ],
            "run `wharf runtimes install codex`",
        ),
        (
            vec![
                runbook("examples/runbooks/write-report.md"),
                "--agent".into(),
                "no-such-agent".into(),
            ],
            "unknown runtime `no-such-agent`",
        ),
        (
            vec![
                runbook("examples/runbooks/write-report.md"),
                "--param".into(),
                "title".into(),
            ],
            "is not NAME=VALUE",
        ),
        (vec!["/no/such/runbook.md".into()], "runbook.md"),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
        let left: Vec<_> = std::fs::read_dir(&work)
            .map(|d| d.flatten().collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{args:?} left a sandbox behind");
    }
    let runs = sql_json(&env.root(), "SELECT count(*) AS n FROM runs");
    assert_eq!(runs[0]["n"], 0, "no run row for runs that never started");
}

/// A runbook written for Jetty runs unchanged: a template variable given at run time
/// (from a Jetty-shaped `--params-file`, multi-line) that the Parameters table does not
/// list, `model_provider: replicate` for an agent that calls no model, a Jetty snapshot
/// name, and a programmatic evaluation without a verification script (graded by its
/// required outputs).
#[test]
fn a_jetty_runbook_runs_unchanged_with_values_given_at_run_time() {
    let tools = empty_tools();
    let env = RunEnv::new(CHAT, tools.path());
    let params = env.dir.path().join("inputs.json");
    std::fs::write(
        &params,
        r#"{"collection": "ignored-here", "params": {"vars": {"customer": "Acme GmbH", "region": "APAC\nand Oceania"}}}"#,
    )
    .unwrap();
    let out = env.run(&[
        &runbook("runbook/tests/compat/runtime-variables.md"),
        "--params-file",
        params.to_str().unwrap(),
        "--param",
        "customer=Acme Pty",
        "--json",
        "--",
        "sh",
        "-c",
        "mkdir -p /app/results && cp /app/runbook.md /app/results/brief.md",
    ]);
    let s = summary(&out);
    assert_eq!(
        s["status"],
        "succeeded",
        "{s:#}
{}",
        stderr(&out)
    );
    assert_eq!(s["passed"], true, "{s:#}");
    let text = stdout(&out);
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(r#""event":"warning""#))
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("python312-uv-office") && w.contains("LibreOffice")),
        "{text}"
    );
    assert!(warnings.iter().any(|w| w.contains("`replicate`")), "{text}");
    let key = s["artifacts"][0]["object_key"].as_str().unwrap();
    let brief = std::fs::read_to_string(env.root().join(key)).unwrap();
    // `--param` wins over the file; the file's multi-line value arrives whole.
    assert!(
        brief
            .contains("Write a one-page brief about Acme Pty for the APAC\nand Oceania sales team"),
        "{brief}"
    );
    assert!(
        !brief.contains("{{customer}}") && !brief.contains("Acme GmbH"),
        "{brief}"
    );
    let run_id = s["run_id"].as_str().unwrap();
    let row = sql_json(
        &env.root(),
        &format!("SELECT snapshot, parameters FROM runs WHERE run_id = '{run_id}'"),
    );
    assert_eq!(row[0]["snapshot"], "python312-uv-office", "{row:?}");
    let parameters: Value = serde_json::from_str(row[0]["parameters"].as_str().unwrap()).unwrap();
    assert_eq!(parameters["customer"], "Acme Pty", "{parameters}");
}

/// The iteration loop with a real agent: codex fails the verification script, is resumed
/// in the same sandbox with the feedback as its next prompt (which reaches the model, as
/// mock-llm's recorded request shows), fixes the report, and the run passes on attempt 2.
#[test]
fn codex_is_resumed_with_the_feedback_and_passes_on_the_second_attempt() {
    let Some(tools) = tools_dir() else {
        eprintln!("skipped: WHARF_TEST_TOOLS_DIR not set (scripts/test sets it)");
        return;
    };
    let script = r#"
options:
  api_key: sk-canary-provider-key-7e1f
turns:
  - text: "Writing the report."
    shell: "mkdir -p /app/results && printf 'no heading yet\\n' > /app/results/report.md"
  - text: "Done."
  - text: "Adding the heading."
    shell: "printf '# Report\\n\\nfixed after feedback\\n' > /app/results/report.md"
  - text: "Fixed."
"#;
    let env = RunEnv::new(script, &tools);
    let strict = crate::support::strict_report_runbook();
    let rb = env.dir.path().join("strict-report.md");
    std::fs::write(&rb, strict).unwrap();
    let out = env.run(&[
        rb.to_str().unwrap(),
        "--agent",
        "codex",
        "--model",
        "gpt-5.1-codex",
        "--provider",
        "mock",
        "--json",
        "--timeout",
        "240",
    ]);
    let s = summary(&out);
    assert_eq!(s["status"], "succeeded", "{s:#}\nstderr: {}", stderr(&out));
    assert_eq!(s["attempts"], 2, "{s:#}");
    assert_eq!(s["best_attempt"], 2, "{s:#}");
    let run_id = s["run_id"].as_str().unwrap().to_owned();
    let key = s["artifacts"][0]["object_key"].as_str().unwrap();
    assert!(key.contains("/2/"), "the second attempt's file: {key}");
    let stored = std::fs::read_to_string(env.root().join(key)).unwrap();
    assert_eq!(stored, "# Report\n\nfixed after feedback\n");
    // The feedback reached the model in codex's resumed request.
    let requests: Vec<String> = env
        .mock
        .requests()
        .iter()
        .map(|r| r.body.to_string())
        .collect();
    let resumed: Vec<&String> = requests
        .iter()
        .filter(|b| b.contains("report.md has no heading") && b.contains("Failed checks"))
        .collect();
    assert!(!resumed.is_empty(), "{requests:#?}");
    // The progress stream announced the retry.
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.contains(r#""event":"retrying""#) && l.contains(r#""attempt":2"#)),
        "{text}"
    );
    // Attempts are recorded on events and scores.
    let per_attempt = sql_json(
        &env.root(),
        &format!(
            "SELECT attempt, bool_and(passed) AS passed FROM scores WHERE run_id = '{run_id}' GROUP BY attempt ORDER BY attempt"
        ),
    );
    assert_eq!(per_attempt.len(), 2, "{per_attempt:?}");
    assert_eq!(per_attempt[0]["passed"], false);
    assert_eq!(per_attempt[1]["passed"], true);
    let events = sql_json(
        &env.root(),
        &format!("SELECT DISTINCT attempt FROM events WHERE run_id = '{run_id}' ORDER BY attempt"),
    );
    assert_eq!(events.len(), 2, "{events:?}");
}

/// Bring your own agent from the CLI: `wharf import` stores trajectories recorded elsewhere
/// (detected formats, idempotent, a bad file refused whole), and `wharf grade` checks a
/// run's outputs in a sandbox against a runbook and stores the verdict (exit 1 on a fail).
#[test]
fn import_and_grade_runs_from_elsewhere() {
    let tools = empty_tools();
    let env = RunEnv::new(CHAT, tools.path());
    let fixtures = repo().join("import/tests/fixtures");
    let cli = |args: &[&str]| {
        let mut cmd = crate::support::wharf(&env.root());
        cmd.arg("--config").arg(&env.config).args(args);
        cmd.output().unwrap()
    };
    // `wharf grade` of `trajectory`'s run with the files in `outputs`, plus `extra` flags.
    let grade = |runbook: &Path, trajectory: &Path, outputs: &Path, extra: &[&str]| {
        let mut args = vec![
            "grade",
            "--runbook",
            runbook.to_str().unwrap(),
            "--trajectory",
            trajectory.to_str().unwrap(),
            "--outputs",
            outputs.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        cli(&args)
    };
    let rollout = fixtures.join("codex.rollout.jsonl");
    let atif = fixtures.join("atif.trajectory.json");
    let out = cli(&[
        "import",
        rollout.to_str().unwrap(),
        atif.to_str().unwrap(),
        "--collection",
        "byo",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(": codex, 1 run(s)") && text.contains(": atif, 1 run(s)"),
        "{text}"
    );
    let runs = sql_json(
        &env.root(),
        "SELECT source, collection FROM runs WHERE collection = 'byo'",
    );
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert!(runs.iter().all(|r| r["source"] == "external"));
    let again = cli(&["import", rollout.to_str().unwrap(), "--collection", "byo"]);
    assert!(stdout(&again).contains(", 0 new"), "{}", stdout(&again));
    // A broken file is refused with its name and place; nothing of the batch is written.
    let bad = env.dir.path().join("broken.json");
    std::fs::write(&bad, r#"{"schema_version":"ATIF-v1.6","session_id":"x","agent":{"name":"a","version":"1"},"steps":[{"step_id":1,"source":"nobody"}]}"#).unwrap();
    let out = cli(&[
        "import",
        atif.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--collection",
        "byo2",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("broken.json") && stderr(&out).contains("steps[0]"),
        "{}",
        stderr(&out)
    );
    let none = sql_json(
        &env.root(),
        "SELECT count(*) AS n FROM runs WHERE collection = 'byo2'",
    );
    assert_eq!(none[0]["n"], 0);

    // Grade a claude-code session's outputs against a strict runbook.
    let strict = crate::support::strict_report_runbook();
    let runbook = env.dir.path().join("strict.md");
    std::fs::write(&runbook, strict).unwrap();
    let good = env.dir.path().join("good");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(good.join("report.md"), "# Report\n\nfrom elsewhere\n").unwrap();
    let session = fixtures.join("claude-code.session.jsonl");
    let out = grade(&runbook, &session, &good, &["--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let verdict: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(verdict["passed"], true, "{verdict}");
    let run_id = verdict["run_id"].as_str().unwrap().to_owned();
    let row = sql_json(
        &env.root(),
        &format!(
            "SELECT source, passed, final_score, runbook_name FROM runs WHERE run_id = '{run_id}'"
        ),
    );
    assert_eq!(row[0]["passed"], true, "{row:?}");
    assert_eq!(row[0]["source"], "external");
    let scores = sql_json(
        &env.root(),
        &format!(
            "SELECT criterion, passed FROM scores WHERE run_id = '{run_id}' ORDER BY criterion"
        ),
    );
    assert_eq!(scores.len(), 2, "{scores:?}");
    let stored = sql_json(
        &env.root(),
        &format!("SELECT path FROM artifacts WHERE run_id = '{run_id}'"),
    );
    assert_eq!(stored[0]["path"], "report.md");
    // A failing grade exits 1 and the run is stored as failed.
    let bad_out = env.dir.path().join("bad");
    std::fs::create_dir_all(&bad_out).unwrap();
    std::fs::write(bad_out.join("report.md"), "no heading\n").unwrap();
    let exec = fixtures.join("codex.exec.jsonl");
    let out = grade(&runbook, &exec, &bad_out, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("report.md has no heading"),
        "{}",
        stdout(&out)
    );
    let failed = sql_json(
        &env.root(),
        "SELECT run_id, status, passed FROM runs WHERE passed = false",
    );
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["status"], "failed");
    let failed_id = failed[0]["run_id"].as_str().unwrap().to_owned();
    // Graded again with fixed outputs: the run's verdict follows its latest grading in
    // `runs`, and every grading stays queryable.
    let out = grade(&runbook, &exec, &good, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("its verdict is now the run's"),
        "{}",
        stdout(&out)
    );
    let row = sql_json(
        &env.root(),
        &format!("SELECT passed, final_score FROM runs WHERE run_id = '{failed_id}'"),
    );
    assert_eq!(row[0]["passed"], true, "{row:?}");
    assert_eq!(row[0]["final_score"], 1.0, "{row:?}");
    let kept = sql_json(
        &env.root(),
        &format!("SELECT bool_and(passed) AS passed FROM kept_scores WHERE run_id = '{failed_id}'"),
    );
    assert_eq!(kept[0]["passed"], true, "{kept:?}");
    let history = sql_json(
        &env.root(),
        &format!(
            "SELECT value FROM labels WHERE run_id = '{failed_id}' AND key = 'wharf.verdict' ORDER BY created_at"
        ),
    );
    let verdicts: Vec<&str> = history
        .iter()
        .map(|r| r["value"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["failed", "passed"], "{history:?}");
    // Bad input exits 2 and stores nothing: outputs that are not a directory, a runbook
    // with errors, a variable with no value.
    let runs_before = sql_json(&env.root(), "SELECT count(*) AS n FROM runs")[0]["n"].clone();
    let broken = repo().join("tests/fixtures/runbooks/broken.md");
    let compat = repo().join("runbook/tests/compat/runtime-variables.md");
    for (runbook, outputs, expected) in [
        (&runbook, &runbook, "not a directory"),
        (&broken, &good, "error[R030]"),
        (&compat, &good, "error[R050]"),
    ] {
        let out = grade(runbook, &session, outputs, &[]);
        assert_eq!(out.status.code(), Some(2), "{expected}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{expected}: {}",
            stderr(&out)
        );
    }
    let runs_after = sql_json(&env.root(), "SELECT count(*) AS n FROM runs")[0]["n"].clone();
    assert_eq!(runs_before, runs_after);
}
