//! `wharf tables`: the column contract of each table, and the views.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use wharf_model::{SCHEMA_VERSION, Table, arrow_type};

/// Arguments of `wharf tables`.
#[derive(Debug, Args)]
pub struct TablesArgs {
    /// How to print: aligned text for people, or JSON.
    #[arg(long, short, value_enum, default_value_t = TablesFormat::Text)]
    format: TablesFormat,
}

/// How `wharf tables` prints.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum TablesFormat {
    /// One block per table: its columns, types and descriptions, aligned.
    Text,
    /// JSON.
    Json,
}

/// Runs the command.
pub fn run(args: TablesArgs) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match args.format {
        TablesFormat::Json => {
            let tables: Vec<serde_json::Value> = Table::ALL
                .iter()
                .map(|t| {
                    serde_json::json!({
                        "name": t.name(),
                        "key": t.key_columns(),
                        "partitioned_by": wharf_model::PARTITION_COLUMNS,
                        "columns": t.columns().iter().map(|c| serde_json::json!({
                            "name": c.name,
                            "type": arrow_type(c.ty).to_string(),
                            "nullable": c.nullable,
                            "doc": c.doc,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let views: &[&str] = wharf_query::VIEWS;
            let rollups: Vec<serde_json::Value> = wharf_query::ROLLUPS
                .iter()
                .map(|r| serde_json::json!({"name": r.name, "source": r.source.name(), "doc": r.doc}))
                .collect();
            let doc = serde_json::json!({
                "schema_version": SCHEMA_VERSION, "tables": tables, "views": views,
                "rollups": rollups,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        TablesFormat::Text => {
            writeln!(out, "schema version {SCHEMA_VERSION}")?;
            for t in Table::ALL {
                writeln!(
                    out,
                    "\n{} (key: {}; partitioned by collection, date)",
                    t.name(),
                    t.key_columns().join(", ")
                )?;
                for c in t.columns() {
                    let ty = arrow_type(c.ty).to_string();
                    let null = if c.nullable { "null" } else { "not null" };
                    writeln!(out, "  {:<22} {:<28} {:<8} {}", c.name, ty, null, c.doc)?;
                }
            }
            writeln!(out, "\nviews:")?;
            for name in wharf_query::VIEWS {
                writeln!(out, "  {name}")?;
            }
            writeln!(out, "\nroll-ups:")?;
            for r in wharf_query::ROLLUPS {
                writeln!(out, "  {} (of {}): {}", r.name, r.source.name(), r.doc)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
