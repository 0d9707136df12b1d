//! Exit codes and the error report on stderr.

use std::io::Write;
use std::process::ExitCode;

/// Exit code of bad input (a malformed file, refused SQL, a bad config).
pub const BAD_INPUT: u8 = 2;

/// An error that should end the command with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Prints `error` (with its causes) and picks the exit code.
pub fn report(error: &anyhow::Error) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {error:#}");
    if is_bad_input(error) {
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::FAILURE
    }
}

fn is_bad_input(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.is::<BadInput>()
            || cause
                .downcast_ref::<wharf_model::ModelError>()
                .is_some_and(|e| e.kind().is_caller_error())
            || cause
                .downcast_ref::<wharf_ingest::IngestError>()
                .is_some_and(|e| e.is_bad_input())
            || cause
                .downcast_ref::<wharf_query::QueryError>()
                .is_some_and(|e| e.is_user_error())
            || cause
                .downcast_ref::<wharf_engine::EngineError>()
                .is_some_and(|e| e.kind().is_caller_error())
            || cause.downcast_ref::<figment::Error>().is_some()
    })
}
