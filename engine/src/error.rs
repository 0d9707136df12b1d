//! The one error type of the engine.

use std::path::PathBuf;

use wharf_model::ErrorKind;

/// The one message that introduces a runbook's diagnostics when they stop a run.
pub const RUNBOOK_HAS_ERRORS: &str = "the runbook has errors; nothing was started";

/// Why a run could not start or could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The runbook has errors (the rendered diagnostics); nothing was started.
    #[error("{RUNBOOK_HAS_ERRORS}:\n{0}")]
    Runbook(String),
    /// A `--file` that does not exist or cannot be read.
    #[error("input file `{path}` cannot be read: {reason}")]
    InputFile {
        /// The path as the user gave it.
        path: PathBuf,
        /// Why it cannot be read (the I/O error, or that it names no file).
        reason: String,
    },
    /// A `--param` that is not `name=value`.
    #[error("bad parameter: {0}")]
    Param(String),
    /// No agent chosen, or an unknown one.
    #[error(transparent)]
    Runtime(#[from] wharf_runtimes::RuntimeError),
    /// The chosen agent CLI is not installed in the tools directory.
    #[error(
        "agent `{agent}` {version} is not installed (looked for {path}); run `wharf runtimes install {agent}`"
    )]
    NotInstalled {
        /// The runtime's name (`claude-code`, `codex`, ...).
        agent: String,
        /// The version wharf pins and looked for.
        version: String,
        /// Where its executable should be.
        path: PathBuf,
    },
    /// The provider of the run is not one it can use.
    #[error("model provider: {0}")]
    Provider(String),
    /// A value the caller gave (a run id, a collection) is not valid.
    #[error(transparent)]
    Invalid(#[from] wharf_model::ModelError),
    /// The gateway refused a provider's configuration or a run grant.
    #[error(transparent)]
    Gateway(#[from] wharf_gateway::GatewayError),
    /// The sandbox backend failed (create, exec, file I/O, network setup).
    #[error(transparent)]
    Sandbox(#[from] wharf_sandbox::SandboxError),
    /// The trajectory store or object storage failed.
    #[error(transparent)]
    Ingest(#[from] wharf_ingest::IngestError),
    /// Artifact upload failure.
    #[error("storing artifact `{path}`: {source}")]
    Artifact {
        /// Path of the artifact, relative to the results directory.
        path: String,
        /// Why (boxed: storage errors are large).
        source: Box<wharf_ingest::IngestError>,
    },
    /// Catalog (run table, secrets) failure.
    #[error(transparent)]
    Catalog(#[from] wharf_catalog::CatalogError),
    /// The run was cancelled before its agent started.
    #[error("cancelled")]
    Cancelled,
    /// A queued run's request could not be stored or read back.
    #[error("stored run request: {0}")]
    StoredRequest(#[source] serde_json::Error),
    /// A blocking task (runbook checks, hashing) died.
    #[error("background task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl EngineError {
    /// What kind of failure this is: the caller's input (nothing was started), a missing
    /// part, or the system.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Runbook(_)
            | EngineError::InputFile { .. }
            | EngineError::Param(_)
            | EngineError::NotInstalled { .. }
            | EngineError::Provider(_) => ErrorKind::InvalidInput,
            EngineError::Invalid(e) => e.kind(),
            EngineError::Runtime(e) => e.kind(),
            EngineError::Gateway(e) => e.kind(),
            EngineError::Sandbox(e) => e.kind(),
            EngineError::Ingest(e) => e.kind(),
            EngineError::Catalog(e) => e.kind(),
            EngineError::Cancelled => ErrorKind::Conflict,
            EngineError::Artifact { .. } | EngineError::StoredRequest(_) | EngineError::Task(_) => {
                ErrorKind::Internal
            }
        }
    }
}
