//! Datasets for regression suites and judge calibration: the runs a selection picks, each
//! with its run row, parameters, rendered runbook, the kept attempt's outputs (text
//! inline up to a bound), its scores and its labels. Written as JSONL (one run per line)
//! or Parquet (one row per run; nested parts as JSON text columns).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use serde::Serialize;
use serde_json::{Map, Value, json};
use wharf_ingest::ObjectStorage;

use super::rows::{f64_of, json_rows, str_of};
use super::selection::Selection;
use crate::{QueryError, Session};

/// Runs exported at most.
const MAX_RUNS: usize = 100_000;
/// Rows of scores, labels or artifacts read at most.
const MAX_ROWS: usize = 5_000_000;
/// Output files larger than this are listed without their content.
const INLINE_BYTES: i64 = 256 << 10;

/// How [`write_dataset`] writes the runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetFormat {
    /// One JSON object per run per line.
    Jsonl,
    /// One row per run.
    Parquet,
}

impl std::str::FromStr for DatasetFormat {
    type Err = QueryError;
    fn from_str(s: &str) -> Result<Self, QueryError> {
        match s {
            "jsonl" | "json" => Ok(DatasetFormat::Jsonl),
            "parquet" => Ok(DatasetFormat::Parquet),
            other => Err(QueryError::Refused(format!(
                "unknown dataset format `{other}` (expected jsonl or parquet)"
            ))),
        }
    }
}

/// One exported run.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetRun {
    /// The run row.
    pub run: Map<String, Value>,
    /// Parameters the runbook was rendered with.
    pub parameters: Value,
    /// The rendered runbook (the mission the agent got), when recorded.
    pub runbook: Option<String>,
    /// The kept attempt's outputs: path, size, sha256, content type, and `content` for
    /// text up to 256 KiB (else `content_omitted` says why).
    pub outputs: Vec<Value>,
    /// The kept attempt's scores.
    pub scores: Vec<Map<String, Value>>,
    /// The latest label per key.
    pub labels: Vec<Map<String, Value>>,
}

/// Reads the runs `selection` picks into dataset records.
pub async fn dataset(
    session: &Session,
    objects: &ObjectStorage,
    selection: &Selection,
) -> Result<Vec<DatasetRun>, QueryError> {
    let cond = selection.condition()?;
    let ids = format!("SELECT r.run_id FROM runs r WHERE {cond}");
    let runs = json_rows(
        session,
        &format!("SELECT r.* FROM runs r WHERE {cond} ORDER BY r.started_at, r.run_id"),
        MAX_RUNS,
    )
    .await?;
    let scores = by_run(
        json_rows(
            session,
            &format!(
                "SELECT run_id, attempt, grader_kind, grader_name, grader_model, criterion, value, \
                 label, max_value, passed, explanation, error FROM kept_scores \
                 WHERE run_id IN ({ids}) ORDER BY run_id, grader_name, criterion"
            ),
            MAX_ROWS,
        )
        .await?,
    );
    let labels = by_run(
        json_rows(
            session,
            &format!(
                "SELECT run_id, key, value, value_num, author, note, created_at FROM latest_labels \
                 WHERE run_id IN ({ids}) AND key NOT LIKE 'wharf.%' ORDER BY run_id, key"
            ),
            MAX_ROWS,
        )
        .await?,
    );
    let artifacts = by_run(
        json_rows(
            session,
            &format!(
                "SELECT run_id, attempt, path, role, size, sha256, content_type, object_key \
                 FROM kept_artifacts WHERE run_id IN ({ids}) ORDER BY run_id, path"
            ),
            MAX_ROWS,
        )
        .await?,
    );
    let mut out = Vec::with_capacity(runs.len());
    for mut run in runs {
        let id = str_of(&run, "run_id").unwrap_or_default().to_owned();
        let parameters = match run.remove("parameters") {
            Some(Value::String(text)) => serde_json::from_str(&text).unwrap_or(Value::Null),
            Some(other) => other,
            None => Value::Null,
        };
        let mut runbook = None;
        let mut outputs = Vec::new();
        for a in artifacts.get(&id).into_iter().flatten() {
            let role = str_of(a, "role").unwrap_or("output");
            let path = str_of(a, "path").unwrap_or_default();
            if role == "input" {
                if path == "runbook.md" {
                    runbook = read_text(objects, a).await.ok();
                }
                continue;
            }
            outputs.push(output(objects, a).await);
        }
        out.push(DatasetRun {
            parameters,
            runbook,
            outputs,
            scores: scores.get(&id).cloned().unwrap_or_default(),
            labels: labels.get(&id).cloned().unwrap_or_default(),
            run,
        });
    }
    Ok(out)
}

fn by_run(rows: Vec<Map<String, Value>>) -> BTreeMap<String, Vec<Map<String, Value>>> {
    let mut by: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    for mut r in rows {
        let id = str_of(&r, "run_id").unwrap_or_default().to_owned();
        r.remove("run_id");
        by.entry(id).or_default().push(r);
    }
    by
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/json" | "application/x-ndjson" | "application/xml" | "application/yaml"
        )
}

async fn read_text(objects: &ObjectStorage, a: &Map<String, Value>) -> Result<String, String> {
    let key = str_of(a, "object_key").ok_or("no stored object")?;
    let bytes = objects.get(key).await.map_err(|e| e.to_string())?;
    String::from_utf8(bytes.to_vec()).map_err(|_| "not UTF-8 text".to_owned())
}

async fn output(objects: &ObjectStorage, a: &Map<String, Value>) -> Value {
    let size = f64_of(a, "size").unwrap_or(0.0) as i64;
    let content_type = str_of(a, "content_type").unwrap_or("application/octet-stream");
    let mut v = json!({
        "path": a.get("path"),
        "attempt": a.get("attempt"),
        "role": a.get("role"),
        "size": size,
        "sha256": a.get("sha256"),
        "content_type": content_type,
    });
    let (content, omitted) = if !is_text(content_type) {
        (None, Some("binary".to_owned()))
    } else if size > INLINE_BYTES {
        (
            None,
            Some(format!(
                "{size} bytes, over the {INLINE_BYTES}-byte inline bound"
            )),
        )
    } else {
        match read_text(objects, a).await {
            Ok(t) => (Some(t), None),
            Err(e) => (None, Some(e)),
        }
    };
    if let Some(obj) = v.as_object_mut() {
        if let Some(c) = content {
            obj.insert("content".into(), Value::String(c));
        }
        if let Some(o) = omitted {
            obj.insert("content_omitted".into(), Value::String(o));
        }
    }
    v
}

/// Writes `runs` to `out` in `format`.
pub fn write_dataset<W: Write + Send>(
    runs: &[DatasetRun],
    format: DatasetFormat,
    mut out: W,
) -> Result<(), QueryError> {
    let err = |e: &dyn std::fmt::Display| QueryError::Output(e.to_string());
    match format {
        DatasetFormat::Jsonl => {
            for r in runs {
                serde_json::to_writer(&mut out, r).map_err(|e| err(&e))?;
                out.write_all(b"\n").map_err(|e| err(&e))?;
            }
            Ok(())
        }
        DatasetFormat::Parquet => {
            let text = |f: &dyn Fn(&DatasetRun) -> Option<String>| -> ArrayRef {
                Arc::new(StringArray::from(runs.iter().map(f).collect::<Vec<_>>()))
            };
            let json_text = |v: &dyn Fn(&DatasetRun) -> Value| -> ArrayRef {
                text(&|r| Some(v(r).to_string()))
            };
            let field = |r: &DatasetRun, k: &str| str_of(&r.run, k).map(str::to_owned);
            let schema = Arc::new(Schema::new(vec![
                Field::new("run_id", DataType::Utf8, true),
                Field::new("runbook_name", DataType::Utf8, true),
                Field::new("runtime", DataType::Utf8, true),
                Field::new("model", DataType::Utf8, true),
                Field::new("status", DataType::Utf8, true),
                Field::new("passed", DataType::Boolean, true),
                Field::new("final_score", DataType::Float64, true),
                Field::new("run", DataType::Utf8, true),
                Field::new("parameters", DataType::Utf8, true),
                Field::new("runbook", DataType::Utf8, true),
                Field::new("outputs", DataType::Utf8, true),
                Field::new("scores", DataType::Utf8, true),
                Field::new("labels", DataType::Utf8, true),
            ]));
            let columns: Vec<ArrayRef> = vec![
                text(&|r| field(r, "run_id")),
                text(&|r| field(r, "runbook_name")),
                text(&|r| field(r, "runtime")),
                text(&|r| field(r, "model")),
                text(&|r| field(r, "status")),
                Arc::new(BooleanArray::from(
                    runs.iter()
                        .map(|r| r.run.get("passed").and_then(Value::as_bool))
                        .collect::<Vec<_>>(),
                )),
                Arc::new(Float64Array::from(
                    runs.iter()
                        .map(|r| f64_of(&r.run, "final_score"))
                        .collect::<Vec<_>>(),
                )),
                json_text(&|r| Value::Object(r.run.clone())),
                json_text(&|r| r.parameters.clone()),
                text(&|r| r.runbook.clone()),
                json_text(&|r| Value::Array(r.outputs.clone())),
                json_text(&|r| Value::Array(r.scores.iter().cloned().map(Value::Object).collect())),
                json_text(&|r| Value::Array(r.labels.iter().cloned().map(Value::Object).collect())),
            ];
            let batch = RecordBatch::try_new(schema.clone(), columns)?;
            let mut writer =
                parquet::arrow::ArrowWriter::try_new(out, schema, None).map_err(|e| err(&e))?;
            writer.write(&batch).map_err(|e| err(&e))?;
            writer.close().map_err(|e| err(&e))?;
            Ok(())
        }
    }
}
