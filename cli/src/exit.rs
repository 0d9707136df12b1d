//! Exit codes and the error report on stderr: the one place an error's [`ErrorKind`]
//! becomes an exit code.

use std::io::Write;
use std::process::ExitCode;

use wharf_model::ErrorKind;

/// Exit code of bad input (a malformed file, refused SQL, a bad config).
pub const BAD_INPUT: u8 = 2;

/// An error of the command line itself (an argument, a file it reads) that should end the
/// command with code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Prints `error` (with its causes) and picks the exit code: 2 when the caller is at
/// fault, 1 otherwise.
pub fn report(error: &anyhow::Error) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {error:#}");
    match kind_of(error) {
        Some(kind) if kind.is_caller_error() => ExitCode::from(BAD_INPUT),
        _ => ExitCode::FAILURE,
    }
}

/// The kind of the first error in the chain that has one.
fn kind_of(error: &anyhow::Error) -> Option<ErrorKind> {
    error.chain().find_map(|cause| {
        macro_rules! kind {
            ($($error:ty),* $(,)?) => {$(
                if let Some(e) = cause.downcast_ref::<$error>() {
                    return Some(e.kind());
                }
            )*};
        }
        if cause.is::<BadInput>() || cause.is::<figment::Error>() {
            return Some(ErrorKind::InvalidInput);
        }
        kind!(
            wharf_model::ModelError,
            wharf_runbook::RunbookError,
            wharf_sandbox::SandboxError,
            wharf_runtimes::RuntimeError,
            wharf_gateway::GatewayError,
            wharf_ingest::IngestError,
            wharf_import::ImportError,
            wharf_query::QueryError,
            wharf_grader::GraderError,
            wharf_catalog::CatalogError,
            wharf_engine::EngineError,
            wharf_server::ApiError,
        );
        None
    })
}
