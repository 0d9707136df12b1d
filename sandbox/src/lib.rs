//! Isolated sandboxes for agent runs.
//!
//! A [`Sandbox`] is a workspace on the host (so artifacts outlive it) plus the rules every
//! command run in it obeys: namespaces, a read-only snapshot underneath, resource limits
//! over the whole process tree, and a network policy. [`BwrapBackend`] implements it with
//! bubblewrap; other backends (Docker, Kubernetes) can implement the same trait.
//! [`UnavailableBackend`] stands in when none can start: it refuses every sandbox with the
//! reason, so a server without bubblewrap still serves everything but runs.

mod bwrap;
mod cgroup;
mod config;
mod dirs;
mod error;
mod exec;
mod fsio;
mod host;
pub mod init;
mod limits;
mod policy;
mod proxy;
mod relay;
mod snapshot;
mod spawn;
mod spec;
mod supervise;
mod unavailable;

use std::path::Path;
use std::sync::Arc;

pub use bwrap::BwrapBackend;
pub use config::SandboxConfig;
pub use error::SandboxError;
pub use exec::{ExecRequest, Execution, ExitInfo, ExitReason, OutputLine, Stream};
pub use fsio::{FoundFile, Skipped};
pub use limits::Limits;
pub use policy::{DEFAULT_REGISTRIES, HostPattern, Network, NetworkPolicy, parse_allowlist};
pub use proxy::EgressDecision;
pub use snapshot::{JETTY_SNAPSHOTS, ResolvedSnapshot, SnapshotSource, resolve_snapshot};
pub use spec::{SandboxSpec, paths};
pub use unavailable::UnavailableBackend;

/// One sandbox: create it through a [`Backend`], run commands in it, read what they wrote.
#[async_trait::async_trait]
pub trait Sandbox: Send + Sync + std::fmt::Debug {
    /// The sandbox id ([`SandboxSpec::id`], by default a fresh UUIDv7).
    fn id(&self) -> &str;
    /// The host directory mounted at `/app`.
    fn workspace(&self) -> &Path;
    /// The gateway's base URL as seen from inside (`None` under policy `none`).
    fn gateway_url(&self) -> Option<String>;
    /// Puts a file into `/app/assets/NAME` (the name is kept; no directories).
    async fn upload(&self, name: &str, bytes: Vec<u8>) -> Result<String, SandboxError>;
    /// Writes a file at an absolute sandbox path under `/app`, `/home/agent` or `/tmp`.
    async fn write_file(&self, path: &str, bytes: Vec<u8>) -> Result<(), SandboxError>;
    /// Starts a command; read its lines and wait on the returned [`Execution`].
    async fn exec(&self, request: ExecRequest) -> Result<Execution, SandboxError>;
    /// Reads a file at an absolute sandbox path, at most `limit` bytes, following no symlink.
    async fn read_file(&self, path: &str, limit: u64) -> Result<Vec<u8>, SandboxError>;
    /// Regular files under a sandbox directory (symlinks and special files skipped).
    async fn list_files(&self, dir: &str) -> Result<(Vec<FoundFile>, Vec<Skipped>), SandboxError>;
    /// What the egress proxy let through and refused so far.
    fn egress_log(&self) -> Vec<EgressDecision>;
    /// Kills whatever still runs, releases the limits and, unless `keep`, removes the workspace.
    async fn destroy(&self, keep: bool) -> Result<(), SandboxError>;
}

/// Creates sandboxes: [`BwrapBackend`], or [`UnavailableBackend`] when bwrap cannot run.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Creates a sandbox.
    async fn create(&self, spec: SandboxSpec) -> Result<Arc<dyn Sandbox>, SandboxError>;
    /// Why this backend cannot make sandboxes at all (what failed and how to fix it), so
    /// callers refuse runs up front; `None` when it can.
    fn unavailable(&self) -> Option<&str> {
        None
    }
}
