//! Empty records for the importers to fill: every field unset but the identity the caller
//! gives. `Draft::finish` sets run ids, sequence numbers and missing times.

use chrono::{DateTime, Utc};
use wharf_model::{
    EventKind, EventRecord, GraderKind, LlmApi, LlmCallRecord, RunRecord, RunStatus, ScoreRecord,
};

/// A run header with nothing known but the terminal status `succeeded`; importers set
/// what their source says.
pub(crate) fn run() -> RunRecord {
    RunRecord::new(
        String::new(),
        RunStatus::Succeeded,
        DateTime::<Utc>::UNIX_EPOCH,
    )
}

/// An empty event of this kind; `Draft` fills run id, sequence number, time and its source.
pub(crate) fn event(kind: EventKind) -> EventRecord {
    EventRecord::new(String::new(), 1, 0, DateTime::<Utc>::UNIX_EPOCH, kind)
}

/// A message event: `user_message` / `assistant_message` with its role and text.
pub(crate) fn message(kind: EventKind, role: &str, text: String) -> EventRecord {
    let mut e = event(kind);
    e.role = Some(role.to_owned());
    e.text = Some(text);
    e
}

/// An empty score; `Draft` fills the run id, `validate` the score id.
pub(crate) fn score(
    grader_kind: GraderKind,
    grader_name: &str,
    criterion: &str,
    created_at: DateTime<Utc>,
) -> ScoreRecord {
    ScoreRecord::new(
        String::new(),
        grader_kind,
        grader_name,
        criterion,
        created_at,
    )
}

/// An LLM call with nothing but its identity; `Draft` fills the run id and start time.
pub(crate) fn call(call_id: String, provider: &str, api: LlmApi, model: &str) -> LlmCallRecord {
    LlmCallRecord::new(call_id, provider, api, model, DateTime::<Utc>::UNIX_EPOCH)
}
