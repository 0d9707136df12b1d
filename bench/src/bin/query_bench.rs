//! `query_bench ROOT [--generate RUNS EVENTS_PER_RUN] [--repeat N]`: optionally fills a
//! store with generated runs (through `Store::ingest`), then times each dashboard query
//! (median of N) through a wharf session and prints JSON; `bench/duckdb_queries.py` times
//! the same queries in DuckDB on the same files.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::time::Instant;

use chrono::{TimeZone, Utc};
use wharf_bench::queries::QUERIES;
use wharf_bench::synth::{Rng, Shape, run};
use wharf_ingest::{IngestConfig, OpenMode, StorageConfig, StorageRoot, Store};
use wharf_query::{QueryConfig, Scope, Session};

fn flag(args: &[String], name: &str) -> Option<usize> {
    args.iter().position(|a| a == name)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let root = args
        .get(1)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("usage: query_bench ROOT ..."))?;
    let repeat: usize = match flag(&args, "--repeat") {
        Some(i) => args.get(i + 1).map(|s| s.parse()).transpose()?.unwrap_or(5),
        None => 5,
    };
    let storage = StorageConfig {
        root: root.clone(),
        ..Default::default()
    };
    if let Some(i) = flag(&args, "--generate") {
        let runs: u64 = args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("RUNS"))?
            .parse()?;
        let per_run: usize = args
            .get(i + 2)
            .ok_or_else(|| anyhow::anyhow!("EVENTS"))?
            .parse()?;
        let store = Store::open(
            StorageRoot::parse(&storage)?,
            IngestConfig::default(),
            OpenMode::Write,
        )
        .await?;
        let start = Utc
            .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
            .single()
            .ok_or_else(|| anyhow::anyhow!("date"))?;
        let mut rng = Rng::new(42);
        let mut batch = Vec::new();
        let t = Instant::now();
        for n in 0..runs {
            let mut records = run(
                &mut rng,
                n,
                start,
                Shape {
                    events_per_run: per_run,
                    extras: true,
                },
            );
            for r in &mut records {
                r.fill_collection("bench");
                r.validate()?;
            }
            batch.extend(records);
            if batch.len() >= 200_000 {
                store.ingest(std::mem::take(&mut batch)).await?;
            }
        }
        store.ingest(batch).await?;
        store.flush().await?;
        eprintln!("generated {runs} runs in {:.1}s", t.elapsed().as_secs_f64());
        // Dashboards read compacted tables: one file per partition, not one per flush.
        let t = Instant::now();
        let options = wharf_ingest::CompactOptions {
            target_file_bytes: 256 << 20,
            retention_hours: 0,
        };
        store.compact(&options).await?;
        eprintln!("compacted in {:.1}s", t.elapsed().as_secs_f64());
    }
    let store = Store::open(
        StorageRoot::parse(&storage)?,
        IngestConfig::default(),
        OpenMode::Read,
    )
    .await?;
    let session = Session::new(&store, Scope::All, &QueryConfig::default()).await?;
    let probe = session
        .sql("SELECT run_id FROM runs ORDER BY run_id LIMIT 1 OFFSET 500")
        .await?;
    let run_id = arrow::util::display::array_value_to_string(probe.batches[0].column(0), 0)?;
    let mut results = serde_json::Map::new();
    for (name, sql, _) in QUERIES {
        let sql = sql.replace("{run}", &run_id);
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..repeat {
            let t = Instant::now();
            let session = Session::new(&store, Scope::All, &QueryConfig::default()).await?;
            rows = session.sql(&sql).await?.num_rows();
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        results.insert(
            (*name).to_string(),
            serde_json::json!({"median_s": times[times.len() / 2], "rows": rows}),
        );
    }
    let out = serde_json::json!({"run_id": run_id, "queries": results, "peak_rss_bytes": wharf_bench::rss::peak_rss_bytes()});
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
