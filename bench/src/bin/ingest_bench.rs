//! `ingest_bench FILE ROOT`: ingests a native-format JSONL file into a fresh store at ROOT
//! through the same path as `wharf ingest` (check pass, then batches through WAL, buffers
//! and Delta), and prints events/s, MB/s, files and bytes written and peak RSS as JSON.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::path::Path;
use std::time::Instant;

use wharf_ingest::source::{self, StreamOptions};
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
    let scan = {
        let f = file.clone();
        let max = config.max_line_bytes;
        tokio::task::spawn_blocking(move || {
            source::scan(
                std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(f)?),
                max,
            )
        })
        .await??
    };
    anyhow::ensure!(
        scan.error_count == 0,
        "input has errors: {:?}",
        scan.errors.first()
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
    let opts = StreamOptions {
        default_collection: "bench".into(),
        run_collections: scan.run_collections,
        batch_lines: config.batch_lines,
        max_line_bytes: config.max_line_bytes,
        eager: false,
    };
    let reader = std::fs::File::open(&file)?;
    let summary = source::ingest_reader(&store, reader, opts, "bench", |_, _| {}).await?;
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
