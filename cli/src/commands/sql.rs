//! `wharf sql "SELECT ..."`: one read-only statement over the tables.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use wharf_ingest::OpenMode;
use wharf_query::{OutputFormat, Scope, Session, write_result};

use crate::config::Config;
use crate::exit::BadInput;

/// Arguments of `wharf sql`.
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The statement (SELECT, WITH, EXPLAIN, SHOW, DESCRIBE).
    query: String,
    /// Output: table, csv, json, jsonl, parquet or arrow.
    #[arg(long, short, default_value = "table")]
    format: OutputFormat,
    /// Only this collection's rows are visible.
    #[arg(long)]
    collection: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// Runs the command.
pub async fn run(config: &Config, args: SqlArgs) -> anyhow::Result<ExitCode> {
    let scope = Scope::from_option(args.collection.as_deref())?;
    wharf_query::safety::check(&args.query)?;
    let store = super::open_store(config, OpenMode::Read).await?;
    let session = Session::new(&store, scope, &config.query).await?;
    let result = session.sql(&args.query).await?;
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            write_result(&result, args.format, std::io::BufWriter::new(file))?;
        }
        None => {
            let stdout = std::io::stdout();
            if args.format.is_binary() && stdout.is_terminal() {
                return Err(BadInput(
                    "refusing to write binary output to a terminal; use --output FILE or a pipe"
                        .into(),
                )
                .into());
            }
            let mut lock = stdout.lock();
            write_result(&result, args.format, &mut lock)?;
            lock.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
