//! What `wharf run` (and later the API) asks for, and what it gets back.

use std::path::PathBuf;
use std::time::Duration;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use wharf_sandbox::NetworkPolicy;

/// One run to start. Serialized into the durable queue without its secrets and its
/// cancellation handle.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunRequest {
    /// Run id to use (default: a new one).
    #[serde(default)]
    pub run_id: Option<String>,
    /// The runbook file.
    pub runbook: PathBuf,
    /// `--param name=value`.
    pub params: Vec<(String, String)>,
    /// Files uploaded to `/app/assets` (names kept).
    pub files: Vec<PathBuf>,
    /// Runtime (default: the runbook's `agent:`).
    pub agent: Option<String>,
    /// Model (default: the runbook's `model:`).
    pub model: Option<String>,
    /// Provider name from config, a provider kind, or a base URL (default: the runbook's).
    pub provider: Option<String>,
    /// Collection (default: the configured default).
    pub collection: Option<String>,
    /// Network policy (default: the configured one).
    pub network: Option<NetworkPolicy>,
    /// Extra allowlisted hosts.
    pub allow_hosts: Vec<String>,
    /// Snapshot (default: the runbook's, else `host`).
    pub snapshot: Option<String>,
    /// Wall-clock bound of the agent.
    pub timeout: Option<Duration>,
    /// Leave the workspace on disk.
    pub keep: bool,
    /// The command line of the `command` runtime.
    pub command: Vec<String>,
    /// Task name.
    pub task: Option<String>,
    /// Attempts at most (default: the runbook's "max N rounds", else 3); 1 disables the
    /// iteration loop.
    #[serde(default)]
    pub max_rounds: Option<u32>,
    /// Labels recorded on the run (`labels` rows, author `api`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Where declared runbook secrets and provider keys come from. `None`: the host
    /// environment (`wharf run`). `Some`: only these values (a collection's secrets on the
    /// server), so a runbook can never pull a host variable into its sandbox; provider
    /// keys not found here still come from the host, but only to the gateway.
    #[serde(skip)]
    pub secrets: Option<BTreeMap<String, String>>,
    /// Cancels the run (the agent is killed, the run recorded as `cancelled`).
    #[serde(skip)]
    pub cancel: CancellationToken,
}

impl std::fmt::Debug for RunRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunRequest")
            .field("run_id", &self.run_id)
            .field("runbook", &self.runbook)
            .field("agent", &self.agent)
            .field("model", &self.model)
            .field("collection", &self.collection)
            .field(
                "secrets",
                &self.secrets.as_ref().map(|s| s.keys().collect::<Vec<_>>()),
            )
            .finish_non_exhaustive()
    }
}

/// The end of a run, as `wharf run` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Run id.
    pub run_id: String,
    /// Collection.
    pub collection: String,
    /// Final status.
    pub status: wharf_model::RunStatus,
    /// Why, when not succeeded.
    pub error: Option<String>,
    /// Runtime.
    pub agent: String,
    /// Model.
    pub model: Option<String>,
    /// Wall-clock time.
    pub duration_ms: i64,
    /// Input tokens (gateway).
    pub input_tokens: i64,
    /// Output tokens (gateway).
    pub output_tokens: i64,
    /// Cached input tokens (gateway).
    pub cache_read_tokens: i64,
    /// Cost (gateway), when priced.
    pub cost_usd: Option<f64>,
    /// Model calls.
    pub llm_calls: i64,
    /// Events recorded.
    pub events: i64,
    /// Stored artifacts: (path, object key, bytes).
    pub artifacts: Vec<ArtifactSummary>,
    /// Required outputs that were not produced.
    pub missing_outputs: Vec<String>,
    /// Whether the programmatic evaluation passed (`None`: not evaluated).
    pub passed: Option<bool>,
    /// Share of checks passed.
    pub final_score: Option<f64>,
    /// The checks and rubric criteria of the best attempt.
    pub checks: Vec<crate::evaluate::CheckSummary>,
    /// Attempts made (the iteration loop; 0 when the run never started).
    pub attempts: u32,
    /// The attempt whose outputs and scores the run keeps.
    pub best_attempt: Option<u32>,
    /// Where the workspace was left (`--keep`).
    pub workspace: Option<PathBuf>,
    /// Phase timings.
    pub phases: Phases,
    /// SQL to look at the run.
    pub sql: String,
}

/// One stored artifact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArtifactSummary {
    /// Relative to the results directory.
    pub path: String,
    /// Object key under the storage root.
    pub object_key: String,
    /// Size.
    pub bytes: i64,
}

impl ArtifactSummary {
    /// The summary of a stored artifact's row.
    pub fn of(a: &wharf_model::ArtifactRecord) -> ArtifactSummary {
        ArtifactSummary {
            path: a.path.clone(),
            object_key: a.object_key.clone().unwrap_or_default(),
            bytes: a.size,
        }
    }
}

/// Where the time went, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Phases {
    /// Validating and rendering the runbook.
    pub prepare_ms: u64,
    /// Creating and filling the sandbox.
    pub sandbox_ms: u64,
    /// From spawn to the agent's first output line.
    pub agent_start_ms: u64,
    /// From the first output line to exit.
    pub agent_work_ms: u64,
    /// Copying results to storage.
    pub collect_ms: u64,
    /// Writing the last records and committing the tables.
    pub ingest_ms: u64,
}
