//! The run service behind the API: a durable queue (the catalog's run table), a worker
//! pool with a concurrency limit, cancellation, the event bus, webhooks on completion, and
//! recovery of the runs a stopped server left in flight.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use wharf_catalog::webhook::WEBHOOK_SECRET;
use wharf_catalog::{CancelOutcome, Catalog, NewDelivery, NewRun, RunState};
use wharf_model::{QueueStatus, Record, RunRecord, RunSource, RunStatus};

use crate::bus::EventBus;
use crate::prepare::prepare;
use crate::progress::Progress;
use crate::{Engine, EngineError, GradeRequest, GradeSummary, RunRequest, RunSummary};

/// How often the dispatcher looks for queued runs when nobody wakes it.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// Why recovered runs ended.
pub const RESTART_REASON: &str =
    "the server stopped while the run was in flight; it was not resumed";

/// Settings of a [`RunService`]: concurrency, where requests wait, the worker name.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Runs executing at once.
    pub concurrency: usize,
    /// Where submitted runbooks and input files wait for their run.
    pub requests_dir: PathBuf,
    /// Name of this worker in the run table.
    pub worker: String,
}

/// What a submission carries besides the run request.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// Where to POST the result.
    pub webhook_url: Option<String>,
}

impl Submission {
    /// A webhook must be an http(s) URL, and the collection must hold the secret its
    /// deliveries are signed with.
    async fn check(&self, catalog: &Catalog, collection: &str) -> Result<(), EngineError> {
        let Some(url) = &self.webhook_url else {
            return Ok(());
        };
        let parsed = url::Url::parse(url)
            .map_err(|e| EngineError::Param(format!("`webhook_url` `{url}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(EngineError::Param(format!(
                "`webhook_url` must be http or https, got `{}`",
                parsed.scheme()
            )));
        }
        let check = catalog
            .check_secrets(collection, &[WEBHOOK_SECRET.to_owned()])
            .await?;
        if !check.ready {
            return Err(EngineError::Param(format!(
                "`webhook_url` is set but the collection has no `{WEBHOOK_SECRET}` to sign deliveries with; set it with PATCH /api/v1/secrets"
            )));
        }
        Ok(())
    }
}

/// The run service. Cheap to clone.
#[derive(Clone)]
pub struct RunService {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    catalog: Catalog,
    bus: EventBus,
    config: ServiceConfig,
    slots: Arc<Semaphore>,
    wake: Notify,
    cancels: Mutex<HashMap<String, CancellationToken>>,
    shutdown: CancellationToken,
}

impl std::fmt::Debug for RunService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunService")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl RunService {
    /// A service over `engine` and `catalog`; call [`RunService::start`] to run it.
    pub fn new(engine: Engine, catalog: Catalog, config: ServiceConfig) -> Self {
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        RunService {
            inner: Arc::new(Inner {
                engine,
                catalog,
                bus: EventBus::default(),
                config,
                slots,
                wake: Notify::new(),
                cancels: Mutex::new(HashMap::new()),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    /// The engine the service's runs execute on.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The catalog holding the run queue.
    pub fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// Grades a recorded run of `request.collection` again; a run of this service also gets
    /// the new verdict in the summary its API answers show.
    pub async fn regrade(&self, request: GradeRequest) -> Result<GradeSummary, EngineError> {
        let collection = request.collection.clone();
        let summary = self.inner.engine.grade(request).await?;
        let catalog = &self.inner.catalog;
        if let Some(run) = catalog.run(&collection, &summary.run_id).await?
            && let Some(mut stored) = run.summary
        {
            stored.passed = Some(summary.passed);
            stored.final_score = summary.final_score;
            stored.checks = summary.checks.clone();
            catalog
                .replace_summary(&collection, &summary.run_id, &stored)
                .await?;
        }
        Ok(summary)
    }

    /// The event bus.
    pub fn bus(&self) -> &EventBus {
        &self.inner.bus
    }

    /// Runs executing now.
    pub fn running(&self) -> usize {
        self.inner.config.concurrency.max(1) - self.inner.slots.available_permits()
    }

    /// Marks the runs a previous process left `running` as `error` (recording a run row
    /// for each, so SQL agrees with the API), then starts the dispatcher. Returns the
    /// recovered runs.
    pub async fn start(&self) -> Result<Vec<RunState>, EngineError> {
        let recovered = self.inner.catalog.recover(RESTART_REASON).await?;
        for state in &recovered {
            record_unfinished(&self.inner.engine, state, RESTART_REASON).await;
            self.enqueue_webhook(state, None).await;
        }
        let this = self.clone();
        tokio::spawn(async move { this.dispatch().await });
        Ok(recovered)
    }

    /// Stops taking queued runs and cancels the running ones.
    pub fn shutdown(&self) {
        self.inner.shutdown.cancel();
        let cancels = self
            .inner
            .cancels
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for token in cancels.values() {
            token.cancel();
        }
    }

    /// Checks `request` (runbook, files, agent, provider, secrets) and queues it. An
    /// `Err` means nothing was queued; on a server whose sandbox backend is unavailable
    /// every submission is refused with the reason.
    pub async fn submit(
        &self,
        collection: &str,
        mut request: RunRequest,
        submission: Submission,
    ) -> Result<RunState, EngineError> {
        let inner = &self.inner;
        if let Some(reason) = inner.engine.backend.unavailable() {
            return Err(wharf_sandbox::SandboxError::Unavailable(reason.to_owned()).into());
        }
        request.check()?;
        submission.check(&inner.catalog, collection).await?;
        request.collection = Some(collection.to_owned());
        let run_id = request
            .run_id
            .get_or_insert_with(wharf_model::new_run_id)
            .clone();
        let secrets = inner.catalog.secret_values(collection).await?;
        request.secrets = Some(secrets);
        let env = |k: &str| std::env::var(k).ok();
        let prepared = prepare(
            &request,
            &inner.engine.sandbox,
            &inner.engine.providers,
            &env,
        )
        .await?;
        request.secrets = None;
        let stored = serde_json::to_value(&request).map_err(EngineError::StoredRequest)?;
        inner.bus.open(&run_id);
        let state = inner
            .catalog
            .enqueue_run(NewRun {
                run_id: run_id.clone(),
                collection: collection.to_owned(),
                task: request.task.clone(),
                agent: Some(prepared.runtime.name().to_owned()),
                request: stored,
                webhook_url: submission.webhook_url,
                labels: serde_json::to_value(&request.labels).unwrap_or_default(),
            })
            .await?;
        inner.wake.notify_one();
        Ok(state)
    }

    /// Cancels a queued or running run of `collection`.
    pub async fn cancel(
        &self,
        collection: &str,
        run_id: &str,
    ) -> Result<CancelOutcome, EngineError> {
        let outcome = self
            .inner
            .catalog
            .request_cancel(collection, run_id)
            .await?;
        match &outcome {
            CancelOutcome::Requested => {
                let cancels = self
                    .inner
                    .cancels
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if let Some(token) = cancels.get(run_id) {
                    token.cancel();
                }
            }
            CancelOutcome::Cancelled => {
                if let Ok(Some(state)) = self.inner.catalog.run(collection, run_id).await {
                    record_unfinished(&self.inner.engine, &state, "cancelled while queued").await;
                    self.enqueue_webhook(&state, None).await;
                }
                self.inner.bus.close(run_id);
                self.remove_request_files(run_id).await;
            }
            _ => {}
        }
        Ok(outcome)
    }

    async fn dispatch(self) {
        let inner = &self.inner;
        loop {
            let permit = tokio::select! {
                permit = inner.slots.clone().acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => return,
                },
                () = inner.shutdown.cancelled() => return,
            };
            match inner.catalog.claim_run(&inner.config.worker).await {
                Ok(Some(state)) => {
                    let this = self.clone();
                    tokio::spawn(async move {
                        this.execute(state).await;
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "claiming a queued run failed"),
            }
            drop(permit);
            tokio::select! {
                () = inner.wake.notified() => {}
                () = tokio::time::sleep(POLL_EVERY) => {}
                () = inner.shutdown.cancelled() => return,
            }
        }
    }

    async fn execute(&self, state: RunState) {
        let inner = &self.inner;
        let run_id = state.run_id.clone();
        inner.bus.open(&run_id);
        let token = CancellationToken::new();
        if state.cancel_requested {
            token.cancel();
        }
        inner
            .cancels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(run_id.clone(), token.clone());
        let result = self.run_claimed(&state, token).await;
        inner
            .cancels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&run_id);
        let (status, error, summary) = match &result {
            Ok(summary) => (summary.status, summary.error.clone(), Some(summary)),
            Err(e) => {
                let reason = format!("the run could not start: {e}");
                record_unfinished(&inner.engine, &state, &reason).await;
                inner.bus.publish(
                    &run_id,
                    Progress::Warning {
                        message: reason.clone(),
                    },
                );
                (RunStatus::Error, Some(reason), None)
            }
        };
        if let Err(e) = inner
            .catalog
            .finish_run(&run_id, status, error.as_deref(), summary)
            .await
        {
            tracing::error!(error = %e, %run_id, "the run's end could not be recorded in the catalog");
        }
        let finished = inner.catalog.run_any(&run_id).await.ok().flatten();
        if let Some(finished) = &finished {
            self.enqueue_webhook(finished, result.as_ref().ok()).await;
        }
        inner.bus.close(&run_id);
        self.remove_request_files(&run_id).await;
    }

    async fn run_claimed(
        &self,
        state: &RunState,
        cancel: CancellationToken,
    ) -> Result<RunSummary, EngineError> {
        let inner = &self.inner;
        let mut request: RunRequest =
            serde_json::from_value(state.request.clone()).map_err(EngineError::StoredRequest)?;
        request.run_id = Some(state.run_id.clone());
        request.collection = Some(state.collection.clone());
        request.secrets = Some(inner.catalog.secret_values(&state.collection).await?);
        request.cancel = cancel;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let bus = inner.bus.clone();
        let run_id = state.run_id.clone();
        let pump = tokio::spawn(async move {
            while let Some(p) = rx.recv().await {
                bus.publish(&run_id, p);
            }
        });
        let result = inner.engine.run(request, Some(tx)).await;
        let _ = pump.await;
        result
    }

    async fn enqueue_webhook(&self, state: &RunState, summary: Option<&RunSummary>) {
        let Some(url) = &state.webhook_url else {
            return;
        };
        let body = json!({
            "event": "run.completed",
            "run_id": state.run_id,
            "collection": state.collection,
            "status": state.status,
            "error": state.error,
            "task": state.task,
            "labels": state.labels,
            "created_at": state.created_at,
            "finished_at": state.finished_at,
            "summary": summary,
        });
        let delivery = NewDelivery {
            run_id: state.run_id.clone(),
            collection: state.collection.clone(),
            url: url.clone(),
            event: "run.completed".into(),
            body: body.to_string(),
        };
        if let Err(e) = self.inner.catalog.enqueue_delivery(delivery).await {
            tracing::error!(error = %e, run_id = %state.run_id, "the webhook could not be queued");
        }
    }

    async fn remove_request_files(&self, run_id: &str) {
        let dir = self.inner.config.requests_dir.join(run_id);
        if let Err(e) = tokio::fs::remove_dir_all(&dir).await
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, dir = %dir.display(), "request files not removed");
        }
    }
}

/// Records the run row of a run that never reached its own end (lost in a restart,
/// cancelled while queued, or unable to start), so SQL agrees with the API. Events it
/// recorded before are kept as they are.
async fn record_unfinished(engine: &Engine, state: &RunState, reason: &str) {
    let status = if state.status == QueueStatus::Done(RunStatus::Cancelled) {
        RunStatus::Cancelled
    } else {
        RunStatus::Error
    };
    let now = Utc::now();
    let started = state.started_at.unwrap_or(state.created_at);
    let run = RunRecord {
        collection: Some(state.collection.clone()),
        task: state.task.clone(),
        source: RunSource::Sandbox,
        runtime: state.agent.clone(),
        ended_at: Some(now),
        duration_ms: Some((now - started).num_milliseconds().max(0)),
        error: Some(reason.to_owned()),
        ..RunRecord::new(state.run_id.clone(), status, started)
    };
    let store = &engine.store;
    if let Err(e) = store.ingest(vec![Record::Run(run)]).await {
        tracing::error!(error = %e, run_id = %state.run_id, "run row not recorded");
    } else if let Err(e) = store.flush().await {
        tracing::error!(error = %e, run_id = %state.run_id, "run row not flushed");
    }
}
