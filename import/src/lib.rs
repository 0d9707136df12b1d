//! Importers: trajectories recorded by agents that ran elsewhere, turned into the
//! native records (runs, events, scores, llm_calls) so they are stored, queried and
//! graded like runs wharf executed itself.
//!
//! This crate sits beside `runtimes` (whose tool classification and `claude -p` / `codex
//! exec` stream parsers it reuses) and below `ingest`, which stores what it returns; it
//! does no I/O. Each format has its own module and documents exactly which fields it reads:
//!
//! | [`Format`] | input |
//! |---|---|
//! | `atif` | Harbor / terminal-bench `trajectory.json` (ATIF v1.x); also exported by [`export_atif`] |
//! | `otlp-json`, `otlp-protobuf` | OTLP/HTTP trace exports with GenAI semantic conventions ([`otlp`]) |
//! | `jetty` | Jetty run summaries (`trajectory.json` with `trajectory_id`) and trajectory API responses |
//! | `claude-code` | `~/.claude/projects/<project>/<session>.jsonl`, or `claude -p --output-format stream-json` |
//! | `codex` | `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`, or `codex exec --json` |
//!
//! [`detect`] sniffs the format (and recognizes wharf's own JSONL as [`Format::Native`], which
//! is read as it is, grouped by run); [`import`] returns one [`Imported`] per run, every record already
//! validated. Run ids (and LLM call ids) are derived from the source's own ids, so importing
//! the same file twice yields the same records and ingest stores them once. Inputs over
//! [`MAX_INPUT_BYTES`] and runs over [`MAX_EVENTS`] events are refused. Secrets in the input
//! are kept as they are: redaction is the caller's job.

mod atif;
mod atif_export;
mod blank;
mod claude_code;
mod codex;
mod detect;
mod draft;
mod error;
mod jetty;
mod json;
mod jsonl;
mod native;
pub mod otlp;
mod streams;

use chrono::{DateTime, Utc};
use wharf_model::{Record, RunRecord};

pub use atif_export::export_atif;
pub use detect::{Format, detect, import};
pub use error::ImportError;
pub use otlp::{otlp_json, otlp_protobuf};

/// Largest input one import accepts (256 MiB).
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;

/// Most events one imported run may have.
pub const MAX_EVENTS: usize = 1_000_000;

/// Choices the caller makes for an import; everything is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportOptions {
    /// Collection of every record (else the ingest's default).
    pub collection: Option<String>,
    /// Run id to use instead of the derived one (a UUID); only for inputs holding one run.
    pub run_id: Option<String>,
    /// Task name of the run(s).
    pub task: Option<String>,
    /// Runbook name of the run(s), overriding what the source says.
    pub runbook_name: Option<String>,
    /// Time to use when the input carries none at all (`claude -p` and `codex exec` streams,
    /// ATIF without step timestamps); typically the file's modification time. Without it
    /// such inputs are refused rather than given an invented time.
    pub default_time: Option<DateTime<Utc>>,
}

/// One imported run: its header and its events, scores and LLM calls, all validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The run header (`source` = `external`).
    pub run: RunRecord,
    /// Events (numbered from 0), then scores, then LLM calls.
    pub records: Vec<Record>,
    /// The run's id in the source: session id, trace or conversation id, trajectory id.
    pub source_id: String,
    /// A piece of a run delivered in pieces (an OTLP export without the trace's root span):
    /// its events, scores and calls are complete, but its run header is not, so
    /// [`Imported::into_records`] leaves the run row out; the piece with the root brings it.
    pub partial: bool,
}

impl Imported {
    /// The run header followed by the other records: the lines of a native file.
    pub fn into_records(self) -> Vec<Record> {
        let mut all = Vec::with_capacity(self.records.len() + 1);
        if !self.partial {
            all.push(Record::Run(self.run));
        }
        all.extend(self.records);
        all
    }
}

/// Refuses inputs over [`MAX_INPUT_BYTES`].
pub(crate) fn check_size(bytes: &[u8]) -> Result<(), ImportError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge {
            size: bytes.len() as u64,
            limit: MAX_INPUT_BYTES as u64,
        });
    }
    Ok(())
}
