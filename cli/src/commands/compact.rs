//! `wharf compact`: Delta OPTIMIZE + VACUUM + checkpoint on every table.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use wharf_ingest::{CompactOptions, OpenMode};

use crate::config::Config;

/// Arguments of `wharf compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Delete files removed longer ago than this (hours). 0 deletes them now, which breaks
    /// readers still on an older table version.
    #[arg(long, default_value_t = 168)]
    retention_hours: u64,
}

/// Runs the command.
pub async fn run(config: &Config, args: CompactArgs) -> anyhow::Result<ExitCode> {
    let store = super::open_store(config, OpenMode::Write).await?;
    let report = store
        .compact(&CompactOptions {
            target_file_bytes: config.ingest.target_file_bytes,
            retention_hours: args.retention_hours,
        })
        .await?;
    let mut out = std::io::stdout().lock();
    for (table, (removed, added)) in &report.optimized {
        let vacuumed = report.vacuumed.get(table).copied().unwrap_or(0);
        writeln!(
            out,
            "{table}: merged {removed} file(s) into {added}, vacuumed {vacuumed} file(s)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
