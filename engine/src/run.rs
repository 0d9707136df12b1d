//! One run, start to end: sandbox, agent, live events, artifacts, the run row.

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
    /// The tables.
    pub store: Arc<Store>,
    /// Artifact storage.
    pub objects: ObjectStorage,
    /// Sandboxes.
    pub backend: Arc<dyn Backend>,
    /// Sandbox defaults (tools dir, limits, network).
    pub sandbox: SandboxConfig,
    /// The LLM gateway.
    pub gateway: Gateway,
    /// Where the gateway listens on the host.
    pub gateway_addr: SocketAddr,
    /// Its sink (per-run tallies).
    pub sink: Arc<StoreSink>,
    /// Configured providers.
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

    /// Redaction, labels, and the sandbox with the runbook's files in it.
    async fn setup(&mut self) -> Result<Arc<dyn Sandbox>, EngineError> {
        let engine = self.engine;
        let prepared = self.prepared;
        // Secrets, the gateway token and provider keys are scrubbed from every event.
        let mut redactor = Redactor::default();
        for (name, _, value) in &prepared.secrets {
            if !redactor.add(name, value) {
                send(
                    &self.progress,
                    Progress::Warning {
                        message: format!("secret `{name}` is too short to redact reliably"),
                    },
                );
            }
        }
        let token = match &prepared.provider {
            Some(provider) => {
                if !provider.api_key().is_empty() {
                    redactor.add("PROVIDER_KEY", provider.api_key().expose());
                }
                let grant = RunGrant::new(
                    Some(self.run_id.clone()),
                    self.collection.clone(),
                    provider.clone(),
                );
                let token = engine.gateway.issue(grant)?;
                let token = token.expose().to_owned();
                redactor.add("GATEWAY_TOKEN", &token);
                token
            }
            None => wharf_gateway::NO_PROVIDER_TOKEN.to_owned(),
        };
        self.token = Some(token.clone());
        self.recorder.redactor = redactor;
        // The request's labels and the rendered runbook (an `input` artifact): one write.
        let mut inputs = self
            .request
            .labels
            .iter()
            .map(|(key, value)| {
                let mut record = Record::Label(LabelRecord::new(
                    self.run_id.clone(),
                    Some(self.collection.clone()),
                    key.clone(),
                    value.clone(),
                    Some("api".into()),
                    self.started_at,
                ));
                // Derives the label id and the numeric value.
                record
                    .validate()
                    .map_err(|e| EngineError::Param(format!("label `{key}`: {e}")))?;
                Ok(record)
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        let owner = self.owner(1);
        let mission =
            artifacts::store_input(&engine.objects, &owner, "runbook.md", &prepared.mission)
                .await?;
        inputs.push(Record::Artifact(mission));
        engine.store.ingest(inputs).await?;

        // The sandbox.
        let t = Instant::now();
        let mut limits = engine.sandbox.limits.clone();
        if let Some(timeout) = self.request.timeout {
            limits.wall_timeout = Some(timeout);
        }
        let mut allow = wharf_sandbox::parse_allowlist(&engine.sandbox.allow_hosts)?;
        allow.extend(wharf_sandbox::parse_allowlist(&self.request.allow_hosts)?);
        let policy = self.request.network.unwrap_or(engine.sandbox.network);
        let snapshot = self
            .request
            .snapshot
            .clone()
            .or_else(|| prepared.runbook.frontmatter.snapshot.clone())
            .unwrap_or_else(|| "host".to_owned());
        let spec = SandboxSpec {
            id: Some(self.run_id.replace('-', "")),
            snapshot,
            limits,
            network: Network {
                policy,
                gateway: Some(engine.gateway_addr),
                allow,
            },
            env: prepared
                .secrets
                .iter()
                .map(|(_, env, value)| (env.clone(), value.clone()))
                .collect(),
        };
        let sandbox = engine.backend.create(spec).await?;
        self.sandbox = Some(sandbox.clone());
        for (name, bytes) in &prepared.files {
            sandbox.upload(name, bytes.clone()).await?;
        }
        sandbox
            .write_file(paths::RUNBOOK, prepared.mission.clone().into_bytes())
            .await?;
        self.phases.sandbox_ms = ms(t.elapsed());
        send(
            &self.progress,
            Progress::SandboxReady {
                sandbox: sandbox.id().to_owned(),
                ms: self.phases.sandbox_ms,
                network: policy.to_string(),
            },
        );

        Ok(sandbox)
    }

    /// One attempt: the agent (resumed with `feedback` after the first), its outputs
    /// collected under the attempt's number, then evaluated and its scores recorded.
    async fn attempt(
        &mut self,
        sandbox: &Arc<dyn Sandbox>,
        number: u32,
        feedback: Option<String>,
    ) -> Result<Attempt, EngineError> {
        let engine = self.engine;
        let prepared = self.prepared;
        let attempt_no = i32::try_from(number).unwrap_or(i32::MAX);
        self.recorder.attempt = attempt_no;
        self.digest.clear();
        self.reported_failure = None;
        self.last_error_event = None;
        if let Some(text) = &feedback {
            let mut e = AgentEvent::new(EventKind::UserMessage);
            e.role = Some("wharf".into());
            e.name = Some("feedback".into());
            e.text = Some(text.clone());
            self.recorder.push(e).await;
        }
        let gateway_url = sandbox
            .gateway_url()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", paths::GATEWAY_PORT));
        let mut input = InvocationInput::new(
            prepared.mission.clone(),
            prepared.model.clone(),
            gateway_url,
            self.token.clone().unwrap_or_default(),
        );
        input.command = self.request.command.clone();
        input.attempt = number;
        input.resume = feedback.is_some();
        input.feedback = feedback;
        let invocation = prepared.runtime.invocation(&input)?;
        for file in &invocation.files {
            sandbox
                .write_file(&file.path, file.content.clone().into_bytes())
                .await?;
        }

        // The agent.
        if self.request.cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        self.recorder.status("agent started", None).await;
        send(
            &self.progress,
            Progress::AgentStarted {
                agent: prepared.runtime.name().to_owned(),
                version: prepared.runtime.version().map(str::to_owned),
            },
        );
        let request = ExecRequest {
            argv: invocation.argv.clone(),
            env: invocation.env.clone(),
            cwd: Some(invocation.workdir.clone()),
            stdin: match &invocation.stdin {
                Stdin::Closed => None,
                Stdin::Text(text) => Some(text.clone().into_bytes()),
            },
            timeout: None,
        };
        let mut execution = sandbox.exec(request).await?;
        let canceller = execution.canceller();
        let cancel = self.request.cancel.clone();
        let mut parser = prepared.runtime.parser();
        let mut stderr_tail: Vec<String> = Vec::new();
        let mut first_line: Option<Duration> = None;
        let mut cancel_sent = false;
        // Quiet agents still get their last events written within BATCH_EVERY.
        let mut tick = tokio::time::interval(BATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let line = tokio::select! {
                line = execution.next_line() => line,
                _ = tick.tick() => {
                    if self.recorder.last.elapsed() >= BATCH_EVERY {
                        self.recorder.flush().await;
                    }
                    continue;
                }
                () = cancel.cancelled(), if !cancel_sent => {
                    cancel_sent = true;
                    canceller.notify_one();
                    continue;
                }
            };
            let Some(line) = line else { break };
            first_line.get_or_insert(line.at);
            match line.stream {
                Stream::Stdout => {
                    let events = parser.feed_line(&line.line);
                    self.events(events).await;
                }
                Stream::Stderr => {
                    if line.line.trim().is_empty() {
                        continue;
                    }
                    if stderr_tail.len() == STDERR_TAIL {
                        stderr_tail.remove(0);
                    }
                    stderr_tail.push(self.recorder.redactor.text(&line.line));
                    let mut e = AgentEvent::log(&line.line);
                    e.name = Some("stderr".into());
                    self.event(e).await;
                }
            }
        }
        let events = parser.finish();
        self.events(events).await;
        let exit = execution.wait().await;
        let start = first_line.unwrap_or(exit.duration);
        if number == 1 {
            self.phases.agent_start_ms = ms(start);
        }
        self.phases.agent_work_ms += ms(exit.duration.saturating_sub(start));
        send(
            &self.progress,
            Progress::AgentExited {
                how: exit.describe(),
                code: exit.code,
            },
        );
        self.recorder
            .status(&format!("agent ended: {}", exit.describe()), exit.code)
            .await;

        // Runtime-specific trajectory sources read after the agent ended (hermes export).
        for post in &invocation.post_run {
            let req = ExecRequest {
                argv: post.argv.clone(),
                env: invocation.env.clone(),
                ..ExecRequest::default()
            };
            let (lines, info) = sandbox.exec(req).await?.collect().await;
            if let Some(kind) = post.stdout {
                let stdout: Vec<&str> = lines
                    .iter()
                    .filter(|l| l.stream == Stream::Stdout)
                    .map(|l| l.line.as_str())
                    .collect();
                let events = parse_all(kind.parser().as_mut(), &stdout.join("\n"));
                self.events(events).await;
            }
            if !info.success() {
                send(
                    &self.progress,
                    Progress::Warning {
                        message: format!("`{}` {}", post.argv.join(" "), info.describe()),
                    },
                );
            }
        }
        for out in &invocation.output_files {
            if let Ok(bytes) = sandbox.read_file(&out.path, 64 << 20).await {
                let events =
                    parse_all(out.kind.parser().as_mut(), &String::from_utf8_lossy(&bytes));
                self.events(events).await;
            }
        }

        // Results.
        let collect_started = Instant::now();
        let owner = self.owner(attempt_no);
        let collected = artifacts::collect(sandbox, &engine.objects, &owner).await?;
        self.phases.collect_ms += ms(collect_started.elapsed());
        for (path, reason) in &collected.skipped {
            send(
                &self.progress,
                Progress::Warning {
                    message: format!("result `{path}` not collected: {reason}"),
                },
            );
        }
        send(
            &self.progress,
            Progress::ArtifactsCollected {
                files: collected.records.len(),
                bytes: collected.bytes,
            },
        );
        let mut evaluation =
            crate::evaluate::programmatic(sandbox, &prepared.spec(), &collected).await;
        let judge_ctx = crate::evaluate::JudgeContext {
            judge: engine.judge.as_deref(),
            digest: &self.digest,
            run_id: &self.run_id,
            attempt: attempt_no,
            collection: &self.collection,
        };
        evaluation.rubric =
            crate::evaluate::rubric(sandbox, &prepared.spec(), &collected, &judge_ctx).await;
        evaluation.redact(&self.recorder.redactor);
        self.record_scores(attempt_no, &evaluation).await;
        let required: Vec<String> = prepared
            .runbook
            .required_outputs
            .iter()
            .filter_map(|o| o.glob.clone().or_else(|| o.relative.clone()))
            .collect();
        let present: Vec<&str> = collected.records.iter().map(|a| a.path.as_str()).collect();
        let missing = artifacts::missing_outputs(&required, &present);
        let tally = engine.sink.peek(&self.run_id);
        let (mut status, mut error) = status_of(
            &exit,
            &stderr_tail,
            &missing,
            tally.last_error.as_ref(),
            self.reported_failure.as_deref(),
        );
        if status == RunStatus::Succeeded && !evaluation.passed() {
            let failed: Vec<String> = evaluation
                .summaries()
                .into_iter()
                .filter(|c| !c.passed)
                .map(|c| c.name)
                .collect();
            status = RunStatus::Failed;
            error = Some(format!("evaluation failed: {}", failed.join(", ")));
        }
        Ok(Attempt {
            number,
            status,
            error: error.map(|e| self.recorder.redactor.text(&e)),
            missing,
            artifacts: collected,
            evaluation,
        })
    }

    fn owner(&self, attempt: i32) -> Owner<'_> {
        Owner {
            run_id: &self.run_id,
            attempt,
            collection: &self.collection,
            primary: &self.prepared.runbook.frontmatter.primary_outputs,
        }
    }

    /// One `scores` row per check and per rubric criterion of an attempt.
    async fn record_scores(&self, attempt: i32, evaluation: &Evaluation) {
        let rows = evaluation.score_records(&self.run_id, attempt, &self.collection);
        if let Err(err) = self.engine.store.ingest(rows).await {
            tracing::error!(error = %err, "score rows could not be recorded");
        }
    }

    async fn events(&mut self, events: Vec<AgentEvent>) {
        for event in events {
            self.event(event).await;
        }
    }

    async fn event(&mut self, event: AgentEvent) {
        if event.kind == EventKind::Error {
            self.last_error_event = event.text.clone();
        }
        if matches!(event.kind, EventKind::Usage | EventKind::SessionEnd)
            && matches!(event.status.as_deref(), Some("failed" | "error"))
        {
            let why = self.last_error_event.clone().or_else(|| event.text.clone());
            self.reported_failure =
                Some(why.unwrap_or_else(|| "the session ended as failed".into()));
        }
        if self.digest.len() < DIGEST_EVENTS
            && matches!(
                event.kind,
                EventKind::ToolCall
                    | EventKind::ToolResult
                    | EventKind::AssistantMessage
                    | EventKind::Error
            )
        {
            self.digest.push(wharf_grader::DigestEvent {
                kind: event.kind.as_str().to_owned(),
                name: event.name.clone(),
                text: summarize(&event).map(|t| self.recorder.redactor.text(&t)),
                status: event.status.clone(),
            });
        }
        if let Some(summary) = summarize(&event) {
            send(
                &self.progress,
                Progress::Step {
                    seq: self.recorder.seq,
                    kind: event.kind.as_str().to_owned(),
                    summary: self.recorder.redactor.text(&summary),
                },
            );
        }
        self.recorder.push(event).await;
    }

    async fn finish(
        mut self,
        outcome: Result<Outcome, EngineError>,
    ) -> Result<RunSummary, EngineError> {
        let engine = self.engine;
        let t = Instant::now();
        if !engine.gateway.flush(Duration::from_secs(5)).await {
            tracing::warn!(run_id = %self.run_id, "some LLM calls were still in flight when the run ended");
        }
        if let Some(token) = &self.token {
            engine.gateway.revoke(token);
        }
        engine.sink.drain().await;
        let tally = engine.sink.take(&self.run_id);
        let (status, error, attempts, best) = match &outcome {
            Err(EngineError::Cancelled) => (
                RunStatus::Cancelled,
                Some("cancelled before the agent started".to_owned()),
                0,
                None,
            ),
            Err(e) => (RunStatus::Error, Some(e.to_string()), 0, None),
            Ok(o) => {
                let (status, error) = o.status();
                (status, error, o.attempts.len(), o.best())
            }
        };
        let error = error.map(|e| self.recorder.redactor.text(&e));
        let cost_usd = tally.cost_usd.filter(|_| tally.calls > 0);
        self.recorder.flush().await;
        // The attempts' artifact rows, the kept-attempt label and the run row: one write.
        let mut rows: Vec<Record> = outcome
            .iter()
            .flat_map(|o| o.attempts.iter())
            .flat_map(|a| a.artifacts.records.iter().cloned().map(Record::Artifact))
            .collect();
        if let Some(b) = best {
            // Which attempt's scores and outputs the run keeps, for SQL (`kept_scores`).
            let mut label = Record::Label(LabelRecord::new(
                self.run_id.clone(),
                Some(self.collection.clone()),
                KEPT_ATTEMPT_LABEL,
                b.number.to_string(),
                Some("wharf".into()),
                Utc::now(),
            ));
            match label.validate() {
                Ok(()) => rows.push(label),
                Err(e) => tracing::error!(error = %e, "the kept-attempt label is invalid"),
            }
        }
        let evaluation = best.map(|b| &b.evaluation);
        let artifacts = best
            .map(|b| b.artifacts.records.clone())
            .unwrap_or_default();
        let missing = best.map(|b| b.missing.clone()).unwrap_or_default();
        let ended_at = Utc::now();
        let duration_ms = (ended_at - self.started_at).num_milliseconds().max(0);
        let p = self.prepared;
        let run = RunRecord {
            collection: Some(self.collection.clone()),
            task: self.request.task.clone(),
            source: RunSource::Sandbox,
            runbook_name: Some(p.name.clone()),
            runbook_version: p.runbook.frontmatter.version.clone(),
            runbook_sha256: Some(p.sha256.clone()),
            runtime: Some(p.runtime.name().to_owned()),
            runtime_version: p.runtime.version().map(str::to_owned),
            model: p.model.clone(),
            model_provider: p.provider.as_ref().map(|pr| pr.name().to_owned()),
            snapshot: self
                .request
                .snapshot
                .clone()
                .or_else(|| p.runbook.frontmatter.snapshot.clone()),
            parameters: Some(serde_json::to_value(&p.values).unwrap_or_default()),
            passed: evaluation.map(Evaluation::passed),
            final_score: evaluation.and_then(Evaluation::score),
            attempts: i32::try_from(attempts.max(1)).unwrap_or(i32::MAX),
            ended_at: Some(ended_at),
            duration_ms: Some(duration_ms),
            input_tokens: Some(tally.input_tokens),
            output_tokens: Some(tally.output_tokens),
            cache_read_tokens: Some(tally.cache_read_tokens),
            cache_write_tokens: Some(tally.cache_write_tokens),
            reasoning_tokens: Some(tally.reasoning_tokens),
            cost_usd,
            cost_source: (tally.calls > 0).then_some(CostSource::Gateway),
            error: error.clone(),
            ..RunRecord::new(self.run_id.clone(), status, self.started_at)
        };
        rows.push(Record::Run(run));
        engine.store.ingest(rows).await?;
        engine.store.flush().await?;
        self.phases.ingest_ms = ms(t.elapsed());
        let workspace = match self.sandbox.take() {
            Some(sb) => {
                let keep = self.request.keep;
                if let Err(e) = sb.destroy(keep).await {
                    tracing::warn!(error = %e, "sandbox cleanup failed");
                }
                keep.then(|| sb.workspace().to_path_buf())
            }
            None => None,
        };
        let summary = RunSummary {
            run_id: self.run_id.clone(),
            collection: self.collection.clone(),
            status,
            error,
            agent: p.runtime.name().to_owned(),
            model: p.model.clone(),
            duration_ms,
            input_tokens: tally.input_tokens,
            output_tokens: tally.output_tokens,
            cache_read_tokens: tally.cache_read_tokens,
            cost_usd,
            llm_calls: tally.calls,
            events: self.recorder.seq,
            artifacts: artifacts.iter().map(ArtifactSummary::of).collect(),
            missing_outputs: missing,
            passed: evaluation.map(Evaluation::passed),
            final_score: evaluation.and_then(Evaluation::score),
            checks: evaluation.map(Evaluation::summaries).unwrap_or_default(),
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            best_attempt: best.map(|b| b.number),
            workspace,
            phases: self.phases.clone(),
            sql: format!(
                "SELECT seq, kind, name, substr(coalesce(text, output_text), 1, 80) AS what FROM events WHERE run_id = '{}' ORDER BY seq",
                self.run_id
            ),
        };
        send(
            &self.progress,
            Progress::Finished {
                summary: Box::new(summary.clone()),
            },
        );
        Ok(summary)
    }
}

/// The run's status from how the agent ended and what it left.
fn status_of(
    exit: &ExitInfo,
    stderr_tail: &[String],
    missing: &[String],
    llm_error: Option<&(i32, String)>,
    reported_failure: Option<&str>,
) -> (RunStatus, Option<String>) {
    match exit.reason {
        ExitReason::TimedOut => {
            return (
                RunStatus::Timeout,
                Some(format!("the agent {}", exit.describe())),
            );
        }
        ExitReason::Cancelled => return (RunStatus::Cancelled, Some("cancelled".into())),
        ExitReason::Exited | ExitReason::CpuExceeded => {}
    }
    if !exit.success() {
        let mut msg = format!("the agent {}", exit.describe());
        if let Some((status, err)) = llm_error {
            msg.push_str(&format!(
                "; the model provider answered HTTP {status}: {err}"
            ));
        } else if let Some(last) = stderr_tail.last() {
            msg.push_str(&format!("; last stderr: {last}"));
        }
        return (RunStatus::Error, Some(msg));
    }
    if let Some(why) = reported_failure {
        let mut msg = format!("the agent exited 0 but reported a failed session: {why}");
        if let Some((status, err)) = llm_error {
            msg.push_str(&format!(
                "; the model provider answered HTTP {status}: {err}"
            ));
        }
        return (RunStatus::Error, Some(msg));
    }
    if !missing.is_empty() {
        return (
            RunStatus::Failed,
            Some(format!("required outputs missing: {}", missing.join(", "))),
        );
    }
    (RunStatus::Succeeded, None)
}

fn summarize(e: &AgentEvent) -> Option<String> {
    let short = |s: &str| {
        let s = s.trim().replace('\n', " ");
        if s.chars().count() > 100 {
            format!("{}…", s.chars().take(100).collect::<String>())
        } else {
            s
        }
    };
    match e.kind {
        EventKind::ToolCall => {
            let input = e
                .input
                .as_ref()
                .map(|i| match i.get("command").or_else(|| i.get("cmd")) {
                    Some(serde_json::Value::String(c)) => c.clone(),
                    Some(other) => other.to_string(),
                    None => i.to_string(),
                });
            Some(format!(
                "running tool {}: {}",
                e.name.as_deref().unwrap_or("?"),
                short(&input.unwrap_or_default())
            ))
        }
        EventKind::ToolResult => Some(format!(
            "tool {} {}",
            e.name.as_deref().unwrap_or("result"),
            e.status
                .as_deref()
                .or(e.exit_code.map(|c| if c == 0 { "ok" } else { "failed" }))
                .unwrap_or("done")
        )),
        EventKind::AssistantMessage => e.text.as_deref().map(|t| format!("says: {}", short(t))),
        EventKind::Error => Some(format!("error: {}", short(e.text.as_deref().unwrap_or("")))),
        EventKind::SessionStart => Some("session started".into()),
        EventKind::SessionEnd => Some("session ended".into()),
        EventKind::Log if e.name.as_deref() != Some("stderr") => {
            e.text.as_deref().map(|t| format!("output: {}", short(t)))
        }
        EventKind::Usage | EventKind::Reasoning => None,
        _ => None,
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Numbers events, scrubs them and writes them in batches.
struct Recorder {
    store: Arc<Store>,
    run_id: String,
    collection: String,
    attempt: i32,
    seq: i64,
    buffer: Vec<Record>,
    last: Instant,
    redactor: Redactor,
}

impl Recorder {
    fn new(store: Arc<Store>, run_id: String, collection: String) -> Self {
        Recorder {
            store,
            run_id,
            collection,
            attempt: 1,
            seq: 0,
            buffer: Vec::new(),
            last: Instant::now(),
            redactor: Redactor::default(),
        }
    }

    async fn push(&mut self, event: AgentEvent) {
        let mut record: EventRecord = event.into_record(
            self.run_id.clone(),
            self.attempt,
            self.seq,
            Utc::now(),
            Some(self.collection.clone()),
        );
        self.seq += 1;
        self.redactor.event(&mut record);
        self.buffer.push(Record::Event(record));
        if self.buffer.len() >= BATCH_ROWS || self.last.elapsed() >= BATCH_EVERY {
            self.flush().await;
        }
    }

    async fn status(&mut self, text: &str, exit_code: Option<i32>) {
        let mut e = AgentEvent::new(EventKind::Status);
        e.text = Some(text.to_owned());
        e.exit_code = exit_code;
        e.role = Some("wharf".into());
        self.push(e).await;
    }

    async fn flush(&mut self) {
        self.last = Instant::now();
        if self.buffer.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.buffer);
        if let Err(e) = self.store.ingest(batch).await {
            tracing::error!(error = %e, run_id = %self.run_id, "events could not be recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_exit_the_stream_and_the_outputs() {
        let ok = ExitInfo {
            code: Some(0),
            ..ExitInfo::default()
        };
        assert_eq!(
            status_of(&ok, &[], &[], None, None),
            (RunStatus::Succeeded, None)
        );
        let (s, e) = status_of(&ok, &[], &["report.md".into()], None, None);
        assert_eq!(s, RunStatus::Failed);
        assert!(e.unwrap().contains("report.md"));
        let (s, e) = status_of(
            &ok,
            &[],
            &[],
            Some(&(401, "bad key".into())),
            Some("usage file failed"),
        );
        assert_eq!(s, RunStatus::Error);
        assert!(e.unwrap().contains("HTTP 401: bad key"));
        let crashed = ExitInfo {
            code: Some(2),
            ..ExitInfo::default()
        };
        let (s, e) = status_of(&crashed, &["boom".into()], &[], None, None);
        assert_eq!(s, RunStatus::Error);
        assert!(e.unwrap().contains("exit 2; last stderr: boom"));
        let late = ExitInfo {
            reason: ExitReason::TimedOut,
            ..ExitInfo::default()
        };
        assert_eq!(status_of(&late, &[], &[], None, None).0, RunStatus::Timeout);
    }
}
