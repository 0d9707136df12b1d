//! `wharf ingest FILE...`: check every file, then write them as acknowledged batches.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use wharf_ingest::source::{self, InputSummary, StreamOptions};
use wharf_ingest::{IngestError, OpenMode, Store};
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
    let mut scans = BTreeMap::new();
    let mut bad = 0;
    for file in &files {
        let scan = scan_file(file, ingest.max_line_bytes).await?;
        if scan.error_count > 0 {
            let mut err = std::io::stderr().lock();
            for e in &scan.errors {
                writeln!(err, "{}: {e}", file.display())?;
            }
            if scan.error_count > scan.errors.len() {
                writeln!(
                    err,
                    "{}: ... and {} more",
                    file.display(),
                    scan.error_count - scan.errors.len()
                )?;
            }
            bad += scan.error_count;
        }
        scans.insert((*file).clone(), scan);
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
            let known = scans
                .remove(path)
                .map(|s| s.run_collections)
                .unwrap_or_default();
            ingest_file(&store, &ingest, path, known, args.ack).await?
        };
        add(&mut total, &summary);
    }
    store.flush().await?;
    print_summary(&total, args.files.len(), store.root().display())?;
    Ok(ExitCode::SUCCESS)
}

async fn scan_file(path: &Path, max: usize) -> anyhow::Result<source::Scan> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> anyhow::Result<source::Scan> {
        let file =
            std::fs::File::open(&owned).with_context(|| format!("opening {}", owned.display()))?;
        source::scan(std::io::BufReader::with_capacity(1 << 20, file), max)
            .with_context(|| format!("reading {}", owned.display()))
    })
    .await?
}

async fn ingest_file(
    store: &Store,
    ingest: &wharf_ingest::IngestConfig,
    path: &Path,
    run_collections: std::collections::HashMap<String, String>,
    ack: bool,
) -> anyhow::Result<InputSummary> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let opts = options(ingest, run_collections, false);
    let name = path.display().to_string();
    let bar = progress(size, &name);
    let summary = pump(store, file, opts, name, ack, Some(&bar)).await;
    bar.finish_and_clear();
    summary
}

async fn ingest_stream(
    store: &Store,
    ingest: &wharf_ingest::IngestConfig,
    ack: bool,
) -> anyhow::Result<InputSummary> {
    let opts = options(ingest, Default::default(), true);
    pump(store, std::io::stdin(), opts, "<stdin>".into(), ack, None).await
}

fn options(
    ingest: &wharf_ingest::IngestConfig,
    run_collections: std::collections::HashMap<String, String>,
    eager: bool,
) -> StreamOptions {
    StreamOptions {
        default_collection: ingest.default_collection.clone(),
        run_collections,
        batch_lines: ingest.batch_lines,
        max_line_bytes: ingest.max_line_bytes,
        eager,
    }
}

async fn pump<R: std::io::Read + Send + 'static>(
    store: &Store,
    reader: R,
    opts: StreamOptions,
    name: String,
    ack: bool,
    bar: Option<&ProgressBar>,
) -> anyhow::Result<InputSummary> {
    let result = source::ingest_reader(store, reader, opts, &name, |chunk, receipt| {
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
    })
    .await;
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
