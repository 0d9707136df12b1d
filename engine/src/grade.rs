//! Grading a run wharf did not execute (bring your own agent), or re-grading a stored one:
//! its outputs are put in a fresh sandbox's results directory (no network), the runbook's
//! programmatic checks and verification script run there, and for rubric runbooks the
//! judge sees the outputs and a digest of the run's recorded events. Scores and the outputs
//! are recorded under the run with a verdict label that the run's row shows from then on
//! (a re-grade changes the verdict everywhere; ADR 0011); the run row itself is the
//! caller's.

use std::sync::Arc;

use chrono::Utc;
use wharf_model::{CheckSummary, EventKind, EventRecord, LabelRecord, Record, VERDICT_LABEL};
use wharf_sandbox::{Network, NetworkPolicy, SandboxSpec, paths};

use crate::artifacts::{self, Owner};
use crate::evaluate::{self, JudgeContext};
use crate::prepare::Loaded;
use crate::{ArtifactSummary, Engine, EngineError};

/// Events kept for the judge's digest.
const DIGEST_EVENTS: usize = 2_000;
/// Largest total size of the outputs graded.
pub const MAX_GRADE_BYTES: usize = 256 << 20;

/// What to grade.
#[derive(Debug, Clone)]
pub struct GradeRequest {
    /// The runbook, checked and rendered with its parameters ([`crate::load`]).
    pub runbook: Loaded,
    /// The run (a UUID).
    pub run_id: String,
    /// The run's collection; the score and label rows are written to it.
    pub collection: String,
    /// The attempt the scores are recorded under.
    pub attempt: i32,
    /// Output files, relative to the results directory.
    pub outputs: Vec<(String, Vec<u8>)>,
    /// The run's recorded events (for the judge's digest).
    pub events: Vec<EventRecord>,
}

/// What a grading found: the verdict, each check and criterion, the stored outputs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GradeSummary {
    /// The graded run's id.
    pub run_id: String,
    /// The attempt graded.
    pub attempt: i32,
    /// Whether every check and the rubric rule passed.
    pub passed: bool,
    /// Rubric average, or the share of checks passed.
    pub final_score: Option<f64>,
    /// Each check and criterion.
    pub checks: Vec<CheckSummary>,
    /// The outputs as stored.
    pub artifacts: Vec<ArtifactSummary>,
    /// Score rows written.
    pub scores: usize,
    /// What the caller should know (render warnings, a snapshot stood in for by `host`).
    pub warnings: Vec<String>,
}

/// Refuses output paths that are absolute, climb out, or are empty.
fn check_path(path: &str) -> Result<(), EngineError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\0')
        || path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..");
    if bad {
        return Err(EngineError::Param(format!(
            "output `{}` must be a relative path inside the results directory",
            path.escape_debug()
        )));
    }
    Ok(())
}

impl Engine {
    /// Grades `request`'s outputs against its runbook and records the scores and outputs.
    pub async fn grade(&self, request: GradeRequest) -> Result<GradeSummary, EngineError> {
        let run_id = wharf_model::normalize_uuid("run_id", &request.run_id)?;
        wharf_model::validate_collection("collection", &request.collection)?;
        let mut total = 0usize;
        for (path, bytes) in &request.outputs {
            check_path(path)?;
            total += bytes.len();
        }
        if total > MAX_GRADE_BYTES {
            return Err(EngineError::Param(format!(
                "the outputs total {total} bytes, over the {MAX_GRADE_BYTES}-byte bound"
            )));
        }
        let loaded = &request.runbook;
        let mut warnings = loaded.warnings.clone();
        let snapshot = crate::prepare::check_snapshot(
            &self.sandbox,
            loaded.runbook.frontmatter.snapshot.as_deref(),
            &mut warnings,
        )?;
        let spec = SandboxSpec {
            id: None,
            snapshot,
            limits: self.sandbox.limits.clone(),
            network: Network {
                policy: NetworkPolicy::None,
                gateway: None,
                allow: Vec::new(),
            },
            env: Vec::new(),
        };
        let sandbox = self.backend.create(spec).await?;
        let result = self
            .grade_in(&sandbox, loaded, &request, &run_id)
            .await
            .map(|summary| GradeSummary {
                warnings,
                ..summary
            });
        if let Err(e) = sandbox.destroy(false).await {
            tracing::warn!(error = %e, "grading sandbox cleanup failed");
        }
        result
    }

    async fn grade_in(
        &self,
        sandbox: &Arc<dyn wharf_sandbox::Sandbox>,
        loaded: &crate::prepare::Loaded,
        request: &GradeRequest,
        run_id: &str,
    ) -> Result<GradeSummary, EngineError> {
        for (path, bytes) in &request.outputs {
            sandbox
                .write_file(&format!("{}/{path}", paths::RESULTS), bytes.clone())
                .await?;
        }
        let owner = Owner {
            run_id,
            attempt: request.attempt,
            collection: &request.collection,
            primary: &loaded.runbook.frontmatter.primary_outputs,
        };
        let collected = artifacts::collect(sandbox, &self.objects, &owner).await?;
        let spec = loaded.spec();
        let mut evaluation = evaluate::programmatic(sandbox, &spec, &collected).await;
        let digest = digest(&request.events);
        let ctx = JudgeContext {
            judge: self.judge.as_deref(),
            digest: &digest,
            run_id,
            attempt: request.attempt,
            collection: &request.collection,
        };
        evaluation.rubric = evaluate::rubric(sandbox, &spec, &collected, &ctx).await;
        let mut rows = evaluation.score_records(run_id, request.attempt, &request.collection);
        let scores = rows.len();
        rows.extend(collected.records.iter().cloned().map(Record::Artifact));
        // The verdict the run's row shows from now on (its latest grading wins).
        let mut verdict = LabelRecord::new(
            run_id,
            Some(request.collection.clone()),
            VERDICT_LABEL,
            if evaluation.passed() {
                "passed"
            } else {
                "failed"
            },
            Some("wharf".into()),
            Utc::now(),
        );
        verdict.value_num = evaluation.score();
        verdict.note = Some(format!(
            "grading of attempt {} against runbook {} ({})",
            request.attempt,
            loaded.name,
            loaded.sha256.get(..12).unwrap_or_default()
        ));
        let mut verdict = Record::Label(verdict);
        match verdict.validate() {
            Ok(()) => rows.push(verdict),
            Err(e) => tracing::error!(error = %e, "the verdict label is invalid"),
        }
        self.store.ingest(rows).await?;
        self.store.flush().await?;
        Ok(GradeSummary {
            run_id: run_id.to_owned(),
            attempt: request.attempt,
            passed: evaluation.passed(),
            final_score: evaluation.score(),
            checks: evaluation.summaries(),
            artifacts: collected.records.iter().map(ArtifactSummary::of).collect(),
            scores,
            warnings: Vec::new(),
        })
    }
}

/// What the judge sees of recorded events: tool calls and results, messages, errors.
fn digest(events: &[EventRecord]) -> Vec<wharf_grader::DigestEvent> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ToolCall
                    | EventKind::ToolResult
                    | EventKind::AssistantMessage
                    | EventKind::Error
            )
        })
        .take(DIGEST_EVENTS)
        .map(|e| {
            let text = match e.kind {
                EventKind::ToolCall => e.input.as_ref().map(|i| i.to_string()),
                EventKind::ToolResult => e.output_text.clone().or_else(|| e.text.clone()),
                _ => e.text.clone(),
            };
            wharf_grader::DigestEvent {
                kind: e.kind.as_str().to_owned(),
                name: e.name.clone(),
                text: text.map(|t| t.chars().take(400).collect()),
                status: e
                    .status
                    .clone()
                    .or_else(|| e.exit_code.map(|c| format!("exit {c}"))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::check_path;

    #[test]
    fn output_paths_stay_inside_the_results_directory() {
        for ok in ["report.md", "out/data.csv"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./x"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }
}
