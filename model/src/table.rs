//! The six tables: names, Arrow schemas, partitioning and idempotency keys.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::columns::{self, Column, ColumnType};

/// One of the six trajectory tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `runs`
    Runs,
    /// `events`
    Events,
    /// `scores`
    Scores,
    /// `labels`
    Labels,
    /// `artifacts`
    Artifacts,
    /// `llm_calls`
    LlmCalls,
}

/// Columns every table is partitioned by, in path order.
pub const PARTITION_COLUMNS: [&str; 2] = ["collection", "date"];

impl Table {
    /// All tables in a stable order.
    pub const ALL: [Table; 6] = [
        Table::Runs,
        Table::Events,
        Table::Scores,
        Table::Labels,
        Table::Artifacts,
        Table::LlmCalls,
    ];

    /// SQL and directory name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Runs => "runs",
            Table::Events => "events",
            Table::Scores => "scores",
            Table::Labels => "labels",
            Table::Artifacts => "artifacts",
            Table::LlmCalls => "llm_calls",
        }
    }

    /// Looks a table up by its SQL name.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Stable one-byte tag used in the write-ahead log.
    pub fn tag(self) -> u8 {
        match self {
            Table::Runs => 1,
            Table::Events => 2,
            Table::Scores => 3,
            Table::Labels => 4,
            Table::Artifacts => 5,
            Table::LlmCalls => 6,
        }
    }

    /// Inverse of [`Table::tag`].
    pub fn from_tag(tag: u8) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.tag() == tag)
    }

    /// The column contract.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Runs => columns::RUNS,
            Table::Events => columns::EVENTS,
            Table::Scores => columns::SCORES,
            Table::Labels => columns::LABELS,
            Table::Artifacts => columns::ARTIFACTS,
            Table::LlmCalls => columns::LLM_CALLS,
        }
    }

    /// Columns that identify a row: re-ingesting a row with the same key is a no-op.
    pub fn key_columns(self) -> &'static [&'static str] {
        match self {
            Table::Runs => &["run_id"],
            Table::Events => &["run_id", "attempt", "seq"],
            Table::Scores => &["score_id"],
            Table::Labels => &["label_id"],
            Table::Artifacts => &["run_id", "attempt", "path"],
            Table::LlmCalls => &["call_id"],
        }
    }

    /// The Arrow schema, columns in contract order.
    pub fn schema(self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns()
            .iter()
            .map(|c| Field::new(c.name, arrow_type(c.ty), c.nullable))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Arrow type of a logical column type.
pub fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text => DataType::Utf8,
        ColumnType::Int32 => DataType::Int32,
        ColumnType::Int64 => DataType::Int64,
        ColumnType::Float64 => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColumnType::Date => DataType::Date32,
    }
}
