//! What `wharf run` and the API ask for (the answer, `RunSummary`, lives in `wharf_model`).

use std::path::PathBuf;
use std::time::Duration;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use wharf_sandbox::NetworkPolicy;

use crate::{EngineError, RunbookSource};

/// One run to start. Serialized into the durable queue without its secrets and its
/// cancellation handle.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunRequest {
    /// Run id to use (default: a new one).
    #[serde(default)]
    pub run_id: Option<String>,
    /// The runbook: its text, or (older queued requests) a file to read.
    pub runbook: RunbookSource,
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
    /// The task the run belongs to (recorded in `runs.task`); None outside a task.
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

/// The longest wall-clock bound a run may ask for.
pub const MAX_RUN_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

impl RunRequest {
    /// The request's own values: a timeout within bounds, labels with names, attempts
    /// within [`crate::MAX_ROUNDS`].
    pub(crate) fn check(&self) -> Result<(), EngineError> {
        if let Some(t) = self.timeout
            && (t.is_zero() || t > MAX_RUN_TIMEOUT)
        {
            return Err(EngineError::Param(format!(
                "the timeout must be more than 0 and at most {} seconds, got {}",
                MAX_RUN_TIMEOUT.as_secs(),
                t.as_secs_f64()
            )));
        }
        if self.labels.keys().any(|k| k.trim().is_empty()) {
            return Err(EngineError::Param("`labels`: empty label name".into()));
        }
        if let Some(n) = self.max_rounds
            && !(1..=crate::MAX_ROUNDS).contains(&n)
        {
            return Err(EngineError::Param(format!(
                "max_rounds must be between 1 and {}, got {n}",
                crate::MAX_ROUNDS
            )));
        }
        Ok(())
    }
}

impl std::fmt::Debug for RunRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunRequest")
            .field("run_id", &self.run_id)
            .field(
                "runbook",
                match &self.runbook {
                    RunbookSource::Text { name, .. } => name as &dyn std::fmt::Debug,
                    RunbookSource::Path(path) => path,
                },
            )
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
