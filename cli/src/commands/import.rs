//! `wharf import FILE...`: trajectories recorded elsewhere (ATIF, OTLP traces, Jetty
//! `trajectory.json`, claude-code and codex transcripts, or wharf's own JSONL) stored as
//! runs. Each file is checked whole before anything of it is written; re-importing the
//! same file adds nothing (ids derive from the source's own ids).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use wharf_import::{Format, ImportOptions, Imported};
use wharf_ingest::OpenMode;

use crate::config::Config;
use crate::exit::BadInput;

/// Arguments of `wharf import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Trajectory files to import, each one or more runs.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Format (default: detected): atif, otlp-json, otlp-protobuf, jetty, claude-code, codex, native.
    #[arg(long)]
    format: Option<String>,
    /// Collection of the imported runs (default: ingest.default_collection).
    #[arg(long)]
    collection: Option<String>,
    /// Task name recorded on the runs.
    #[arg(long)]
    task: Option<String>,
}

/// Reads one trajectory file into runs (format detected unless given; a file without
/// timestamps takes its modification time).
pub fn read_runs(
    file: &Path,
    format: Option<&str>,
    mut opts: ImportOptions,
) -> anyhow::Result<(Format, Vec<Imported>)> {
    let meta = std::fs::metadata(file).with_context(|| format!("{}", file.display()))?;
    if meta.len() as usize > wharf_import::MAX_INPUT_BYTES {
        return Err(BadInput(format!(
            "{}: {} bytes, over the {}-byte import bound",
            file.display(),
            meta.len(),
            wharf_import::MAX_INPUT_BYTES
        ))
        .into());
    }
    let bytes = std::fs::read(file).with_context(|| format!("{}", file.display()))?;
    let name = file.display().to_string();
    let format = match format {
        Some(f) => f
            .parse::<Format>()
            .map_err(|e| BadInput(format!("--format: {e}")))?,
        None => wharf_import::detect(&name, &bytes),
    };
    opts.default_time = meta.modified().ok().map(chrono::DateTime::from);
    let runs = wharf_import::import(format, &bytes, &opts)
        .map_err(|e| BadInput(format!("{name}: {e}")))?;
    Ok((format, runs))
}

/// Runs the command.
pub async fn run(config: &Config, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let collection = super::collection_or_default(config, args.collection.as_deref())?;
    let opts = ImportOptions {
        collection: Some(collection),
        task: args.task.clone(),
        ..ImportOptions::default()
    };
    // Every file is read and checked before the store is touched.
    let mut all = Vec::new();
    for file in &args.files {
        let (format, runs) = read_runs(file, args.format.as_deref(), opts.clone())?;
        all.push((file, format, runs));
    }
    let store = super::open_store(config, OpenMode::Write).await?;
    let mut out = std::io::stdout().lock();
    for (file, format, runs) in all {
        let mut records = Vec::new();
        let mut ids = Vec::new();
        for run in runs {
            ids.push(run.run.run_id.clone());
            records.extend(run.into_records());
        }
        let n = records.len();
        let report = store.ingest(records).await?;
        writeln!(
            out,
            "{}: {format}, {} run(s) ({}), {n} record(s), {} new",
            file.display(),
            ids.len(),
            ids.join(", "),
            report.accepted_total()
        )?;
    }
    store.flush().await?;
    Ok(ExitCode::SUCCESS)
}
