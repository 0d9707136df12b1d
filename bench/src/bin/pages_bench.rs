//! `pages_bench ROOT [--repeat N] [--big-run EVENTS]`: the dashboards' server time on a
//! large store. Each page is timed as a request pays it (a session scoped to the `bench`
//! collection, the page's queries, the HTML) — median and max of N — beside the same page
//! on a small store (the `.slt` fixture: 3 runs) measured in the same run, so the ratio
//! says what the store's size costs. `--big-run EVENTS` first adds one run of that many
//! events to ROOT (once; it is looked up by id afterwards), for the long-run pages.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a benchmark reports on the terminal

use std::time::Instant;

use chrono::{TimeZone, Utc};
use wharf_bench::synth::{Rng, Shape, run};
use wharf_dashboards::compare::{self, CompareQuery};
use wharf_dashboards::filters::OverviewFilter;
use wharf_dashboards::{overview, run as run_page, run_view};
use wharf_ingest::{IngestConfig, ObjectStorage, OpenMode, StorageConfig, StorageRoot, Store};
use wharf_query::{QueryConfig, Scope, Session};

/// The long run's number in the generator (far beyond any generated store's runs).
const BIG_RUN: u64 = 900_000_000;

fn flag(args: &[String], name: &str) -> Option<String> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1).cloned()
}

async fn open(root: &str, mode: OpenMode) -> anyhow::Result<Store> {
    let storage = StorageConfig {
        root: root.into(),
        ..Default::default()
    };
    Ok(Store::open(StorageRoot::parse(&storage)?, IngestConfig::default(), mode).await?)
}

async fn first(session: &Session, sql: &str) -> anyhow::Result<Option<String>> {
    let r = session.sql(sql).await?;
    Ok(match r.batches.iter().find(|b| b.num_rows() > 0) {
        Some(b) => Some(arrow::util::display::array_value_to_string(b.column(0), 0)?),
        None => None,
    })
}

/// One page: the request's work, returning the HTML's length.
#[derive(Clone)]
enum Page {
    Overview(OverviewFilter),
    Run(String, u32),
    Compare(String, String),
}

async fn render(
    store: &Store,
    objects: &ObjectStorage,
    scope: &Scope,
    page: &Page,
) -> anyhow::Result<usize> {
    let session = Session::new(store, scope.clone(), &QueryConfig::default()).await?;
    let collection = "bench";
    Ok(match page {
        Page::Overview(f) => overview::render(
            &overview::load(&session, f.clone(), Vec::new()).await?,
            collection,
        )
        .len(),
        Page::Run(id, p) => run_view::render(
            &run_page::load(&session, objects, id, None, *p).await?,
            collection,
        )
        .len(),
        Page::Compare(a, b) => {
            let q = CompareQuery {
                a: Some(a.clone()),
                b: Some(b.clone()),
            };
            compare::render(&compare::load(&session, objects, q).await?, collection).len()
        }
    })
}

async fn time(
    store: &Store,
    scope: &Scope,
    page: &Page,
    repeat: usize,
) -> anyhow::Result<serde_json::Value> {
    let objects = ObjectStorage::open(store.root())?;
    let mut times = Vec::new();
    let mut bytes = 0;
    let mut cpu = Vec::new();
    for _ in 0..repeat {
        let t = Instant::now();
        let before = wharf_bench::rss::cpu_ms();
        bytes = render(store, &objects, scope, page).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        if let (Some(a), Some(b)) = (before, wharf_bench::rss::cpu_ms()) {
            cpu.push(b - a);
        }
    }
    // CPU of the requests after the first (the steady state), per request.
    let steady_cpu_ms = if cpu.len() > 1 {
        cpu[1..].iter().sum::<f64>() / (cpu.len() - 1) as f64
    } else {
        cpu.first().copied().unwrap_or(0.0)
    };
    // The first request also fills the process's caches (Parquet footers, the roll-ups of
    // committed files) that a running server keeps; the median is the steady state.
    let first_ms = times[0];
    times.sort_by(f64::total_cmp);
    Ok(serde_json::json!({
        "first_ms": first_ms,
        "cpu_ms": steady_cpu_ms,
        "median_ms": times[times.len() / 2],
        "max_ms": times[times.len() - 1],
        "html_bytes": bytes,
    }))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let root = args.get(1).cloned().ok_or_else(|| {
        anyhow::anyhow!("usage: pages_bench ROOT [--repeat N] [--big-run EVENTS]")
    })?;
    let repeat: usize = flag(&args, "--repeat")
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5);
    let start = Utc
        .with_ymd_and_hms(2026, 10, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("date"))?;
    let big_id = wharf_bench::synth::run_id(
        start + chrono::Duration::seconds((BIG_RUN * 37) as i64),
        BIG_RUN,
    );
    if let Some(events) = flag(&args, "--big-run") {
        let store = open(&root, OpenMode::Write).await?;
        let session = Session::new(&store, Scope::All, &QueryConfig::default()).await?;
        let have = first(
            &session,
            &format!(
                "SELECT count(*) FROM runs WHERE run_id LIKE '{}%'",
                &big_id[..13]
            ),
        )
        .await?;
        if have.as_deref() == Some("0") {
            let mut records = run(
                &mut Rng::new(7),
                BIG_RUN,
                start,
                Shape {
                    events_per_run: events.parse()?,
                    extras: true,
                },
            );
            for r in &mut records {
                r.fill_collection("bench");
                r.validate()?;
            }
            let t = Instant::now();
            for chunk in records.chunks(100_000) {
                store.ingest(chunk.to_vec()).await?;
            }
            store.flush().await?;
            eprintln!("added the long run in {:.1}s", t.elapsed().as_secs_f64());
        }
    }
    let big = open(&root, OpenMode::Read).await?;
    let scope = Scope::Collection("bench".into());
    let session = Session::new(&big, scope.clone(), &QueryConfig::default()).await?;
    let stats = first(&session, "SELECT concat(CAST((SELECT count(*) FROM runs) AS VARCHAR), ' runs, ', CAST((SELECT count(*) FROM events) AS VARCHAR), ' events')").await?;
    let long = first(
        &session,
        "SELECT run_id FROM events GROUP BY run_id ORDER BY count(*) DESC LIMIT 1",
    )
    .await?;
    let ids = session
        .sql("SELECT run_id FROM runs WHERE runtime IS NOT NULL ORDER BY run_id LIMIT 2 OFFSET 500")
        .await?;
    let batch = ids
        .batches
        .iter()
        .find(|b| b.num_rows() >= 2)
        .ok_or_else(|| anyhow::anyhow!("store has too few runs"))?;
    let (a, b) = (
        arrow::util::display::array_value_to_string(batch.column(0), 0)?,
        arrow::util::display::array_value_to_string(batch.column(0), 1)?,
    );
    let long = long.unwrap_or_else(|| a.clone());

    // The small peer store: the .slt fixture, its runs looked up the same way.
    let small_dir = tempfile::tempdir()?;
    let small = open(&small_dir.path().display().to_string(), OpenMode::Write).await?;
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/slt/fixtures/trajectories.jsonl");
    let text = std::fs::read_to_string(&fixture)?;
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut r = wharf_model::parse_line(i as u64 + 1, line)?;
        if r.collection().is_none() {
            r.fill_collection("bench");
        }
        records.push(r);
    }
    small.ingest(records).await?;
    small.flush().await?;
    let small_a = "01900000-0000-7000-8000-00000000a001".to_owned();
    let small_b = "01900000-0000-7000-8000-00000000a002".to_owned();
    // All its collections: three runs, where the big store's `bench` has 100,000.
    let small_scope = Scope::All;

    let overview_runtime = OverviewFilter {
        runtime: Some("codex".into()),
        ..Default::default()
    };
    let pages: Vec<(&str, Page, Page)> = vec![
        (
            "overview",
            Page::Overview(OverviewFilter::default()),
            Page::Overview(OverviewFilter::default()),
        ),
        (
            "overview runtime=codex",
            Page::Overview(overview_runtime.clone()),
            Page::Overview(overview_runtime),
        ),
        (
            "run page (a 100-event run)",
            Page::Run(a.clone(), 0),
            Page::Run(small_a.clone(), 0),
        ),
        (
            "run page (longest run), first page",
            Page::Run(long.clone(), 0),
            Page::Run(small_a.clone(), 0),
        ),
        (
            "run page (longest run), page 100",
            Page::Run(long.clone(), 100),
            Page::Run(small_a.clone(), 0),
        ),
        (
            "compare two runs",
            Page::Compare(a.clone(), b.clone()),
            Page::Compare(small_a.clone(), small_b.clone()),
        ),
        (
            "compare two groups (runtime)",
            Page::Compare("runtime = 'codex'".into(), "runtime = 'claude-code'".into()),
            Page::Compare("runtime = 'codex'".into(), "runtime = 'claude-code'".into()),
        ),
    ];
    let mut out = serde_json::Map::new();
    println!("store: {}", stats.unwrap_or_default());
    println!(
        "{:40} {:>10} {:>10} {:>10} {:>9} {:>10} {:>7}",
        "page", "big first", "big ms", "big max", "big cpu", "small ms", "ratio"
    );
    for (name, page, peer) in pages {
        let w = time(&big, &scope, &page, repeat).await?;
        let p = time(&small, &small_scope, &peer, repeat).await?;
        let (bm, sm) = (
            w["median_ms"].as_f64().unwrap_or(0.0),
            p["median_ms"].as_f64().unwrap_or(0.0),
        );
        println!(
            "{name:40} {:10.1} {bm:10.1} {:10.1} {:9.0} {sm:10.1} {:7.1}",
            w["first_ms"].as_f64().unwrap_or(0.0),
            w["max_ms"].as_f64().unwrap_or(0.0),
            w["cpu_ms"].as_f64().unwrap_or(0.0),
            if sm > 0.0 { bm / sm } else { 0.0 }
        );
        out.insert(name.into(), serde_json::json!({"big": w, "small": p}));
    }
    eprintln!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
