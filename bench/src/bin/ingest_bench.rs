//! `ingest_bench FILE ROOT`: ingests a native-format JSONL file into a fresh store at ROOT
//! through the same path as `wharf ingest` (the check pass, which parses the file once and
//! keeps its encoded batches, then the batches through WAL, buffers and Delta), and prints events/s, MB/s, files and bytes written and peak RSS as JSON.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::path::Path;
use std::time::Instant;

use wharf_ingest::check::{self, CheckOptions};
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
    let check = CheckOptions {
        default_collection: "bench".into(),
        batch_lines: config.batch_lines,
        max_line_bytes: config.max_line_bytes,
    };
    let checked = {
        let f = file.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            Ok(check::check(std::fs::File::open(&f)?, &check, &f)?)
        })
        .await??
    };
    anyhow::ensure!(
        checked.error_count == 0,
        "input has errors: {:?}",
        checked.errors.first()
    );
    let scanned = started.elapsed();
    let store = Store::open(
        StorageRoot::parse(&StorageConfig {
            root: root.clone(),
            ..Default::default()
        })?,
        config.clone(),
        OpenMode::Write,
    )
    .await?;
    let reread = std::fs::File::open(&file)?;
    let summary = check::ingest_checked(&store, checked, reread, "bench", |_, _| {}).await?;
    store.flush().await?;
    let secs = started.elapsed().as_secs_f64();
    let events = summary
        .receipt
        .accepted
        .get(&wharf_model::Table::Events)
        .copied()
        .unwrap_or(0);
    let (files, bytes) = dir_stats(&Path::new(&root).join("tables"));
    let out = serde_json::json!({
        "input_bytes": size,
        "records": summary.records,
        "events": events,
        "seconds": secs,
        "check_pass_seconds": scanned.as_secs_f64(),
        "events_per_sec": events as f64 / secs,
        "records_per_sec": summary.records as f64 / secs,
        "input_mb_per_sec": size as f64 / 1e6 / secs,
        "parquet_files": files,
        "parquet_bytes": bytes,
        "peak_rss_bytes": wharf_bench::rss::peak_rss_bytes(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
