//! A `wharf serve` process for the end-to-end tests: its own state directory, store,
//! config and mock-llm provider, the admin token, and helpers to call its API.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mock_llm::{MockServer, Script};
use serde_json::{Value, json};

use crate::support::{tools_dir, wharf};
use wharf_tests::workspace as repo;

/// The provider key the services are configured with (mock-llm scripts require it with
/// `options.api_key`): a canary that must never reach a sandbox or a stored event.
pub const KEY: &str = "sk-canary-wharf-key-31c9";

/// The example runbook's text.
pub fn runbook_text() -> String {
    std::fs::read_to_string(repo().join("examples/runbooks/write-report.md")).unwrap()
}

/// A `wharf serve` process with its own state, store and mock provider.
pub struct Service {
    pub dir: tempfile::TempDir,
    pub mock: MockServer,
    pub config: PathBuf,
    pub child: Option<Child>,
    /// Extra `wharf serve` arguments.
    pub args: Vec<String>,
    /// Extra environment variables of the process.
    pub env: Vec<(String, String)>,
    pub log: Arc<Mutex<String>>,
    pub url: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Service {
    /// A service whose provider answers with `script`, with `extra` appended to its config.
    pub fn start_with(script: &str, extra: &str) -> Service {
        Service::start_full(script, extra, &[])
    }

    /// A service whose `script` also answers the rubric judge (`judge-1`, cached in the
    /// service's own directory).
    pub fn with_judge(script: &str) -> Service {
        Service::start_full(
            script,
            "[grader]\njudge_model = \"judge-1\"\njudge_provider = \"openai\"\ncache_dir = \"{dir}/judge-cache\"\n",
            &[],
        )
    }

    /// A service with `extra` config (`{dir}` stands for its directory) and extra
    /// `wharf serve` arguments.
    pub fn start_full(script: &str, extra: &str, args: &[&str]) -> Service {
        Service::start_env(script, extra, args, &[])
    }

    /// [`Service::start_full`] with extra environment variables (`WHARF__SECTION__KEY`
    /// overrides the config file).
    pub fn start_env(script: &str, extra: &str, args: &[&str], env: &[(&str, &str)]) -> Service {
        let dir = tempfile::tempdir().unwrap();
        let mock = MockServer::start(Script::from_yaml_str(script).unwrap()).unwrap();
        let tools = tools_dir().unwrap_or_else(|| dir.path().join("tools"));
        let config = dir.path().join("wharf.toml");
        std::fs::write(
            &config,
            format!(
                r#"
[sandbox]
work_dir = "{work}"
tools_dir = "{tools}"
network = "gateway"

[providers.openai]
kind = "openai_compatible"
base_url = "{url}/v1"
api_key = "{KEY}"

[server]
state_dir = "{state}"
heartbeat_secs = 1.0
webhook_base_delay_ms = 200
{extra}
"#,
                work = dir.path().join("work").display(),
                tools = tools.display(),
                url = mock.base_url(),
                state = dir.path().join("state").display(),
                extra = extra.replace("{dir}", &dir.path().display().to_string()),
            ),
        )
        .unwrap();
        let mut service = Service {
            dir,
            mock,
            config,
            child: None,
            args: Vec::new(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            log: Arc::default(),
            url: String::new(),
            token: String::new(),
            http: reqwest::Client::new(),
        };
        service.args = args.iter().map(|a| (*a).to_owned()).collect();
        service.spawn();
        service.token = std::fs::read_to_string(service.dir.path().join("state/admin-token"))
            .unwrap()
            .trim()
            .to_owned();
        service
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn spawn(&mut self) {
        let mut child = wharf(&self.root())
            .arg("--config")
            .arg(&self.config)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = self.log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on ").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        self.url = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("server did not start: {}", self.log.lock().unwrap()));
        self.child = Some(child);
    }

    /// SIGKILL, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    pub fn req(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.url));
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut r = self.req(method, path, Some(token));
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.json(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.json(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// Starts a `command`-runtime run (no agent CLI needed).
    pub async fn command_run(&self, token: &str, script: &str, extra: Value) -> String {
        let mut body = json!({
            "runbook": runbook_text(),
            "agent": "command",
            "command": ["sh", "-c", script],
        });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let (status, run) = self.post("/api/v1/runs", token, body).await;
        assert_eq!(status, 201, "{run}");
        run["run_id"].as_str().unwrap().to_owned()
    }

    /// Polls the run until it leaves queued/running.
    pub async fn wait_end(&self, token: &str, run_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (_, run) = self.get(&format!("/api/v1/runs/{run_id}"), token).await;
            if !matches!(run["status"].as_str(), Some("queued" | "running")) {
                return run;
            }
            assert!(Instant::now() < deadline, "run never ended: {run}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn sql(&self, token: &str, query: &str) -> Vec<Value> {
        let (status, v) = self
            .post("/api/v1/sql", token, json!({"query": query}))
            .await;
        assert_eq!(status, 200, "{v}");
        v["rows"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}
