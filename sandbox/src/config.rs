//! Settings of the local sandbox backend (the `[sandbox]` section of wharf's config).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::limits::Limits;
use crate::policy::{DEFAULT_REGISTRIES, NetworkPolicy};

/// The `[sandbox]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// The bubblewrap executable.
    pub bwrap: String,
    /// Where sandbox workspaces live on the host (one directory per sandbox).
    pub work_dir: PathBuf,
    /// Where `wharf runtimes install` puts agent CLIs; bound read-only at `/opt/wharf/tools`.
    pub tools_dir: PathBuf,
    /// The in-sandbox init helper; default: `wharf-sandbox-init` next to the running binary.
    pub init_path: Option<PathBuf>,
    /// When wharf runs as root, sandboxes run as host uids from here upwards (one per sandbox).
    pub uid_base: u32,
    /// Default limits of a sandbox.
    pub limits: Limits,
    /// Default network policy.
    pub network: NetworkPolicy,
    /// Hosts an `allowlist` sandbox may reach (besides the gateway).
    pub allow_hosts: Vec<String>,
    /// Snapshot aliases: name -> `host` or a root filesystem directory. Jetty's names
    /// (`python312-uv`, ...) need no alias: they run on `host` with a warning.
    pub snapshots: BTreeMap<String, String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        let snapshots = [
            "python311",
            "python312",
            "node20",
            "node22",
            "default",
            "ubuntu",
        ]
        .into_iter()
        .map(|n| (n.to_owned(), "host".to_owned()))
        .collect();
        SandboxConfig {
            bwrap: "bwrap".to_owned(),
            work_dir: PathBuf::from("./wharf-work"),
            tools_dir: PathBuf::from("./wharf-tools"),
            init_path: None,
            uid_base: 200_000,
            limits: Limits::default(),
            network: NetworkPolicy::default(),
            allow_hosts: DEFAULT_REGISTRIES.iter().map(|s| (*s).to_owned()).collect(),
            snapshots,
        }
    }
}
