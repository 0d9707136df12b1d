//! `wharf`: run agents on runbooks, record their trajectories, query them with SQL.
//!
//! The command line is a thin shell over the library crates: it parses arguments and the
//! layered configuration, calls one domain function per command, and maps errors to exit
//! codes (0 ok, 1 failure, 2 bad input). It is a library so the end-to-end test crate can
//! build the same binary; `src/main.rs` only calls [`main`].

mod commands;
pub mod config;
mod exit;
mod grader;
mod params;
mod recent_samples;
mod samples;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The allocator of every wharf binary (and of the test binaries that build it): jemalloc.
/// Its thread caches and size classes suit the write and query paths' many short-lived
/// strings and Arrow buffers, where glibc's malloc spent a large share of a bulk load's CPU
/// consolidating and freeing (bench/RESULTS.md has the figures).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "wharf",
    version,
    about = "Run AI coding agents on runbooks, grade them, and query their trajectories with SQL",
    long_about = "Run AI coding agents on runbooks, grade them, and query their trajectories with SQL.\n\n\
wharf runs an agent CLI (Claude Code, Codex, Gemini CLI, opencode, Hermes, or any command) on a \
runbook in a bubblewrap sandbox, grades what it produced (checks, the runbook's verification, \
an LLM judge), and records every trajectory (runs, events, scores, labels, artifacts, model \
calls) as Delta tables you query with SQL. `wharf serve` is the service: API, dashboards and \
runs; `wharf serve --demo` fills a demo collection to look at."
)]
struct Cli {
    /// Config file (TOML). Default: ./wharf.toml when it exists.
    #[arg(long, global = true, env = "WHARF_CONFIG")]
    config: Option<PathBuf>,
    /// Storage root (path, file:// or s3://); overrides storage.root.
    #[arg(long, global = true)]
    root: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest native-format trajectory files (JSONL; `-` reads stdin).
    Ingest(commands::ingest::IngestArgs),
    /// Run one read-only SQL statement.
    Sql(commands::sql::SqlArgs),
    /// Merge small files, vacuum removed ones, checkpoint the logs.
    Compact(commands::compact::CompactArgs),
    /// Show the table schemas and views.
    Tables(commands::tables::TablesArgs),
    /// Ingest the bundled sample trajectories and query them.
    Demo(commands::demo::DemoArgs),
    /// Check, render, show and scaffold runbooks.
    Runbook(commands::runbook::RunbookArgs),
    /// Run a runbook with an agent in a sandbox and record the trajectory.
    Run(Box<commands::run::RunArgs>),
    /// List and install the agent CLIs sandboxes run.
    Runtimes(commands::runtimes::RuntimesArgs),
    /// Start the service: OpenAI-compatible API, runs API, SQL, webhooks.
    Serve(commands::serve::ServeArgs),
    /// Import trajectories recorded elsewhere (ATIF, OTLP, Jetty, claude-code, codex).
    Import(commands::import::ImportArgs),
    /// Grade a run done elsewhere: its trajectory and outputs against a runbook.
    Grade(commands::grade::GradeArgs),
    /// Label a run (KEY=VALUE; numeric values are typed), visible in SQL at once.
    Label(commands::label::LabelArgs),
    /// Compare two runs or two groups of runs (bootstrap intervals per criterion).
    Compare(commands::compare::CompareArgs),
    /// Agreement of the rubric judge with human labels, per criterion.
    Calibrate(commands::calibrate::CalibrateArgs),
    /// Export a dataset of runs (JSONL or Parquet).
    Export(commands::export::ExportArgs),
}

/// Runs `wharf` with the process arguments.
pub fn main() -> ExitCode {
    // Inside a sandbox this binary may serve as the init helper (it is bound there under
    // that name when no separate `wharf-sandbox-init` is installed).
    let argv0 = std::env::args_os().next().unwrap_or_default();
    if std::path::Path::new(&argv0)
        .file_name()
        .is_some_and(|n| n == "wharf-sandbox-init")
    {
        return wharf_sandbox::init::main();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WHARF_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return exit::report(&anyhow::anyhow!("starting the async runtime: {e}")),
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(code) => code,
        Err(e) => exit::report(&e),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Commands that touch no store need no configuration.
    let command = match cli.command {
        Command::Tables(args) => return commands::tables::run(args),
        Command::Runbook(args) => return commands::runbook::run(args),
        other => other,
    };
    let mut config = config::Config::load(cli.config.as_deref())?;
    if let Some(root) = cli.root {
        config.storage.root = root;
    }
    match command {
        Command::Ingest(args) => commands::ingest::run(&config, args).await,
        Command::Sql(args) => commands::sql::run(&config, args).await,
        Command::Compact(args) => commands::compact::run(&config, args).await,
        Command::Demo(args) => commands::demo::run(&config, args).await,
        Command::Run(args) => commands::run::run(&config, *args).await,
        Command::Runtimes(args) => commands::runtimes::run(&config, args).await,
        Command::Serve(args) => commands::serve::run(&config, args).await,
        Command::Import(args) => commands::import::run(&config, args).await,
        Command::Grade(args) => commands::grade::run(&config, args).await,
        Command::Label(args) => commands::label::run(&config, args).await,
        Command::Compare(args) => commands::compare::run(&config, args).await,
        Command::Calibrate(args) => commands::calibrate::run(&config, args).await,
        Command::Export(args) => commands::export::run(&config, args).await,
        Command::Tables(args) => commands::tables::run(args),
        Command::Runbook(args) => commands::runbook::run(args),
    }
}
