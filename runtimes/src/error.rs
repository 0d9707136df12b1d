//! The crate's one error type.

use std::path::PathBuf;

/// What can go wrong when preparing a runtime (parsing never fails: bad lines become `log`
/// events).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// No runtime has this name.
    #[error("unknown runtime `{name}`; known runtimes: {known}")]
    UnknownRuntime {
        /// The name asked for.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// The runtime needs a model and none was given.
    #[error("runtime `{runtime}` needs a model; set `model:` in the runbook")]
    MissingModel {
        /// The runtime's name (`claude-code`, `codex`, ...).
        runtime: &'static str,
    },
    /// The `command` runtime was given no command.
    #[error("runtime `command` needs a command line to run; none was given")]
    MissingCommand,
    /// An input field is empty or malformed.
    #[error("invalid invocation input `{field}`: {reason}")]
    InvalidInput {
        /// Which input field (`workdir`, `gateway_url`, `token`, ...).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A host path cannot be passed on a command line.
    #[error("path {path:?} is not valid UTF-8; use a tools directory with a UTF-8 path")]
    NonUtf8Path {
        /// The host path that is not UTF-8.
        path: PathBuf,
    },
}

impl RuntimeError {
    /// What kind of failure this is: every one is a choice the caller or the configuration
    /// made.
    pub fn kind(&self) -> wharf_model::ErrorKind {
        wharf_model::ErrorKind::InvalidInput
    }
}
