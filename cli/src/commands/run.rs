//! `wharf run RUNBOOK`: one agent run in a sandbox, shown as it goes, recorded at the end.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use wharf_engine::{Engine, Progress, RunRequest, RunSummary, RunbookSource, StoreSink};
use wharf_gateway::Gateway;
use wharf_ingest::{ObjectStorage, OpenMode};
use wharf_sandbox::{BwrapBackend, NetworkPolicy};

use super::Sandboxes;
use crate::config::Config;
use crate::exit::BadInput;
use crate::params::ParamArgs;

/// `wharf run` arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The runbook (markdown with YAML frontmatter).
    pub runbook: PathBuf,
    /// Agent runtime: claude-code, codex, gemini-cli, opencode, hermes, command (default: the runbook's `agent:`).
    #[arg(long)]
    pub agent: Option<String>,
    /// Model (default: the runbook's `model:`).
    #[arg(long)]
    pub model: Option<String>,
    /// Provider: a `[providers.NAME]` from config, openai, anthropic, google, openrouter, or a base URL.
    #[arg(long)]
    pub provider: Option<String>,
    #[command(flatten)]
    pub params: ParamArgs,
    /// Input file uploaded to /app/assets (repeatable; names kept).
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Collection the run is recorded in.
    #[arg(long)]
    pub collection: Option<String>,
    /// Network policy: none, gateway, allowlist, open.
    #[arg(long)]
    pub network: Option<NetworkPolicy>,
    /// Extra host the egress proxy lets through (repeatable; `host`, `*.domain`, `host:port`).
    #[arg(long = "allow", value_name = "HOST")]
    pub allow: Vec<String>,
    /// Sandbox snapshot (default: the runbook's `snapshot:`, else host).
    #[arg(long)]
    pub snapshot: Option<String>,
    /// Wall-clock limit of the agent, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Leave the sandbox workspace on disk for inspection.
    #[arg(long)]
    pub keep: bool,
    /// One JSON progress event per line on stdout (the summary is the last).
    #[arg(long)]
    pub json: bool,
    /// Task name recorded with the run.
    #[arg(long)]
    pub task: Option<String>,
    /// Attempts at most (default: the runbook's "max N rounds", else 3); 1 disables the
    /// iteration loop.
    #[arg(long, value_name = "N")]
    pub max_rounds: Option<u32>,
    /// For `--agent command`: the command line to run (after `--`).
    #[arg(last = true)]
    pub command: Vec<String>,
}

/// Runs the command.
pub async fn run(config: &Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let params = args.params.pairs()?;
    let timeout = match args.timeout {
        Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(BadInput(format!(
                "--timeout must be a positive number of seconds, got {t}"
            ))
            .into());
        }
        None => None,
    };
    let request = RunRequest {
        runbook: RunbookSource::Path(args.runbook.clone()),
        params,
        files: args.files.clone(),
        agent: args.agent.clone(),
        model: args.model.clone(),
        provider: args.provider.clone(),
        collection: args.collection.clone(),
        network: args.network,
        allow_hosts: args.allow.clone(),
        snapshot: args.snapshot.clone(),
        timeout,
        keep: args.keep,
        command: args.command.clone(),
        task: args.task.clone(),
        max_rounds: args.max_rounds,
        ..RunRequest::default()
    };
    let (engine, _server) = start_engine(config, Sandboxes::Required).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let display = tokio::spawn(show(rx, args.json));
    let result = engine.run(request, Some(tx)).await;
    let _ = display.await;
    match result {
        Ok(summary) => {
            if !args.json {
                print_summary(&summary);
            }
            Ok(if summary.status == wharf_model::RunStatus::Succeeded {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        // The exit code follows the error's kind (cli/src/exit.rs).
        Err(e) => Err(e.into()),
    }
}

/// Builds the engine from config: store, artifact storage, sandbox backend, gateway. When
/// bubblewrap cannot start, [`Sandboxes::Required`] fails with the reason;
/// [`Sandboxes::Optional`] gets a backend that refuses every run with it.
pub async fn start_engine(
    config: &Config,
    sandboxes: Sandboxes,
) -> anyhow::Result<(Engine, wharf_gateway::GatewayServer)> {
    let store = Arc::new(super::open_store(config, OpenMode::Write).await?);
    let objects = ObjectStorage::open(store.root())?;
    let mut sandbox = config.sandbox.clone();
    if sandbox.init_path.is_none() {
        sandbox.init_path = default_init();
    }
    let backend: Arc<dyn wharf_sandbox::Backend> = match BwrapBackend::new(sandbox.clone()).await {
        Ok(b) => Arc::new(b),
        Err(e) if sandboxes == Sandboxes::Optional => {
            Arc::new(wharf_sandbox::UnavailableBackend::new(e.to_string()))
        }
        Err(e) => return Err(e.into()),
    };
    let sink = Arc::new(StoreSink::new(store.clone()));
    let gateway = Gateway::new(config.gateway.clone(), sink.clone())?;
    let server = gateway.serve("127.0.0.1:0")?;
    let engine = Engine {
        store,
        objects,
        backend,
        sandbox,
        gateway,
        gateway_addr: server.local_addr(),
        sink,
        providers: config.providers.clone(),
        default_collection: config.ingest.default_collection.clone(),
        judge: crate::grader::judge(config)?,
    };
    Ok((engine, server))
}

/// The in-sandbox init: a `wharf-sandbox-init` beside this binary, else this binary itself
/// (it acts as the init when started under that name).
fn default_init() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let sibling = exe.parent()?.join("wharf-sandbox-init");
    Some(if sibling.is_file() { sibling } else { exe })
}

async fn show(mut rx: tokio::sync::mpsc::UnboundedReceiver<Progress>, json: bool) {
    let tty = std::io::stderr().is_terminal() && !json;
    let bar = tty.then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("starting");
        bar
    });
    while let Some(p) = rx.recv().await {
        if json {
            if let Ok(line) = serde_json::to_string(&p) {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
            }
            continue;
        }
        let (done, current) = p.describe();
        match &bar {
            Some(bar) => {
                if let Some(line) = done {
                    bar.println(line);
                }
                if let Some(msg) = current {
                    bar.set_message(msg);
                }
            }
            None => {
                if let Some(line) = done.or(current) {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "{line}");
                }
            }
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

fn print_summary(s: &RunSummary) {
    let mut out = std::io::stdout().lock();
    let cost = s
        .cost_usd
        .map(|c| format!("${c:.4}"))
        .unwrap_or_else(|| "unknown".into());
    let _ = writeln!(out, "\nrun {}  status: {}", s.run_id, s.status);
    if let Some(e) = &s.error {
        let _ = writeln!(out, "  error:     {e}");
    }
    let _ = writeln!(
        out,
        "  agent:     {}{}",
        s.agent,
        s.model
            .as_ref()
            .map(|m| format!(" / {m}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "  duration:  {:.1} s", s.duration_ms as f64 / 1000.0);
    let _ = writeln!(
        out,
        "  tokens:    {} in ({} cached), {} out over {} model call(s)",
        s.input_tokens, s.cache_read_tokens, s.output_tokens, s.llm_calls
    );
    let _ = writeln!(out, "  cost:      {cost}");
    let _ = writeln!(out, "  events:    {}", s.events);
    if let Some(passed) = s.passed {
        let _ = writeln!(
            out,
            "  evaluation: {} ({} of {} checks)",
            if passed { "passed" } else { "failed" },
            s.checks.iter().filter(|c| c.passed).count(),
            s.checks.len()
        );
        for c in &s.checks {
            let mark = if c.passed { "✓" } else { "✗" };
            let _ = writeln!(out, "    {mark} {}: {}", c.name, c.explanation);
        }
    }
    for a in &s.artifacts {
        let _ = writeln!(
            out,
            "  artifact:  {} ({} bytes) -> {}",
            a.path, a.bytes, a.object_key
        );
    }
    if !s.missing_outputs.is_empty() {
        let _ = writeln!(out, "  missing:   {}", s.missing_outputs.join(", "));
    }
    if let Some(w) = &s.workspace {
        let _ = writeln!(out, "  workspace: {}", w.display());
    }
    let _ = writeln!(out, "  look at it: wharf sql \"{}\"", s.sql);
}
