//! What a runtime needs to start ([`InvocationInput`]) and what the engine runs
//! ([`Invocation`]): argv, environment, files to write first, stdin, post-run collection.

use serde::{Deserialize, Serialize};

use crate::error::RuntimeError;

/// Sandbox paths the invocation defaults to (they match `wharf-sandbox`'s layout).
pub mod defaults {
    /// The working directory: the sandbox's workspace, mounted at `/app`.
    pub const WORKDIR: &str = "/app";
    /// The mission file.
    pub const MISSION_FILE: &str = "/app/runbook.md";
    /// The private home.
    pub const HOME: &str = "/home/agent";
    /// The read-only tools directory.
    pub const TOOLS_DIR: &str = "/opt/wharf/tools";
}

/// Name of the environment variable that carries the run-scoped gateway token wherever a
/// runtime lets the variable be chosen (codex `env_key`, opencode `{env:...}`).
pub const TOKEN_ENV: &str = "WHARF_GATEWAY_TOKEN";

/// Missions longer than this are not put on the command line (Linux caps one argument at
/// 128 KiB); the agent is told to read the mission file instead.
pub const MAX_PROMPT_ARG_BYTES: usize = 96 * 1024;

/// Everything a runtime needs to build its headless call. Paths are as seen inside the
/// sandbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvocationInput {
    /// The rendered mission text.
    pub mission: String,
    /// The mission file inside the sandbox (`/app/runbook.md`).
    pub mission_file: String,
    /// Model name as the gateway knows it.
    pub model: Option<String>,
    /// The gateway's base URL inside the sandbox, without a path (`http://127.0.0.1:4000`).
    pub gateway_url: String,
    /// The run-scoped gateway token: the only credential the agent gets.
    pub token: String,
    /// The tools directory inside the sandbox (`/opt/wharf/tools`).
    pub tools_dir: String,
    /// The private home inside the sandbox (`/home/agent`).
    pub home: String,
    /// The workdir (`/app`).
    pub workdir: String,
    /// The attempt number (1 for the first; runtimes that cannot resume keep attempts apart).
    pub attempt: u32,
    /// Whether this attempt continues the previous session (iteration loop).
    pub resume: bool,
    /// The evaluator's feedback for a resumed attempt.
    pub feedback: Option<String>,
    /// The command line of the `command` runtime (ignored by the others).
    pub command: Vec<String>,
}

impl InvocationInput {
    /// An input with the sandbox's default paths and no resume.
    pub fn new(
        mission: impl Into<String>,
        model: Option<String>,
        gateway_url: impl Into<String>,
        token: impl Into<String>,
    ) -> Self {
        Self {
            mission: mission.into(),
            mission_file: defaults::MISSION_FILE.to_owned(),
            model,
            gateway_url: gateway_url.into(),
            token: token.into(),
            tools_dir: defaults::TOOLS_DIR.to_owned(),
            home: defaults::HOME.to_owned(),
            workdir: defaults::WORKDIR.to_owned(),
            attempt: 1,
            resume: false,
            feedback: None,
            command: Vec::new(),
        }
    }

    /// The gateway URL without a trailing slash.
    pub(crate) fn gateway(&self) -> &str {
        self.gateway_url.trim_end_matches('/')
    }

    /// The model, or an error naming the runtime that needs one.
    /// The model, when one is given (not blank).
    pub(crate) fn model_name(&self) -> Option<&str> {
        self.model.as_deref().filter(|m| !m.trim().is_empty())
    }

    pub(crate) fn require_model(&self, runtime: &'static str) -> Result<&str, RuntimeError> {
        self.model_name()
            .map(str::trim)
            .ok_or(RuntimeError::MissingModel { runtime })
    }

    /// The prompt for this attempt: the mission (or a pointer to its file when too long to
    /// pass as an argument), or on resume the feedback. Never starts with `-`, so no CLI
    /// takes it for an option.
    pub fn prompt(&self) -> String {
        let text = if self.resume {
            match self.feedback.as_deref().map(str::trim) {
                Some(feedback) if !feedback.is_empty() => feedback.to_owned(),
                _ => format!("Continue the mission described in {}.", self.mission_file),
            }
        } else if self.mission.len() > MAX_PROMPT_ARG_BYTES || self.mission.trim().is_empty() {
            format!(
                "Your mission is in {}. Read it in full and carry it out.",
                self.mission_file
            )
        } else {
            self.mission.clone()
        };
        if text.starts_with('-') {
            format!("\n{text}")
        } else {
            text
        }
    }

    /// Checks the fields every runtime relies on.
    pub(crate) fn validate(&self) -> Result<(), RuntimeError> {
        let absolute = [
            ("mission_file", &self.mission_file),
            ("tools_dir", &self.tools_dir),
            ("home", &self.home),
            ("workdir", &self.workdir),
        ];
        for (field, path) in absolute {
            if !path.starts_with('/') {
                return Err(RuntimeError::InvalidInput {
                    field,
                    reason: format!("`{path}` is not an absolute sandbox path"),
                });
            }
        }
        if !(self.gateway_url.starts_with("http://") || self.gateway_url.starts_with("https://")) {
            return Err(RuntimeError::InvalidInput {
                field: "gateway_url",
                reason: format!("`{}` is not an http(s) URL", self.gateway_url),
            });
        }
        if self.token.trim().is_empty() {
            return Err(RuntimeError::InvalidInput {
                field: "token",
                reason: "the run-scoped gateway token is empty".to_owned(),
            });
        }
        Ok(())
    }
}

/// A file to write inside the sandbox before the agent starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvocationFile {
    /// Absolute path inside the sandbox (under the home or the workdir).
    pub path: String,
    /// Full file contents, written before the agent starts.
    pub content: String,
}

/// What the agent's stdin is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stdin {
    /// `/dev/null`.
    Closed,
    /// This text, then end of file.
    Text(String),
}

/// Which parser reads a collected output ([`OutputKind::parser`], beside the parsers in
/// `hermes.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// `hermes sessions export` JSONL (one session per line; the trace variant too).
    HermesSessionExport,
    /// Hermes's `--usage-file` JSON document.
    HermesUsageFile,
}

/// A command run in the same sandbox, with the same environment and workdir, after the
/// agent exits (whatever its exit status), before the output files are read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostRunCommand {
    /// The command line, program first.
    pub argv: Vec<String>,
    /// How to read its stdout (`None`: it writes an output file instead).
    pub stdout: Option<OutputKind>,
}

/// A file the agent leaves behind, read and parsed after the run (a missing file is not an
/// error: the runtime may have died first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    /// Absolute path inside the sandbox.
    pub path: String,
    /// How to read it.
    pub kind: OutputKind,
}

/// The headless call of one attempt. The agent's stdout is parsed with
/// [`crate::Runtime::parser`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// Command line; `argv[0]` is an absolute path inside the sandbox.
    pub argv: Vec<String>,
    /// Environment added to the sandbox's (HOME, state dirs, gateway URL, token, switches).
    pub env: Vec<(String, String)>,
    /// Files to write before the start (config and settings in the private home).
    pub files: Vec<InvocationFile>,
    /// The agent's stdin.
    pub stdin: Stdin,
    /// The working directory.
    pub workdir: String,
    /// Commands that collect the trajectory after the agent exits.
    pub post_run: Vec<PostRunCommand>,
    /// Files to parse after the run.
    pub output_files: Vec<OutputFile>,
}

impl Invocation {
    /// The value of an environment variable this invocation sets.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The file written at `path`.
    pub fn file(&self, path: &str) -> Option<&InvocationFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// A JSON/TOML/YAML double-quoted string literal (the three agree on JSON's escapes).
pub(crate) fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// Joins a sandbox directory and a relative path.
pub(crate) fn join(dir: &str, rest: &str) -> String {
    format!(
        "{}/{}",
        dir.trim_end_matches('/'),
        rest.trim_start_matches('/')
    )
}

/// Pretty JSON text of a value (serializing a `Value` cannot fail).
pub(crate) fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The environment every runtime gets: the private home, no colors, no update notices.
pub(crate) fn base_env(input: &InvocationInput) -> Vec<(String, String)> {
    vec![
        ("HOME".to_owned(), input.home.clone()),
        ("NO_UPDATE_NOTIFIER".to_owned(), "1".to_owned()),
        ("NPM_CONFIG_UPDATE_NOTIFIER".to_owned(), "false".to_owned()),
        ("DO_NOT_TRACK".to_owned(), "1".to_owned()),
        ("NO_COLOR".to_owned(), "1".to_owned()),
    ]
}
