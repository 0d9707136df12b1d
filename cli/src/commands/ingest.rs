//! `wharf ingest FILE...`: check every file, then write them as acknowledged batches.

use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use wharf_ingest::check::{self, CheckOptions, Checked};
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
    /// Print `ack <txn> <last line>` on stdout after each durable batch.
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
        wharf_model::validate_collection("--collection", c).map_err(|e| BadInput(e.to_string()))?;
        ingest.default_collection = c.clone();
    }
    if let Some(n) = args.batch_lines {
        ingest.batch_lines = n.max(1);
    }
    let stdin = Path::new("-");
    let files: Vec<&PathBuf> = args.files.iter().filter(|f| f.as_path() != stdin).collect();
    let check = CheckOptions {
        default_collection: ingest.default_collection.clone(),
        batch_lines: ingest.batch_lines,
        max_line_bytes: ingest.max_line_bytes,
    };
    let mut checked = VecDeque::new();
    let mut bad = 0;
    for file in &files {
        let result = check_file(file, &check).await?;
        if result.error_count > 0 {
            let mut err = std::io::stderr().lock();
            for e in &result.errors {
                writeln!(err, "{}: {e}", file.display())?;
            }
            if result.error_count > result.errors.len() {
                writeln!(
                    err,
                    "{}: ... and {} more",
                    file.display(),
                    result.error_count - result.errors.len()
                )?;
            }
            bad += result.error_count;
        }
        checked.push_back(result);
    }
    if bad > 0 {
        return Err(BadInput(format!("{bad} invalid line(s); nothing was ingested")).into());
    }
    let root = wharf_ingest::StorageRoot::parse(&config.storage)?;
    let store = Store::open(root, ingest.clone(), OpenMode::Write).await?;
    let mut total = InputSummary::default();
    for path in &args.files {
        let summary = if path.as_path() == stdin {
            ingest_stream(&store, &ingest, args.ack).await?
        } else {
            let file = checked
                .pop_front()
                .ok_or_else(|| anyhow::anyhow!("{} was not checked", path.display()))?;
            ingest_file(&store, path, file, args.ack).await?
        };
        add(&mut total, &summary);
    }
    store.flush().await?;
    print_summary(&total, args.files.len(), store.root().display())?;
    Ok(ExitCode::SUCCESS)
}

/// The check pass of one file (every line parsed; the file's batches kept encoded).
async fn check_file(path: &Path, opts: &CheckOptions) -> anyhow::Result<Checked> {
    let owned = path.to_path_buf();
    let opts = opts.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<Checked> {
        let file =
            std::fs::File::open(&owned).with_context(|| format!("opening {}", owned.display()))?;
        let name = owned.display().to_string();
        check::check(file, &opts, &name).with_context(|| format!("reading {name}"))
    })
    .await?
}

async fn ingest_file(
    store: &Store,
    path: &Path,
    checked: Checked,
    ack: bool,
) -> anyhow::Result<InputSummary> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let name = path.display().to_string();
    let reread = std::fs::File::open(path).with_context(|| format!("opening {name}"))?;
    let bar = progress(size, &name);
    let acks = on_ack(ack, Some(&bar));
    let result = check::ingest_checked(store, checked, reread, &name, acks).await;
    bar.finish_and_clear();
    outcome(result, &name)
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
    let result = source::ingest_reader(store, std::io::stdin(), opts, name, on_ack(ack, None));
    outcome(result.await, name)
}

/// What happens after each durable batch: the progress bar moves, `--ack` prints a line.
fn on_ack(ack: bool, bar: Option<&ProgressBar>) -> impl FnMut(&Chunk, &Receipt) + '_ {
    move |chunk, receipt| {
        if let Some(bar) = bar {
            bar.set_position(chunk.bytes);
        }
        if ack {
            let mut out = std::io::stdout().lock();
            let txn = receipt
                .txn
                .map_or_else(|| "-".to_string(), |t| t.to_string());
            let _ = writeln!(
                out,
                "ack txn={txn} line={} accepted={} duplicates={}",
                chunk.last_line,
                receipt.accepted_total(),
                receipt.duplicates
            );
            let _ = out.flush();
        }
    }
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
