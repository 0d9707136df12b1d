//! What one sandbox is made of.

use crate::limits::Limits;
use crate::policy::Network;

/// The request to create one sandbox.
#[derive(Debug, Clone, Default)]
pub struct SandboxSpec {
    /// Sandbox id (default: a fresh UUIDv7); names its workspace directory.
    pub id: Option<String>,
    /// Snapshot: `host`, an alias from the config, or a root filesystem directory.
    pub snapshot: String,
    /// Resource bounds of its commands: CPU and wall time, memory, processes, files.
    pub limits: Limits,
    /// Network policy and, for `gateway` and `allowlist`, where the gateway listens.
    pub network: Network,
    /// Environment every command of this sandbox gets.
    pub env: Vec<(String, String)>,
}

/// Paths inside every sandbox.
pub mod paths {
    /// The writable workspace.
    pub const APP: &str = "/app";
    /// Uploaded files, names kept.
    pub const ASSETS: &str = "/app/assets";
    /// Where the agent writes its outputs.
    pub const RESULTS: &str = "/app/results";
    /// The rendered mission.
    pub const RUNBOOK: &str = "/app/runbook.md";
    /// The private home directory.
    pub const HOME: &str = "/home/agent";
    /// Scratch space; a host directory of the sandbox's own, `TMPDIR` points here.
    pub const TMP: &str = "/tmp";
    /// Agent CLIs installed by `wharf runtimes install` (read-only).
    pub const TOOLS: &str = "/opt/wharf/tools";
    /// The init helper.
    pub const INIT: &str = "/opt/wharf/bin/wharf-sandbox-init";
    /// Host sockets (gateway, egress proxy).
    pub const SOCKETS: &str = "/run/wharf";
    /// Gateway port on the sandbox's loopback.
    pub const GATEWAY_PORT: u16 = 4000;
    /// Egress proxy port on the sandbox's loopback.
    pub const PROXY_PORT: u16 = 3128;
    /// The uid/gid commands run as inside the sandbox.
    pub const INNER_ID: u32 = 1000;
}
