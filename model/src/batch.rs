//! Turning validated records into Arrow record batches, one per table.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringBuilder, TimestampMicrosecondArray,
};
use chrono::{DateTime, NaiveDate, Utc};

use crate::records::{
    ArtifactRecord, EventRecord, LabelRecord, LlmCallRecord, Record, RunRecord, ScoreRecord,
    date_of,
};
use crate::{ModelError, Table};

/// Records grouped by table, ready to become batches.
#[derive(Debug, Default, Clone)]
pub struct Rows {
    /// `runs`
    pub runs: Vec<RunRecord>,
    /// `events`
    pub events: Vec<EventRecord>,
    /// `scores`
    pub scores: Vec<ScoreRecord>,
    /// `labels`
    pub labels: Vec<LabelRecord>,
    /// `artifacts`
    pub artifacts: Vec<ArtifactRecord>,
    /// `llm_calls`
    pub llm_calls: Vec<LlmCallRecord>,
}

impl Rows {
    /// Adds one record to its table's list.
    pub fn push(&mut self, record: Record) {
        match record {
            Record::Run(r) => self.runs.push(r),
            Record::Event(r) => self.events.push(r),
            Record::Score(r) => self.scores.push(r),
            Record::Label(r) => self.labels.push(r),
            Record::Artifact(r) => self.artifacts.push(r),
            Record::LlmCall(r) => self.llm_calls.push(r),
        }
    }

    /// Total number of records.
    pub fn len(&self) -> usize {
        self.runs.len()
            + self.events.len()
            + self.scores.len()
            + self.labels.len()
            + self.artifacts.len()
            + self.llm_calls.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every record, keeping the lists' capacity.
    pub fn clear(&mut self) {
        self.runs.clear();
        self.events.clear();
        self.scores.clear();
        self.labels.clear();
        self.artifacts.clear();
        self.llm_calls.clear();
    }

    /// Records of one table.
    pub fn len_of(&self, table: Table) -> usize {
        match table {
            Table::Runs => self.runs.len(),
            Table::Events => self.events.len(),
            Table::Scores => self.scores.len(),
            Table::Labels => self.labels.len(),
            Table::Artifacts => self.artifacts.len(),
            Table::LlmCalls => self.llm_calls.len(),
        }
    }

    /// The run id and collection of one table's `i`-th record (`None` past the end).
    pub fn run_and_collection(
        &mut self,
        table: Table,
        i: usize,
    ) -> Option<(Option<&str>, &mut Option<String>)> {
        match table {
            Table::Runs => self
                .runs
                .get_mut(i)
                .map(|r| (Some(r.run_id.as_str()), &mut r.collection)),
            Table::Events => self
                .events
                .get_mut(i)
                .map(|r| (Some(r.run_id.as_str()), &mut r.collection)),
            Table::Scores => self
                .scores
                .get_mut(i)
                .map(|r| (Some(r.run_id.as_str()), &mut r.collection)),
            Table::Labels => self
                .labels
                .get_mut(i)
                .map(|r| (Some(r.run_id.as_str()), &mut r.collection)),
            Table::Artifacts => self
                .artifacts
                .get_mut(i)
                .map(|r| (Some(r.run_id.as_str()), &mut r.collection)),
            Table::LlmCalls => self
                .llm_calls
                .get_mut(i)
                .map(|r| (r.run_id.as_deref(), &mut r.collection)),
        }
    }

    /// One batch per non-empty table. Every record must have its collection filled.
    pub fn into_batches(self) -> Result<Vec<(Table, RecordBatch)>, ModelError> {
        self.batches()
    }

    /// [`Rows::into_batches`] keeping the records (so their lists can be cleared and reused).
    pub fn batches(&self) -> Result<Vec<(Table, RecordBatch)>, ModelError> {
        let mut out = Vec::new();
        if !self.runs.is_empty() {
            out.push((Table::Runs, runs_batch(&self.runs)?));
        }
        if !self.events.is_empty() {
            out.push((Table::Events, events_batch(&self.events)?));
        }
        if !self.scores.is_empty() {
            out.push((Table::Scores, scores_batch(&self.scores)?));
        }
        if !self.labels.is_empty() {
            out.push((Table::Labels, labels_batch(&self.labels)?));
        }
        if !self.artifacts.is_empty() {
            out.push((Table::Artifacts, artifacts_batch(&self.artifacts)?));
        }
        if !self.llm_calls.is_empty() {
            out.push((Table::LlmCalls, llm_calls_batch(&self.llm_calls)?));
        }
        Ok(out)
    }
}

/// A string column sized up front (growing it by doubling copied every value again).
fn text<'a, T: 'a>(rows: &'a [T], f: impl Fn(&'a T) -> Option<&'a str>) -> ArrayRef {
    let bytes = rows.iter().filter_map(&f).map(str::len).sum();
    let mut column = StringBuilder::with_capacity(rows.len(), bytes);
    for row in rows {
        column.append_option(f(row));
    }
    Arc::new(column.finish())
}

fn text_owned<T>(rows: &[T], f: impl Fn(&T) -> Option<String>) -> ArrayRef {
    let values: Vec<Option<String>> = rows.iter().map(f).collect();
    text(&values, |v| v.as_deref())
}

fn i32s<T>(rows: &[T], f: impl Fn(&T) -> Option<i32>) -> ArrayRef {
    Arc::new(rows.iter().map(f).collect::<Int32Array>())
}

fn i64s<T>(rows: &[T], f: impl Fn(&T) -> Option<i64>) -> ArrayRef {
    Arc::new(rows.iter().map(f).collect::<Int64Array>())
}

fn f64s<T>(rows: &[T], f: impl Fn(&T) -> Option<f64>) -> ArrayRef {
    Arc::new(rows.iter().map(f).collect::<Float64Array>())
}

fn bools<T>(rows: &[T], f: impl Fn(&T) -> Option<bool>) -> ArrayRef {
    Arc::new(rows.iter().map(f).collect::<BooleanArray>())
}

fn times<T>(rows: &[T], f: impl Fn(&T) -> Option<DateTime<Utc>>) -> ArrayRef {
    let values = rows.iter().map(|r| f(r).map(|t| t.timestamp_micros()));
    Arc::new(
        values
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC"),
    )
}

fn dates<T>(rows: &[T], f: impl Fn(&T) -> DateTime<Utc>) -> ArrayRef {
    Arc::new(
        rows.iter()
            .map(|r| Some(days_since_epoch(date_of(&f(r)))))
            .collect::<Date32Array>(),
    )
}

/// Days since 1970-01-01, the Arrow `Date32` value.
pub fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - NaiveDate::default()).num_days() as i32
}

fn collection<'a, T>(
    rows: &'a [T],
    f: impl Fn(&'a T) -> &'a Option<String>,
    table: Table,
) -> Result<ArrayRef, ModelError> {
    if rows.iter().any(|r| f(r).is_none()) {
        return Err(ModelError::Batch {
            table: table.name(),
            message: "a record has no collection; fill it before building batches".into(),
        });
    }
    Ok(text(rows, |r| f(r).as_deref()))
}

fn finish(table: Table, columns: Vec<ArrayRef>) -> Result<RecordBatch, ModelError> {
    RecordBatch::try_new(table.schema(), columns).map_err(|e| ModelError::Batch {
        table: table.name(),
        message: e.to_string(),
    })
}

fn runs_batch(rows: &[RunRecord]) -> Result<RecordBatch, ModelError> {
    let t = Table::Runs;
    finish(
        t,
        vec![
            text(rows, |r| Some(r.run_id.as_str())),
            collection(rows, |r| &r.collection, t)?,
            text(rows, |r| r.task.as_deref()),
            text(rows, |r| Some(r.source.as_str())),
            text(rows, |r| r.runbook_name.as_deref()),
            text(rows, |r| r.runbook_version.as_deref()),
            text(rows, |r| r.runbook_sha256.as_deref()),
            text(rows, |r| r.runtime.as_deref()),
            text(rows, |r| r.runtime_version.as_deref()),
            text(rows, |r| r.model.as_deref()),
            text(rows, |r| r.model_provider.as_deref()),
            text(rows, |r| r.snapshot.as_deref()),
            text_owned(rows, |r| r.parameters.as_ref().map(|p| p.to_string())),
            text(rows, |r| Some(r.status.as_str())),
            bools(rows, |r| r.passed),
            f64s(rows, |r| r.final_score),
            i32s(rows, |r| Some(r.attempts)),
            times(rows, |r| Some(r.started_at)),
            times(rows, |r| r.ended_at),
            i64s(rows, |r| r.duration_ms),
            i64s(rows, |r| r.input_tokens),
            i64s(rows, |r| r.output_tokens),
            i64s(rows, |r| r.cache_read_tokens),
            i64s(rows, |r| r.cache_write_tokens),
            i64s(rows, |r| r.reasoning_tokens),
            f64s(rows, |r| r.cost_usd),
            text(rows, |r| r.cost_source.map(|c| c.as_str())),
            text(rows, |r| r.error.as_deref()),
            text(rows, |r| r.parent_run_id.as_deref()),
            text(rows, |r| r.workflow_id.as_deref()),
            dates(rows, |r| r.started_at),
        ],
    )
}

fn events_batch(rows: &[EventRecord]) -> Result<RecordBatch, ModelError> {
    let t = Table::Events;
    finish(
        t,
        vec![
            text(rows, |r| Some(r.run_id.as_str())),
            i32s(rows, |r| Some(r.attempt)),
            i64s(rows, |r| Some(r.seq)),
            times(rows, |r| Some(r.ts)),
            text(rows, |r| Some(r.ts_source.as_str())),
            collection(rows, |r| &r.collection, t)?,
            dates(rows, |r| r.ts),
            text(rows, |r| Some(r.kind.as_str())),
            text(rows, |r| r.role.as_deref()),
            text(rows, |r| r.name.as_deref()),
            text(rows, |r| r.call_id.as_deref()),
            text(rows, |r| r.parent_call_id.as_deref()),
            text(rows, |r| r.tool_kind.map(|k| k.as_str())),
            text(rows, |r| r.text.as_deref()),
            text_owned(rows, EventRecord::input_json),
            text(rows, |r| r.output_text.as_deref()),
            text(rows, |r| r.status.as_deref()),
            i32s(rows, |r| r.exit_code),
            i64s(rows, |r| r.duration_ms),
            text(rows, |r| r.model.as_deref()),
            i64s(rows, |r| r.input_tokens),
            i64s(rows, |r| r.output_tokens),
            i64s(rows, |r| r.cache_read_tokens),
            i64s(rows, |r| r.cache_write_tokens),
            f64s(rows, |r| r.cost_usd),
            text(rows, |r| r.raw.as_deref()),
        ],
    )
}

fn scores_batch(rows: &[ScoreRecord]) -> Result<RecordBatch, ModelError> {
    let t = Table::Scores;
    finish(
        t,
        vec![
            text(rows, |r| r.score_id.as_deref()),
            text(rows, |r| Some(r.run_id.as_str())),
            i32s(rows, |r| Some(r.attempt)),
            collection(rows, |r| &r.collection, t)?,
            dates(rows, |r| r.created_at),
            text(rows, |r| Some(r.grader_kind.as_str())),
            text(rows, |r| Some(r.grader_name.as_str())),
            text(rows, |r| r.grader_model.as_deref()),
            text(rows, |r| r.grader_prompt_sha256.as_deref()),
            text(rows, |r| Some(r.criterion.as_str())),
            f64s(rows, |r| r.value),
            text(rows, |r| r.label.as_deref()),
            f64s(rows, |r| r.max_value),
            bools(rows, |r| r.passed),
            text(rows, |r| r.explanation.as_deref()),
            text(rows, |r| r.error.as_deref()),
            times(rows, |r| Some(r.created_at)),
        ],
    )
}

fn labels_batch(rows: &[LabelRecord]) -> Result<RecordBatch, ModelError> {
    let t = Table::Labels;
    finish(
        t,
        vec![
            text(rows, |r| r.label_id.as_deref()),
            text(rows, |r| Some(r.run_id.as_str())),
            collection(rows, |r| &r.collection, t)?,
            dates(rows, |r| r.created_at),
            text(rows, |r| Some(r.key.as_str())),
            text(rows, |r| Some(r.value.as_str())),
            f64s(rows, |r| r.value_num),
            text(rows, |r| r.author.as_deref()),
            text(rows, |r| r.note.as_deref()),
            times(rows, |r| Some(r.created_at)),
        ],
    )
}

fn artifacts_batch(rows: &[ArtifactRecord]) -> Result<RecordBatch, ModelError> {
    let t = Table::Artifacts;
    finish(
        t,
        vec![
            text(rows, |r| Some(r.run_id.as_str())),
            i32s(rows, |r| Some(r.attempt)),
            collection(rows, |r| &r.collection, t)?,
            dates(rows, |r| r.created_at),
            text(rows, |r| Some(r.path.as_str())),
            text(rows, |r| Some(r.role.as_str())),
            i64s(rows, |r| Some(r.size)),
            text(rows, |r| r.sha256.as_deref()),
            text(rows, |r| r.content_type.as_deref()),
            text(rows, |r| r.object_key.as_deref()),
            times(rows, |r| Some(r.created_at)),
        ],
    )
}

fn llm_calls_batch(rows: &[LlmCallRecord]) -> Result<RecordBatch, ModelError> {
    let t = Table::LlmCalls;
    finish(
        t,
        vec![
            text(rows, |r| Some(r.call_id.as_str())),
            text(rows, |r| r.run_id.as_deref()),
            collection(rows, |r| &r.collection, t)?,
            dates(rows, |r| r.started_at),
            text(rows, |r| Some(r.provider.as_str())),
            text(rows, |r| Some(r.api.as_str())),
            text(rows, |r| Some(r.model.as_str())),
            times(rows, |r| Some(r.started_at)),
            i64s(rows, |r| r.latency_ms),
            i64s(rows, |r| r.ttft_ms),
            i32s(rows, |r| r.status_code),
            i64s(rows, |r| r.input_tokens),
            i64s(rows, |r| r.output_tokens),
            i64s(rows, |r| r.cache_read_tokens),
            i64s(rows, |r| r.cache_write_tokens),
            i64s(rows, |r| r.reasoning_tokens),
            f64s(rows, |r| r.cost_usd),
            bools(rows, |r| Some(r.streamed)),
            text(rows, |r| r.error.as_deref()),
        ],
    )
}
