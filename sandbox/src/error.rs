//! The one error type of this crate.

use std::path::PathBuf;

/// What went wrong creating, running or reading a sandbox.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// bubblewrap is not installed or not runnable.
    #[error(
        "bubblewrap (`{path}`) is not available: {source}; install it with `apt-get install bubblewrap` (or set sandbox.bwrap to its path)"
    )]
    BwrapMissing {
        /// Configured bwrap path.
        path: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A snapshot name that does not resolve (see [`crate::resolve_snapshot`]).
    #[error("unknown snapshot `{name}`: {reason}")]
    UnknownSnapshot {
        /// The name as given.
        name: String,
        /// Why it does not resolve, with the known names.
        reason: String,
    },
    /// A path given to the sandbox is not acceptable.
    #[error("bad sandbox path `{path}`: {reason}")]
    BadPath {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An allowlist entry that is not `host`, `*.domain` or `host:port`.
    #[error("bad allowlist entry `{entry}`: {reason}")]
    BadAllowEntry {
        /// The entry as given.
        entry: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The gateway policy needs a gateway address.
    #[error("network policy `{0}` needs the gateway's address")]
    NoGateway(&'static str),
    /// The init helper that runs inside the sandbox was not found.
    #[error(
        "the sandbox init helper `wharf-sandbox-init` was not found (looked in {0:?}); build the workspace or set sandbox.init_path"
    )]
    InitMissing(Vec<PathBuf>),
    /// A command could not be started.
    #[error("could not start `{program}` in the sandbox: {source}")]
    Spawn {
        /// The program (`argv[0]`) that failed to start.
        program: String,
        /// The I/O error from spawning it.
        source: std::io::Error,
    },
    /// Host-side file system work failed.
    #[error("{what} `{path}`: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The host path being worked on.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is larger than the caller's bound.
    #[error("`{path}` is {size} bytes, over the {limit}-byte bound")]
    TooLarge {
        /// The file's path inside the sandbox.
        path: String,
        /// The file's size in bytes.
        size: u64,
        /// The caller's bound in bytes.
        limit: u64,
    },
    /// This server makes no sandboxes (see [`crate::UnavailableBackend`]); the reason says
    /// what failed and how to fix it.
    #[error("runs are disabled on this server: {0}")]
    Unavailable(String),
}

impl SandboxError {
    /// What kind of failure this is.
    pub fn kind(&self) -> wharf_model::ErrorKind {
        use wharf_model::ErrorKind;
        match self {
            SandboxError::BwrapMissing { .. }
            | SandboxError::InitMissing(_)
            | SandboxError::Unavailable(_) => ErrorKind::Unavailable,
            SandboxError::UnknownSnapshot { .. }
            | SandboxError::BadPath { .. }
            | SandboxError::BadAllowEntry { .. } => ErrorKind::InvalidInput,
            SandboxError::TooLarge { .. } => ErrorKind::TooLarge,
            SandboxError::NoGateway(_) | SandboxError::Spawn { .. } | SandboxError::Io { .. } => {
                ErrorKind::Internal
            }
        }
    }

    pub(crate) fn io(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| SandboxError::Io { what, path, source }
    }
}
