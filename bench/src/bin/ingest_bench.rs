//! `ingest_bench FILE ROOT`: ingests a native-format JSONL file into a fresh store at ROOT
//! through the same path as `wharf ingest FILE` (a bulk load: parsed, checked, deduplicated
//! and written as Parquet on every core, staged files fsync'd, then committed to every
//! table), and prints events/s, MB/s, files and bytes written and peak RSS as JSON.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::path::Path;
use std::time::Instant;

use std::sync::Arc;

use wharf_ingest::bulk::BulkOptions;
use wharf_ingest::{IngestConfig, OpenMode, StorageConfig, StorageRoot, Store};

fn dir_stats(dir: &Path) -> (u64, u64) {
    let (mut files, mut bytes) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                files += 1;
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    (files, bytes)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (file, root) = match args.as_slice() {
        [_, f, r] => (f.clone(), r.clone()),
        _ => anyhow::bail!("usage: ingest_bench FILE ROOT"),
    };
    let size = std::fs::metadata(&file)?.len();
    let config = IngestConfig::default();
    let started = Instant::now();
    let store = Store::open(
        StorageRoot::parse(&StorageConfig {
            root: root.clone(),
            ..Default::default()
        })?,
        config.clone(),
        OpenMode::Write,
    )
    .await?;
    let opened = started.elapsed();
    let mut bulk = store
        .bulk(BulkOptions {
            default_collection: "bench".into(),
            batch_lines: config.batch_lines,
            max_line_bytes: config.max_line_bytes,
        })
        .await?;
    let f = file.clone();
    let report = bulk
        .load(move || std::fs::File::open(&f), &file, Arc::new(|_| {}))
        .await?;
    anyhow::ensure!(
        report.error_count == 0,
        "input has errors: {:?}",
        report.errors.first()
    );
    let loaded = started.elapsed();
    bulk.commit().await?;
    store.flush().await?;
    let secs = started.elapsed().as_secs_f64();
    let events = report
        .receipt
        .accepted
        .get(&wharf_model::Table::Events)
        .copied()
        .unwrap_or(0);
    let (files, bytes) = dir_stats(&Path::new(&root).join("tables"));
    let out = serde_json::json!({
        "input_bytes": size,
        "records": report.records,
        "events": events,
        "seconds": secs,
        "open_seconds": opened.as_secs_f64(),
        "load_seconds": (loaded - opened).as_secs_f64(),
        "commit_seconds": secs - loaded.as_secs_f64(),
        "events_per_sec": events as f64 / secs,
        "records_per_sec": report.records as f64 / secs,
        "input_mb_per_sec": size as f64 / 1e6 / secs,
        "parquet_files": files,
        "parquet_bytes": bytes,
        "peak_rss_bytes": wharf_bench::rss::peak_rss_bytes(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
