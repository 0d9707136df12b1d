//! `wharf grade --runbook R.md --trajectory FILE --outputs DIR`: grade a run an agent did
//! elsewhere (bring your own agent). The trajectory is imported (any format `wharf import`
//! reads), the outputs are checked in a sandbox against the runbook (required outputs,
//! verification script, validation report, rubric judge), and the run is stored with its
//! scores, outputs and verdict. Exit 0 when it passes, 1 when it does not.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use wharf_engine::{GradeRequest, RunbookSource};
use wharf_import::ImportOptions;
use wharf_model::{Record, RunStatus};

use crate::config::Config;
use crate::exit::BadInput;
use crate::params::ParamArgs;

/// Arguments of `wharf grade`.
#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The runbook the agent worked from.
    #[arg(long)]
    runbook: PathBuf,
    /// The agent's trajectory (ATIF, OTLP, Jetty, claude-code, codex or native JSONL).
    #[arg(long)]
    trajectory: PathBuf,
    /// The directory holding the agent's outputs (the runbook's results directory).
    #[arg(long)]
    outputs: PathBuf,
    #[command(flatten)]
    params: ParamArgs,
    /// Trajectory format (default: detected).
    #[arg(long)]
    format: Option<String>,
    /// Collection (default: ingest.default_collection).
    #[arg(long)]
    collection: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Files under `dir`, relative to it (symlinks and special files are refused).
fn read_outputs(dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut total = 0usize;
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("{}", d.display()))?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let bytes = std::fs::read(&path).with_context(|| format!("{}", path.display()))?;
                total += bytes.len();
                if total > wharf_engine::MAX_GRADE_BYTES {
                    return Err(BadInput(format!(
                        "{}: the outputs exceed {} bytes",
                        dir.display(),
                        wharf_engine::MAX_GRADE_BYTES
                    ))
                    .into());
                }
                out.push((rel, bytes));
            } else {
                return Err(BadInput(format!(
                    "{}: only regular files and directories are graded",
                    path.display()
                ))
                .into());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs the command.
pub async fn run(config: &Config, args: GradeArgs) -> anyhow::Result<ExitCode> {
    let params = args.params.pairs()?;
    if !args.outputs.is_dir() {
        return Err(BadInput(format!(
            "--outputs {}: not a directory",
            args.outputs.display()
        ))
        .into());
    }
    let collection = super::collection_or_default(config, args.collection.as_deref())?;
    let opts = ImportOptions {
        collection: Some(collection.clone()),
        ..ImportOptions::default()
    };
    let (_, mut runs) = super::import::read_runs(&args.trajectory, args.format.as_deref(), opts)?;
    if runs.len() != 1 {
        return Err(BadInput(format!(
            "{}: holds {} runs; grade one run at a time",
            args.trajectory.display(),
            runs.len()
        ))
        .into());
    }
    let Some(imported) = runs.pop() else {
        return Err(BadInput("no run in the trajectory".into()).into());
    };
    // The runbook is checked before anything is stored.
    let loaded = wharf_engine::load(&RunbookSource::Path(args.runbook.clone()), &params).await?;
    let outputs = read_outputs(&args.outputs)?;
    let events: Vec<_> = imported
        .records
        .iter()
        .filter_map(|r| match r {
            Record::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect();
    let (engine, _gateway) = super::run::start_engine(config, super::Sandboxes::Required).await?;
    let mut run = imported.run.clone();
    let summary = engine
        .grade(GradeRequest {
            runbook: loaded.clone(),
            run_id: run.run_id.clone(),
            collection: collection.clone(),
            attempt: run.attempts.max(1),
            outputs,
            events,
        })
        .await?;
    run.collection = Some(collection);
    run.passed = Some(summary.passed);
    run.final_score = summary.final_score;
    run.runbook_name = Some(loaded.name.clone());
    run.runbook_version = loaded.runbook.frontmatter.version.clone();
    run.runbook_sha256 = Some(loaded.sha256.clone());
    run.parameters = Some(serde_json::to_value(&loaded.values).unwrap_or_default());
    if run.status == RunStatus::Succeeded && !summary.passed {
        run.status = RunStatus::Failed;
        run.error = Some("evaluation failed".into());
    }
    let mut records = vec![Record::Run(run)];
    records.extend(imported.records);
    let receipt = engine.store.ingest(records).await?;
    engine.store.flush().await?;
    {
        let mut err = std::io::stderr().lock();
        for w in &summary.warnings {
            writeln!(err, "warning: {w}")?;
        }
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else {
        writeln!(
            out,
            "{} run {} ({}): {}",
            if summary.passed { "✓" } else { "✗" },
            summary.run_id,
            loaded.name,
            if summary.passed { "passed" } else { "failed" }
        )?;
        for c in &summary.checks {
            let mut lines = c.explanation.lines();
            writeln!(
                out,
                "  {} {}: {}",
                if c.passed { "✓" } else { "✗" },
                c.name,
                lines.next().unwrap_or_default()
            )?;
            for line in lines {
                writeln!(out, "      {line}")?;
            }
        }
        if receipt.duplicates > 0 {
            writeln!(
                out,
                "  (the run was already stored: this grading's scores were added and its verdict is now the run's)"
            )?;
        }
    }
    Ok(if summary.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
