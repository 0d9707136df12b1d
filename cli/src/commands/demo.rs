//! `wharf demo`: ingest the bundled sample trajectories, then show what SQL over them gives.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use wharf_ingest::source::{self, StreamOptions};
use wharf_ingest::{OpenMode, Store};
use wharf_query::{OutputFormat, Scope, Session, write_result};

use crate::config::Config;
use crate::samples::SAMPLES;

/// Arguments of `wharf demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Collection the samples go into.
    #[arg(long, default_value = "demo")]
    collection: String,
}

/// The questions the demo asks.
const QUESTIONS: &[(&str, &str)] = &[
    (
        "Pass rate, cost and duration by runtime",
        "SELECT runtime, count(*) AS runs,
                round(avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END), 2) AS pass_rate,
                round(sum(cost_usd), 4) AS cost_usd,
                approx_percentile_cont(duration_ms, 0.5) AS p50_ms
         FROM runs GROUP BY runtime ORDER BY runtime",
    ),
    (
        "Most called tools and how often they failed",
        "SELECT name, count(*) AS calls, sum(CASE WHEN failed THEN 1 ELSE 0 END) AS failed
         FROM tool_calls GROUP BY name ORDER BY calls DESC, name LIMIT 5",
    ),
    (
        "Mean rubric score per criterion",
        "SELECT criterion, count(*) AS scored, round(avg(value), 2) AS mean
         FROM scores WHERE grader_kind = 'rubric' GROUP BY criterion ORDER BY criterion",
    ),
];

/// Runs the command.
pub async fn run(config: &Config, args: DemoArgs) -> anyhow::Result<ExitCode> {
    wharf_model::validate_collection("--collection", &args.collection)?;
    let root = wharf_ingest::StorageRoot::parse(&config.storage)?;
    let store = Store::open(root, config.ingest.clone(), OpenMode::Write).await?;
    let mut out = std::io::stdout().lock();
    for (name, text) in SAMPLES {
        let opts = StreamOptions {
            default_collection: args.collection.clone(),
            batch_lines: config.ingest.batch_lines,
            max_line_bytes: config.ingest.max_line_bytes,
            eager: false,
        };
        let summary = source::ingest_reader(&store, text.as_bytes(), opts, name, |_, _| {}).await?;
        writeln!(
            out,
            "{name}: {} record(s), {} new, {} already stored",
            summary.records,
            summary.receipt.accepted_total(),
            summary.receipt.duplicates
        )?;
    }
    store.flush().await?;
    writeln!(out, "stored under {}\n", store.root().display())?;
    let session = Session::new(
        &store,
        Scope::Collection(args.collection.clone()),
        &config.query,
    )
    .await?;
    for (title, sql) in QUESTIONS {
        writeln!(out, "{title}:")?;
        let result = session.sql(sql).await?;
        write_result(&result, OutputFormat::Table, &mut out)?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "Try: wharf sql --collection {} \"SELECT kind, count(*) FROM events GROUP BY kind\"",
        args.collection
    )?;
    Ok(ExitCode::SUCCESS)
}
