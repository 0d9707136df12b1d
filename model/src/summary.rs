//! The end of a run as `wharf run` prints it, the API shows it and the service's catalog
//! stores it (one JSON text per run). The stored text is a contract: fields are only
//! added, with a default, so a summary written by an older wharf still reads.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::enums::RunStatus;
use crate::records::ArtifactRecord;

/// The end of a run: how it ended, what it cost, what it produced and how it was graded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's id (a UUID).
    pub run_id: String,
    /// The collection it was recorded in.
    pub collection: String,
    /// How it ended.
    pub status: RunStatus,
    /// Why, when not succeeded.
    #[serde(default)]
    pub error: Option<String>,
    /// The runtime that ran the agent.
    #[serde(default)]
    pub agent: String,
    /// The model the agent used, when known.
    #[serde(default)]
    pub model: Option<String>,
    /// Wall-clock time of the whole run.
    #[serde(default)]
    pub duration_ms: i64,
    /// Input tokens, as the gateway counted them.
    #[serde(default)]
    pub input_tokens: i64,
    /// Output tokens, as the gateway counted them.
    #[serde(default)]
    pub output_tokens: i64,
    /// Cached input tokens, as the gateway counted them.
    #[serde(default)]
    pub cache_read_tokens: i64,
    /// Cost from the gateway's prices; `None` when a model was not priced.
    #[serde(default)]
    pub cost_usd: Option<f64>,
    /// Model calls through the gateway.
    #[serde(default)]
    pub llm_calls: i64,
    /// Trajectory events recorded.
    #[serde(default)]
    pub events: i64,
    /// The artifacts stored from the kept attempt's results.
    #[serde(default)]
    pub artifacts: Vec<ArtifactSummary>,
    /// Required outputs that were not produced.
    #[serde(default)]
    pub missing_outputs: Vec<String>,
    /// Whether the evaluation passed (`None`: not evaluated). A re-grade replaces it.
    #[serde(default)]
    pub passed: Option<bool>,
    /// Rubric average, or the share of checks passed. A re-grade replaces it.
    #[serde(default)]
    pub final_score: Option<f64>,
    /// The checks and rubric criteria of the kept attempt. A re-grade replaces them.
    #[serde(default)]
    pub checks: Vec<CheckSummary>,
    /// Attempts made (the iteration loop; 0 when the run never started).
    #[serde(default)]
    pub attempts: u32,
    /// The attempt whose outputs and scores the run keeps.
    #[serde(default)]
    pub best_attempt: Option<u32>,
    /// Where the workspace was left on the host (`--keep`).
    #[serde(default)]
    pub workspace: Option<PathBuf>,
    /// Where the time went.
    #[serde(default)]
    pub phases: Phases,
    /// A SQL query that lists the run's events.
    #[serde(default)]
    pub sql: String,
}

/// One stored artifact of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArtifactSummary {
    /// Path relative to the results directory.
    pub path: String,
    /// Object key under the storage root.
    pub object_key: String,
    /// Size in bytes.
    pub bytes: i64,
}

impl ArtifactSummary {
    /// The summary of a stored artifact's row.
    pub fn of(a: &ArtifactRecord) -> ArtifactSummary {
        ArtifactSummary {
            path: a.path.clone(),
            object_key: a.object_key.clone().unwrap_or_default(),
            bytes: a.size,
        }
    }
}

/// One check or rubric criterion as the run summary shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSummary {
    /// Check name (`output:report.md`, `verification_script`, `validation_report`).
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What was found.
    pub explanation: String,
}

/// Where a run's time went, in milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary as the service stored it before the type could be read back.
    const STORED: &str = r#"{"run_id":"0190a3c4-0000-7000-8000-000000000001","collection":"acme","status":"failed","error":"1 check failed","agent":"command","model":"gpt-5-mini","duration_ms":1234,"input_tokens":10,"output_tokens":20,"cache_read_tokens":3,"cost_usd":0.0123,"llm_calls":2,"events":17,"artifacts":[{"path":"report.md","object_key":"artifacts/acme/x/report.md","bytes":42}],"missing_outputs":["data.csv"],"passed":false,"final_score":0.5,"checks":[{"name":"output:report.md","passed":true,"explanation":"found"},{"name":"output:data.csv","passed":false,"explanation":"missing"}],"attempts":2,"best_attempt":1,"workspace":null,"phases":{"prepare_ms":1,"sandbox_ms":2,"agent_start_ms":3,"agent_work_ms":4,"collect_ms":5,"ingest_ms":6},"sql":"SELECT 1"}"#;

    #[test]
    fn a_stored_summary_reads_back_and_writes_the_same_text() {
        let summary: RunSummary = serde_json::from_str(STORED).unwrap();
        assert_eq!(summary.status, RunStatus::Failed);
        assert_eq!(summary.artifacts[0].bytes, 42);
        assert_eq!(summary.best_attempt, Some(1));
        assert_eq!(serde_json::to_string(&summary).unwrap(), STORED);
    }

    #[test]
    fn a_summary_missing_later_fields_still_reads() {
        let old = r#"{"run_id":"r","collection":"c","status":"error","extra":1}"#;
        let summary: RunSummary = serde_json::from_str(old).unwrap();
        assert_eq!(summary.status, RunStatus::Error);
        assert_eq!(summary.attempts, 0);
        assert!(summary.checks.is_empty() && summary.passed.is_none());
        assert_eq!(summary.phases, Phases::default());
    }

    #[test]
    fn a_summary_without_its_status_is_refused() {
        let err =
            serde_json::from_str::<RunSummary>(r#"{"run_id":"r","collection":"c"}"#).unwrap_err();
        assert!(err.to_string().contains("status"), "{err}");
    }
}
