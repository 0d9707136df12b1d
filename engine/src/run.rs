//! One run, start to end, by phase: [`setup`] (the sandbox and what goes in it),
//! [`attempt`] (the agent, its live events, grading; repeated with feedback), [`record`]
//! (the kept attempt, the run row, the summary).

mod attempt;
mod record;
mod recorder;
mod setup;

use recorder::Recorder;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use wharf_gateway::{Gateway, ProviderSpec, RunGrant};
use wharf_ingest::{ObjectStorage, Store};
use wharf_model::{
    CostSource, EventKind, EventRecord, LabelRecord, Record, RunRecord, RunSource, RunStatus,
};
use wharf_runtimes::{AgentEvent, InvocationInput, Stdin, parse_all};
use wharf_sandbox::{
    Backend, ExecRequest, ExitInfo, ExitReason, Network, Sandbox, SandboxConfig, SandboxSpec,
    Stream, paths,
};

use crate::artifacts::{self, Owner};
use crate::attempts::{Attempt, Outcome};
use crate::calls::StoreSink;
use crate::evaluate::Evaluation;
use crate::prepare::{Prepared, prepare};
use crate::progress::{Progress, ProgressTx};
use crate::redact::Redactor;
use crate::{ArtifactSummary, EngineError, Phases, RunRequest, RunSummary};

/// The label naming the attempt a run keeps (its best), read by the `kept_scores` view.
pub const KEPT_ATTEMPT_LABEL: &str = "wharf.kept_attempt";
/// Records are written to the store in batches of this many (or every [`BATCH_EVERY`]).
const BATCH_ROWS: usize = 256;
const BATCH_EVERY: Duration = Duration::from_millis(300);
/// Events kept for the judge's trajectory digest.
const DIGEST_EVENTS: usize = 2_000;
/// Lines of stderr kept for the error message of a failed agent.
const STDERR_TAIL: usize = 12;

/// What the engine runs on.
#[derive(Clone)]
pub struct Engine {
    /// The trajectory store (the Delta tables) that runs, events and scores go to.
    pub store: Arc<Store>,
    /// Where artifact bytes are written (the rows go to `store`).
    pub objects: ObjectStorage,
    /// Makes the sandboxes runs execute in.
    pub backend: Arc<dyn Backend>,
    /// Sandbox defaults (tools dir, limits, network).
    pub sandbox: SandboxConfig,
    /// The LLM gateway.
    pub gateway: Gateway,
    /// Where the gateway listens on the host.
    pub gateway_addr: SocketAddr,
    /// Its sink (per-run tallies).
    pub sink: Arc<StoreSink>,
    /// Providers from the config, by name; a runbook's `model_provider:` picks one.
    pub providers: BTreeMap<String, ProviderSpec>,
    /// Collection when none is given.
    pub default_collection: String,
    /// The rubric judge (`None`: rubric runbooks cannot pass).
    pub judge: Option<Arc<wharf_grader::Judge>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("gateway_addr", &self.gateway_addr)
            .finish_non_exhaustive()
    }
}

fn send(progress: &Option<ProgressTx>, p: Progress) {
    if let Some(tx) = progress {
        let _ = tx.send(p);
    }
}

impl Engine {
    /// Runs `request` to its end. `Err` only when the run never started (bad runbook,
    /// missing file, agent not installed, ...); a run that started always ends with a
    /// recorded run row, whatever its status.
    pub async fn run(
        &self,
        request: RunRequest,
        progress: Option<ProgressTx>,
    ) -> Result<RunSummary, EngineError> {
        let t0 = Instant::now();
        let env = |k: &str| std::env::var(k).ok();
        let prepared = prepare(&request, &self.sandbox, &self.providers, &env).await?;
        let collection = request
            .collection
            .clone()
            .unwrap_or_else(|| self.default_collection.clone());
        wharf_model::validate_collection("collection", &collection)?;
        let run_id = match &request.run_id {
            Some(id) => wharf_model::normalize_uuid("run_id", id)?,
            None => wharf_model::new_run_id(),
        };
        for w in &prepared.warnings {
            send(&progress, Progress::Warning { message: w.clone() });
        }
        send(
            &progress,
            Progress::RunbookLoaded {
                run_id: run_id.clone(),
                runbook: prepared.name.clone(),
                version: prepared.runbook.frontmatter.version.clone(),
                agent: prepared.runtime.name().to_owned(),
                model: prepared.model.clone(),
            },
        );
        let mut ctx = RunContext {
            engine: self,
            request: &request,
            prepared: &prepared,
            collection: collection.clone(),
            run_id: run_id.clone(),
            started_at: Utc::now(),
            progress,
            recorder: Recorder::new(self.store.clone(), run_id.clone(), collection.clone()),
            phases: Phases {
                prepare_ms: ms(t0.elapsed()),
                ..Phases::default()
            },
            sandbox: None,
            token: None,
            reported_failure: None,
            last_error_event: None,
            digest: Vec::new(),
        };
        let outcome = ctx.execute().await;
        ctx.finish(outcome).await
    }
}

struct RunContext<'a> {
    engine: &'a Engine,
    request: &'a RunRequest,
    prepared: &'a Prepared,
    collection: String,
    run_id: String,
    started_at: chrono::DateTime<Utc>,
    progress: Option<ProgressTx>,
    recorder: Recorder,
    phases: Phases,
    sandbox: Option<Arc<dyn Sandbox>>,
    token: Option<String>,
    /// The agent's own stream said its session failed (hermes exits 0 regardless).
    reported_failure: Option<String>,
    /// The text of the last `error` event.
    last_error_event: Option<String>,
    /// What the judge sees of the trajectory.
    digest: Vec<wharf_grader::DigestEvent>,
}

impl RunContext<'_> {
    /// The sandbox with the inputs in it, then attempts until one passes or the rounds
    /// run out.
    async fn execute(&mut self) -> Result<Outcome, EngineError> {
        let sandbox = self.setup().await?;
        let max_rounds = self
            .request
            .max_rounds
            .unwrap_or(self.prepared.runbook.iteration.max_rounds)
            .max(1);
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut feedback: Option<String> = None;
        for number in 1..=max_rounds {
            let attempt = match self.attempt(&sandbox, number, feedback.take()).await {
                Ok(attempt) => attempt,
                Err(e) if !attempts.is_empty() => {
                    let message = self
                        .recorder
                        .redactor
                        .text(&format!("attempt {number} could not run: {e}"));
                    send(&self.progress, Progress::Warning { message });
                    break;
                }
                Err(e) => return Err(e),
            };
            let retry = attempt.status == RunStatus::Failed
                && number < max_rounds
                && !self.request.cancel.is_cancelled();
            send(
                &self.progress,
                Progress::Evaluated {
                    attempt: number,
                    passed: attempt.evaluation.passed(),
                    score: attempt.evaluation.score(),
                    failed: attempt.failed_items(),
                },
            );
            if retry {
                let text = attempt.evaluation.feedback(max_rounds - number);
                send(
                    &self.progress,
                    Progress::Retrying {
                        attempt: number + 1,
                        max_rounds,
                        feedback: self.recorder.redactor.text(&text),
                    },
                );
                feedback = Some(text);
            }
            attempts.push(attempt);
            if !retry {
                break;
            }
        }
        Ok(Outcome::new(attempts))
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
