//! Writing query results as a text table, CSV, JSON, JSON lines, Parquet or Arrow IPC.

use std::io::Write;

use arrow::array::RecordBatch;

use crate::{QueryError, QueryResult};

/// How a query result is encoded (`wharf sql --format`, the SQL API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned text table.
    Table,
    /// CSV with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// A Parquet file (binary), written whole.
    Parquet,
    /// Arrow IPC stream.
    Arrow,
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "table" => OutputFormat::Table,
            "csv" => OutputFormat::Csv,
            "json" => OutputFormat::Json,
            "jsonl" | "ndjson" => OutputFormat::Jsonl,
            "parquet" => OutputFormat::Parquet,
            "arrow" => OutputFormat::Arrow,
            other => {
                return Err(format!(
                    "unknown format `{other}`; expected table, csv, json, jsonl, parquet or arrow"
                ));
            }
        })
    }
}

impl OutputFormat {
    /// Whether the encoding is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        matches!(self, OutputFormat::Parquet | OutputFormat::Arrow)
    }
}

fn out_err(e: impl std::fmt::Display) -> QueryError {
    QueryError::Output(e.to_string())
}

/// Encodes `result` into `out`.
pub fn write_result<W: Write>(
    result: &QueryResult,
    format: OutputFormat,
    mut out: W,
) -> Result<(), QueryError> {
    let batches: Vec<&RecordBatch> = result.batches.iter().collect();
    match format {
        OutputFormat::Table => {
            let owned: Vec<RecordBatch> = result.batches.clone();
            let text = if owned.iter().all(|b| b.num_rows() == 0) {
                arrow::util::pretty::pretty_format_batches(&[RecordBatch::new_empty(
                    result.schema.clone(),
                )])?
            } else {
                arrow::util::pretty::pretty_format_batches(&owned)?
            };
            writeln!(out, "{text}").map_err(out_err)?;
        }
        OutputFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut out);
            if batches.is_empty() {
                w.write(&RecordBatch::new_empty(result.schema.clone()))?;
            }
            for b in batches {
                w.write(b)?;
            }
        }
        OutputFormat::Json => {
            // The writer prints nothing, or `[]`, for zero rows depending on whether it
            // saw (empty) batches; the output is always one JSON array.
            let mut buf = Vec::new();
            let mut w = arrow::json::ArrayWriter::new(&mut buf);
            w.write_batches(&batches)?;
            w.finish()?;
            drop(w);
            if buf.is_empty() {
                buf.extend_from_slice(b"[]");
            }
            out.write_all(&buf).map_err(out_err)?;
            writeln!(out).map_err(out_err)?;
        }
        OutputFormat::Jsonl => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
            w.write_batches(&batches)?;
            w.finish()?;
        }
        OutputFormat::Parquet => {
            let mut buf = Vec::new();
            let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, result.schema.clone(), None)
                .map_err(out_err)?;
            for b in batches {
                w.write(b).map_err(out_err)?;
            }
            w.close().map_err(out_err)?;
            out.write_all(&buf).map_err(out_err)?;
        }
        OutputFormat::Arrow => {
            let mut w = arrow::ipc::writer::StreamWriter::try_new(&mut out, &result.schema)?;
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
    }
    out.flush().map_err(out_err)
}
