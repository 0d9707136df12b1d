//! `wharf serve`: the service on 127.0.0.1 (by default) with embedded defaults: SQLite
//! catalog, local object store, bubblewrap sandboxes, and the built-in mock-llm as the
//! model provider when no provider key is configured (clearly labelled offline mode).
//! Without bubblewrap it still starts, with runs disabled and the reason shown on stderr,
//! in `/healthz` and on every dashboard page.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use wharf_gateway::{ProviderKind, ProviderSpec, Secret};

use crate::config::Config;
use crate::exit::BadInput;

/// Arguments of `wharf serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default: server.bind, 127.0.0.1:8080).
    #[arg(long)]
    bind: Option<String>,
    /// Runs executing at once (default: server.concurrency).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Never use the built-in mock-llm, even without a provider key.
    #[arg(long)]
    no_offline: bool,
    /// Fill a `demo` collection: the bundled sample trajectories spread over the last 7
    /// days, and runs of the bundled example runbook (every installed agent CLI, plus
    /// `command` runs that pass, pass after feedback, and never pass) labelled `demo=true`
    /// when sandboxes are available. Its token is saved to `<state_dir>/demo-token`.
    #[arg(long)]
    demo: bool,
}

/// Environment variables that hold a provider key.
const KEY_VARS: &[&str] = &[
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENROUTER_API_KEY",
];

fn has_provider_key(config: &Config) -> bool {
    KEY_VARS
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|k| !k.is_empty()))
        || config
            .providers
            .values()
            .any(|p| p.clone().resolve().is_ok())
}

/// Runs the command.
pub async fn run(config: &Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = config.clone();
    let mut server_config = config.server.clone();
    if let Some(bind) = args.bind {
        server_config.bind = bind;
    }
    if let Some(c) = args.concurrency {
        server_config.concurrency = c;
    }
    if let Err(e) = tokio::net::lookup_host(server_config.bind.as_str()).await {
        return Err(BadInput(format!(
            "cannot listen on `{}` (--bind / server.bind): {e}; give HOST:PORT, e.g. 127.0.0.1:8080",
            server_config.bind
        ))
        .into());
    }
    let offline = !args.no_offline && server_config.offline_fallback && !has_provider_key(&config);
    let _mock = if offline {
        let script = mock_llm::Script::from_yaml_str(mock_llm::OFFLINE_SCRIPT)?;
        let mock = mock_llm::MockServer::start(script)?;
        let base = format!("http://{}", mock.addr());
        for (name, kind, url) in [
            ("openai", ProviderKind::Openai, format!("{base}/v1")),
            ("anthropic", ProviderKind::Anthropic, base.clone()),
            ("gemini", ProviderKind::Gemini, base.clone()),
        ] {
            config
                .providers
                .entry(name.to_owned())
                .or_insert(ProviderSpec {
                    name: Some(format!("mock-llm ({name})")),
                    base_url: Some(url),
                    api_key: Some(Secret::new("offline".to_owned())),
                    ..ProviderSpec::new(kind)
                });
        }
        Some(mock)
    } else {
        None
    };
    let (engine, _gateway) = super::run::start_engine(&config, super::Sandboxes::Optional).await?;
    let runs_disabled = engine.backend.unavailable().map(str::to_owned);
    let catalog = wharf_server::open_catalog(&server_config).await?;
    let server = wharf_server::start(
        engine,
        catalog,
        server_config.clone(),
        config.query.clone(),
        offline,
    )
    .await?;
    {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "wharf {} listening on http://{}",
            env!("CARGO_PKG_VERSION"),
            server.addr
        );
        if let Some(reason) = &runs_disabled {
            let _ = writeln!(
                err,
                "RUNS DISABLED: {reason}. SQL, imports, the API and the dashboards work; run submissions are refused until bubblewrap is installed and the server restarted."
            );
        }
        if offline {
            let _ = writeln!(
                err,
                "OFFLINE MODE: no model provider key is configured, so model calls are answered by the built-in mock-llm (scripted answers, not a real model). Set OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY or [providers] to use a real one."
            );
        }
        if let Some(token) = &server.started.new_token {
            let _ = writeln!(
                err,
                "first start: created collection `{}` and its admin token (shown once; also saved to {}):\n\n    {token}\n",
                server_config.default_collection,
                server_config
                    .state_dir
                    .join(wharf_server::TOKEN_FILE)
                    .display()
            );
        }
        if server.started.recovered > 0 {
            let _ = writeln!(
                err,
                "{} run(s) in flight when the server last stopped were marked error",
                server.started.recovered
            );
        }
    }
    if args.demo {
        let base = format!("http://{}", server.addr);
        let state_dir = server_config.state_dir.clone();
        let tools = config.sandbox.tools_dir.clone();
        let runs_disabled = runs_disabled.clone();
        tokio::spawn(async move {
            let mut err = std::io::stderr();
            let admin = std::fs::read_to_string(state_dir.join(wharf_server::TOKEN_FILE))
                .map(|t| t.trim().to_owned());
            let Ok(admin) = admin else {
                let _ = writeln!(
                    err,
                    "demo: no admin token in {} (the first start writes it); nothing was run",
                    state_dir.display()
                );
                return;
            };
            let filled = super::serve_demo::fill(
                &base,
                &state_dir,
                &admin,
                &tools,
                runs_disabled.as_deref(),
            )
            .await;
            let demo = super::serve_demo::DEMO_COLLECTION;
            let token = state_dir.join(super::serve_demo::DEMO_TOKEN_FILE);
            match filled {
                Ok(filled) => {
                    let _ = writeln!(
                        err,
                        "demo: {} sample run(s) imported into collection `{demo}` (spread over the last 7 days); its token is in {}",
                        filled.imported,
                        token.display()
                    );
                    match filled.skipped {
                        Some(why) => {
                            let _ = writeln!(err, "demo: no run started: {why}");
                        }
                        None => {
                            let _ = writeln!(
                                err,
                                "demo: {} run(s) started in collection `{demo}` (labelled demo=true)",
                                filled.started
                            );
                        }
                    }
                }
                Err(e) => {
                    let _ = writeln!(err, "demo: {e}");
                }
            }
        });
    } else if server.started.new_token.is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "tip: `wharf serve --demo` fills a `demo` collection with real example runs for the dashboards"
        );
    }
    server.run().await?;
    Ok(ExitCode::SUCCESS)
}
