//! `query_bench ROOT [--generate RUNS EVENTS_PER_RUN] [--repeat N] [--explain] [--set KEY=VALUE]...`: optionally
//! fills a store with generated runs (through `Store::ingest`), then times each dashboard
//! query (median of N) as a request pays it — a new session over the store, then the query
//! — and prints JSON with the results; `bench/duckdb_queries.py` times the same queries in
//! DuckDB on the same files and compares the results. `--explain` prints each query's
//! `EXPLAIN ANALYZE` on stderr.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::time::Instant;

use chrono::{TimeZone, Utc};
use wharf_bench::queries::QUERIES;
use wharf_bench::synth::{Rng, Shape, run};
use wharf_ingest::{IngestConfig, OpenMode, StorageConfig, StorageRoot, Store};
use wharf_query::{OutputFormat, QueryConfig, Scope, Session, write_result};

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
    // `--set KEY=VALUE`: a DataFusion setting for every session (QueryConfig::datafusion).
    let mut config = QueryConfig::default();
    for (i, a) in args.iter().enumerate() {
        if a == "--set"
            && let Some((k, v)) = args.get(i + 1).and_then(|kv| kv.split_once('='))
        {
            config.datafusion.insert(k.to_string(), v.to_string());
        }
    }
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
    // The first session of the process builds the catalog (Delta snapshots, providers,
    // views); later ones reuse it until the store's state changes, as in a server.
    let t = Instant::now();
    let session = Session::new(&store, Scope::All, &config).await?;
    let first_session_s = t.elapsed().as_secs_f64();
    let probe = session
        .sql("SELECT run_id FROM runs ORDER BY run_id LIMIT 1 OFFSET 500")
        .await?;
    let run_id = arrow::util::display::array_value_to_string(probe.batches[0].column(0), 0)?;
    let explain = flag(&args, "--explain").is_some();
    let mut results = serde_json::Map::new();
    for (name, sql, _) in QUERIES {
        let sql = sql.replace("{run}", &run_id);
        let (mut total, mut build, mut query) = (Vec::new(), Vec::new(), Vec::new());
        let mut result = None;
        for _ in 0..repeat {
            // What one request pays: a session (scope, settings, memory pool) and the query.
            let t = Instant::now();
            let session = Session::new(&store, Scope::All, &config).await?;
            let built = t.elapsed().as_secs_f64();
            result = Some(session.sql(&sql).await?);
            let all = t.elapsed().as_secs_f64();
            total.push(all);
            build.push(built);
            query.push(all - built);
        }
        if explain {
            let session = Session::new(&store, Scope::All, &config).await?;
            let plan = session.sql(&format!("EXPLAIN ANALYZE {sql}")).await?;
            let mut text = Vec::new();
            write_result(&plan, OutputFormat::Csv, &mut text)?;
            eprintln!("== {name}\n{}", String::from_utf8_lossy(&text));
        }
        let result = result.ok_or_else(|| anyhow::anyhow!("--repeat must be at least 1"))?;
        let mut rows = Vec::new();
        write_result(&result, OutputFormat::Json, &mut rows)?;
        let rows: serde_json::Value = serde_json::from_slice(&rows)?;
        results.insert(
            (*name).to_string(),
            serde_json::json!({
                "median_s": median(&mut total),
                "session_s": median(&mut build),
                "query_s": median(&mut query),
                "rows": result.num_rows(),
                "result": rows,
            }),
        );
    }
    let out = serde_json::json!({
        "run_id": run_id,
        "first_session_s": first_session_s,
        "queries": results,
        "peak_rss_bytes": wharf_bench::rss::peak_rss_bytes(),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}
