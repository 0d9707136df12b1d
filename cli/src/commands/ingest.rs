//! `wharf ingest FILE...`: files are loaded in one bulk load (every line checked, nothing
//! written unless every file is good, then committed at once); `-` streams standard input
//! as acknowledged batches.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use wharf_ingest::bulk::{BulkLoad, BulkOptions, FileReport};
use wharf_ingest::source::{self, Chunk, InputSummary, StreamOptions};
use wharf_ingest::{IngestError, OpenMode, Receipt, Store};
use wharf_model::Table;

use crate::config::Config;
use crate::exit::BadInput;

/// Arguments of `wharf ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Native-format JSONL files; `-` reads standard input as a stream.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Collection for records that name none (default: ingest.default_collection).
    #[arg(long)]
    collection: Option<String>,
    /// Print an `ack` line on stdout after each durable batch of a stream (and one per file
    /// once the files are committed).
    #[arg(long)]
    ack: bool,
    /// Lines per acknowledged batch (default: ingest.batch_lines).
    #[arg(long)]
    batch_lines: Option<usize>,
}

/// Runs the command.
pub async fn run(config: &Config, args: IngestArgs) -> anyhow::Result<ExitCode> {
    let mut ingest = config.ingest.clone();
    if let Some(c) = &args.collection {
        wharf_model::validate_collection("--collection", c)?;
        ingest.default_collection = c.clone();
    }
    if let Some(n) = args.batch_lines {
        ingest.batch_lines = n.max(1);
    }
    let stdin = Path::new("-");
    let files: Vec<&PathBuf> = args.files.iter().filter(|f| f.as_path() != stdin).collect();
    let root = wharf_ingest::StorageRoot::parse(&config.storage)?;
    let store = Store::open(root, ingest.clone(), OpenMode::Write).await?;
    let mut total = InputSummary::default();
    if !files.is_empty() {
        let opts = BulkOptions {
            default_collection: ingest.default_collection.clone(),
            batch_lines: ingest.batch_lines,
            max_line_bytes: ingest.max_line_bytes,
        };
        let mut bulk = store.bulk(opts).await?;
        let reports = match load_files(&mut bulk, &files).await {
            Ok(reports) => reports,
            Err(e) => {
                bulk.abort().await;
                return Err(e);
            }
        };
        let bad: usize = reports.iter().map(|r| r.error_count).sum();
        if bad > 0 {
            bulk.abort().await;
            return Err(BadInput(format!("{bad} invalid line(s); nothing was ingested")).into());
        }
        let id = bulk.commit().await.context("committing the files")?;
        for report in &reports {
            if args.ack {
                let chunk = id.map_or_else(|| "-".to_string(), |id| format!("bulk-{id}"));
                print_ack(&chunk, report.lines, &report.receipt);
            }
            add(&mut total, &summary_of(report, id));
        }
    }
    if files.len() < args.files.len() {
        let summary = ingest_stream(&store, &ingest, args.ack).await?;
        add(&mut total, &summary);
    }
    store.flush().await?;
    print_summary(&total, args.files.len(), store.root().display())?;
    Ok(ExitCode::SUCCESS)
}

/// Loads every file into `bulk`, printing each file's errors. Files with errors stage
/// nothing.
async fn load_files(bulk: &mut BulkLoad, files: &[&PathBuf]) -> anyhow::Result<Vec<FileReport>> {
    let mut reports = Vec::new();
    for file in files {
        let path = file.to_path_buf();
        let name = path.display().to_string();
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let bar = progress(size, &name);
        let moved = bar.clone();
        let report = bulk
            .load(
                move || std::fs::File::open(&path),
                &name,
                Arc::new(move |bytes| moved.set_position(bytes)),
            )
            .await
            .with_context(|| format!("reading {name}"));
        bar.finish_and_clear();
        let report = report?;
        if report.error_count > 0 {
            let mut err = std::io::stderr().lock();
            for e in &report.errors {
                writeln!(err, "{name}: {e}")?;
            }
            if report.error_count > report.errors.len() {
                writeln!(
                    err,
                    "{name}: ... and {} more",
                    report.error_count - report.errors.len()
                )?;
            }
        }
        reports.push(report);
    }
    Ok(reports)
}

/// A loaded file as the summary counts it.
fn summary_of(report: &FileReport, id: Option<u64>) -> InputSummary {
    let mut receipt = report.receipt.clone();
    receipt.txn = id;
    InputSummary {
        lines: report.lines,
        records: report.records,
        receipt,
    }
}

async fn ingest_stream(
    store: &Store,
    ingest: &wharf_ingest::IngestConfig,
    ack: bool,
) -> anyhow::Result<InputSummary> {
    let opts = StreamOptions {
        default_collection: ingest.default_collection.clone(),
        batch_lines: ingest.batch_lines,
        max_line_bytes: ingest.max_line_bytes,
        eager: true,
    };
    let name = "<stdin>";
    let result = source::ingest_reader(store, std::io::stdin(), opts, name, on_ack(ack));
    outcome(result.await, name)
}

/// What happens after each durable batch of a stream: `--ack` prints a line.
fn on_ack(ack: bool) -> impl FnMut(&Chunk, &Receipt) {
    move |chunk, receipt| {
        if ack {
            let txn = receipt
                .txn
                .map_or_else(|| "-".to_string(), |t| t.to_string());
            print_ack(&txn, chunk.last_line, receipt);
        }
    }
}

/// One `ack` line: what became durable, up to which line, with how many new rows.
fn print_ack(txn: &str, line: u64, receipt: &Receipt) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "ack txn={txn} line={line} accepted={} duplicates={}",
        receipt.accepted_total(),
        receipt.duplicates
    );
    let _ = out.flush();
}

fn outcome(result: Result<InputSummary, IngestError>, name: &str) -> anyhow::Result<InputSummary> {
    match result {
        Ok(summary) => Ok(summary),
        Err(e @ IngestError::Invalid { .. }) => Err(BadInput(format!(
            "{e}\nthe batch holding this line was not ingested; earlier acknowledged batches were"
        ))
        .into()),
        Err(e) => Err(e).with_context(|| format!("ingesting {name}")),
    }
}

fn progress(size: u64, name: &str) -> ProgressBar {
    let bar = ProgressBar::new(size);
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(name.to_string());
    bar
}

fn add(total: &mut InputSummary, s: &InputSummary) {
    total.lines += s.lines;
    total.records += s.records;
    total.receipt.duplicates += s.receipt.duplicates;
    for (t, n) in &s.receipt.accepted {
        *total.receipt.accepted.entry(*t).or_default() += n;
    }
}

fn print_summary(total: &InputSummary, inputs: usize, root: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let per_table: Vec<String> = Table::ALL
        .iter()
        .filter_map(|t| total.receipt.accepted.get(t).map(|n| format!("{t} {n}")))
        .collect();
    writeln!(
        out,
        "ingested {} new record(s) from {inputs} input(s) into {root}{}",
        total.receipt.accepted_total(),
        if per_table.is_empty() {
            String::new()
        } else {
            format!(": {}", per_table.join(", "))
        }
    )?;
    if total.receipt.duplicates > 0 {
        writeln!(
            out,
            "skipped {} duplicate record(s) already stored",
            total.receipt.duplicates
        )?;
    }
    Ok(())
}
