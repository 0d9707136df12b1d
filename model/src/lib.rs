//! wharf's domain model: the six tables, their Arrow schemas, and the native trajectory
//! format that feeds them. No I/O happens here.
//!
//! Everything above this crate (ingest, query, grader, engine, server) agrees on these
//! types: [`Table`] names a table and gives its schema and idempotency key, [`Record`] is
//! one line of the native format, [`Rows`] turns records into Arrow batches, and
//! [`SCHEMA_VERSION`] versions the persisted contract (golden files in `model/golden/`).

mod batch;
mod columns;
mod enums;
mod error;
mod ids;
mod kind;
mod queue_status;
mod records;
mod summary;
mod table;
mod trajectory;
mod version;

pub use batch::{Rows, days_since_epoch};
pub use columns::{Column, ColumnType};
pub use enums::{
    ArtifactRole, CostSource, EventKind, GraderKind, LlmApi, RunSource, RunStatus, ToolKind,
    TsSource,
};
pub use error::ModelError;
pub use ids::{MAX_COLLECTION_LEN, derived_id, new_run_id, normalize_uuid, validate_collection};
pub use kind::ErrorKind;
pub use queue_status::QueueStatus;
pub use records::{
    ArtifactRecord, EventRecord, LabelRecord, LlmCallRecord, RECORD_TYPES, Record, RunRecord,
    ScoreRecord, TypeTag, VERDICT_LABEL, date_of,
};
pub use summary::{ArtifactSummary, CheckSummary, Phases, RunSummary};
pub use table::{PARTITION_COLUMNS, Table, arrow_type};
pub use trajectory::{
    DEFAULT_MAX_LINE_BYTES, Line, LineReader, human_bytes, json_type_name, parse_line,
};
pub use version::SCHEMA_VERSION;

/// Paths the exported macros ([`event_struct!`]) expand to, so callers need no extra
/// dependency. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde_json::Value as JsonValue;
}
