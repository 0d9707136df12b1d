//! `wharf runtimes list|install`: the pinned agent CLIs and their installation into the
//! tools directory sandboxes see read-only.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::config::Config;
use crate::exit::BadInput;

/// `wharf runtimes` arguments.
#[derive(Debug, Args)]
pub struct RuntimesArgs {
    #[command(subcommand)]
    command: RuntimesCommand,
}

#[derive(Debug, Subcommand)]
enum RuntimesCommand {
    /// The runtimes, their pinned versions and whether they are installed.
    List,
    /// Install runtimes from npm / PyPI into the tools directory.
    Install {
        /// Runtime names (claude-code, codex, gemini-cli, opencode, hermes).
        names: Vec<String>,
        /// Install every runtime.
        #[arg(long)]
        all: bool,
    },
}

/// Runs the command.
pub async fn run(config: &Config, args: RuntimesArgs) -> anyhow::Result<ExitCode> {
    let tools = config.sandbox.tools_dir.clone();
    match args.command {
        RuntimesCommand::List => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{:<12} {:<10} {:<10} executable",
                "runtime", "version", "installed"
            );
            for rt in wharf_runtimes::all() {
                let exe = rt.executable(&tools);
                let installed = match &exe {
                    Some(p) => {
                        if p.is_file() {
                            "yes"
                        } else {
                            "no"
                        }
                    }
                    None => "builtin",
                };
                let _ = writeln!(
                    out,
                    "{:<12} {:<10} {:<10} {}",
                    rt.name(),
                    rt.version().unwrap_or("-"),
                    installed,
                    exe.map(|p| p.display().to_string()).unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RuntimesCommand::Install { names, all } => {
            let chosen: Vec<&'static dyn wharf_runtimes::Runtime> = if all {
                wharf_runtimes::all()
                    .iter()
                    .copied()
                    .filter(|r| r.install_spec().is_some())
                    .collect()
            } else {
                if names.is_empty() {
                    return Err(
                        BadInput("name the runtimes to install, or pass --all".into()).into(),
                    );
                }
                names
                    .iter()
                    .map(|n| wharf_runtimes::require_runtime(n))
                    .collect::<Result<_, _>>()?
            };
            tokio::fs::create_dir_all(&tools).await?;
            for rt in chosen {
                let Some(spec) = rt.install_spec() else {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "{}: nothing to install", rt.name());
                    continue;
                };
                if rt.executable(&tools).is_some_and(|p| p.is_file()) {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "{} {}: already installed", rt.name(), spec.version);
                    continue;
                }
                {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "installing {} ({})", rt.name(), spec.requirement());
                }
                for argv in rt.install_commands(&tools)? {
                    let Some((program, rest)) = argv.split_first() else {
                        continue;
                    };
                    let status = tokio::process::Command::new(program)
                        .args(rest)
                        .status()
                        .await
                        .map_err(|e| {
                            anyhow::anyhow!("installing {}: cannot run `{program}`: {e}", rt.name())
                        })?;
                    if !status.success() {
                        anyhow::bail!(
                            "installing {}: `{}` failed with {status}",
                            rt.name(),
                            argv.join(" ")
                        );
                    }
                }
                // Sandboxes run as other users: the tools must be world-readable.
                let _ = tokio::process::Command::new("chmod")
                    .args(["-R", "a+rX"])
                    .arg(&tools)
                    .status()
                    .await;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
