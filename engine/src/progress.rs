//! What a run reports while it goes: the live step list of `wharf run` and, later, the
//! SSE stream of the server. One JSON object per line with `--json`.

use serde::Serialize;

/// One progress report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// The runbook parsed, validated and rendered.
    RunbookLoaded {
        /// The run's id (a UUID).
        run_id: String,
        /// Runbook title or file name.
        runbook: String,
        /// The runbook's `version:` from its frontmatter, if any.
        version: Option<String>,
        /// The runtime's name (`claude-code`, `codex`, ...).
        agent: String,
        /// The model slug the agent is given, if any.
        model: Option<String>,
    },
    /// The sandbox exists and the inputs are in it.
    SandboxReady {
        /// The sandbox's id (its workspace directory's name).
        sandbox: String,
        /// Time to create and fill it.
        ms: u64,
        /// The network policy: `none`, `gateway`, `allowlist` or `open`.
        network: String,
    },
    /// The agent process started.
    AgentStarted {
        /// The runtime's name (`claude-code`, `codex`, ...).
        agent: String,
        /// Its pinned version (None for `command`).
        version: Option<String>,
    },
    /// A step of the agent (tool call, message, ...).
    Step {
        /// Event sequence number.
        seq: i64,
        /// The event's kind (`tool_call`, `assistant_message`, ...).
        kind: String,
        /// Human-readable one-liner.
        summary: String,
    },
    /// The agent process ended.
    AgentExited {
        /// How (`exit 0`, `timed out after ...`).
        how: String,
        /// The exit code; None when the process did not exit itself (killed by a signal).
        code: Option<i32>,
    },
    /// Outputs copied to storage.
    ArtifactsCollected {
        /// Number of files.
        files: usize,
        /// Their total size in bytes.
        bytes: u64,
    },
    /// An attempt was evaluated.
    Evaluated {
        /// Its number (1-based).
        attempt: u32,
        /// Whether it passed.
        passed: bool,
        /// Its score (rubric average, or share of checks passed).
        score: Option<f64>,
        /// The checks and criteria that failed.
        failed: Vec<String>,
    },
    /// Evaluation failed and rounds remain: the agent goes back with feedback.
    Retrying {
        /// The attempt about to start.
        attempt: u32,
        /// The runbook's bound.
        max_rounds: u32,
        /// What the agent is told.
        feedback: String,
    },
    /// A warning that does not stop the run.
    Warning {
        /// The warning's text (a render warning, an attempt that could not run, ...).
        message: String,
    },
    /// The run is over and recorded.
    Finished {
        /// How the run ended, what it cost and produced (boxed: it is large).
        summary: Box<crate::RunSummary>,
    },
}

impl Progress {
    /// One report in words: (a finished line, the current activity). The CLI's step
    /// list and the text of the API's stream frames.
    pub fn describe(&self) -> (Option<String>, Option<String>) {
        match self {
            Progress::RunbookLoaded {
                run_id,
                runbook,
                version,
                agent,
                model,
            } => (
                Some(format!(
                    "✓ Runbook loaded: {runbook}{} — {agent}{} — run {run_id}",
                    version
                        .as_ref()
                        .map(|v| format!(" v{v}"))
                        .unwrap_or_default(),
                    model
                        .as_ref()
                        .map(|m| format!(" / {m}"))
                        .unwrap_or_default()
                )),
                Some("creating sandbox".into()),
            ),
            Progress::SandboxReady {
                sandbox,
                ms,
                network,
            } => (
                Some(format!(
                    "✓ Sandbox ready in {ms} ms (network: {network}, id {sandbox})"
                )),
                Some("starting agent".into()),
            ),
            Progress::AgentStarted { agent, version } => (
                Some(format!(
                    "✓ Agent started: {agent} {}",
                    version.clone().unwrap_or_default()
                )),
                Some("waiting for the agent".into()),
            ),
            Progress::Step { seq, summary, .. } => (
                Some(format!("  · [{seq}] {summary}")),
                Some(summary.clone()),
            ),
            Progress::AgentExited { how, .. } => (
                Some(format!("✓ Agent ended: {how}")),
                Some("collecting results".into()),
            ),
            Progress::ArtifactsCollected { files, bytes } => (
                Some(format!(
                    "✓ Results collected: {files} file(s), {bytes} bytes"
                )),
                Some("recording".into()),
            ),
            Progress::Evaluated {
                attempt,
                passed,
                score,
                failed,
            } => {
                let score = score
                    .map(|s| format!(" (score {s:.2})"))
                    .unwrap_or_default();
                let line = if *passed {
                    format!("✓ Attempt {attempt} passed evaluation{score}")
                } else {
                    format!(
                        "✗ Attempt {attempt} failed evaluation{score}: {}",
                        failed.join(", ")
                    )
                };
                (Some(line), None)
            }
            Progress::Retrying {
                attempt,
                max_rounds,
                ..
            } => (
                Some(format!(
                    "↻ Attempt {attempt} of {max_rounds}: the agent goes back with the evaluation's feedback"
                )),
                Some("waiting for the agent".into()),
            ),
            Progress::Warning { message } => (Some(format!("! {message}")), None),
            Progress::Finished { .. } => (None, None),
        }
    }
}

/// Where progress goes.
pub type ProgressTx = tokio::sync::mpsc::UnboundedSender<Progress>;
