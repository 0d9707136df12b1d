//! The run lifecycle behind `wharf run` and the API: validate and render the
//! runbook, make a sandbox, start the agent with a run-scoped gateway token, turn its
//! stream into events as it goes, collect its results, and record the run.

mod artifacts;
mod attempts;
mod bus;
mod calls;
mod error;
mod evaluate;
mod grade;
mod prepare;
mod progress;
mod redact;
mod request;
mod run;
mod runbook_source;
mod service;

pub use artifacts::{content_type, missing_outputs, object_key, sha256_hex};
pub use bus::{BusEvent, EventBus, Subscription};
pub use calls::{StoreSink, Tally};
pub use error::{EngineError, RUNBOOK_HAS_ERRORS};
pub use grade::{GradeRequest, GradeSummary, MAX_GRADE_BYTES};
pub use prepare::{Loaded, MAX_ROUNDS, Prepared, load, prepare, resolve_provider};
pub use progress::{Progress, ProgressTx};
pub use redact::Redactor;
pub use request::RunRequest;
pub use run::{Engine, KEPT_ATTEMPT_LABEL};
pub use runbook_source::RunbookSource;
pub use service::{RESTART_REASON, RunService, ServiceConfig, Submission};
pub use wharf_model::{ArtifactSummary, CheckSummary, Phases, RunSummary};
