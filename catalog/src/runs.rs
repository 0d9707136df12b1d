//! Runs: the durable queue and each run's lifecycle.
//!
//! `queued` -> `running` (claimed by a worker) -> one of the terminal statuses
//! `succeeded | failed | error | cancelled | timeout` ([`QueueStatus`]; the SQL below
//! spells them as stored). Claims are single atomic
//! `UPDATE ... RETURNING` statements, safe with several workers and processes.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use wharf_model::{QueueStatus, RunStatus, RunSummary};

use crate::error::{db, is_unique_violation};
use crate::row::{col, flag, json, opt_json};
use crate::time::{from_ms, now_ms, opt_from_ms};
use crate::{Catalog, CatalogError};

/// A run to enqueue; the caller (the domain layer) assigns the id.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct NewRun {
    /// The run's id (`wharf_model::new_run_id`).
    pub run_id: String,
    /// The owning collection.
    pub collection: String,
    /// The task it runs, if any.
    pub task: Option<String>,
    /// The agent it runs, if any.
    pub agent: Option<String>,
    /// The full request as received, for the worker.
    pub request: serde_json::Value,
    /// Where to post completion events, if anywhere.
    pub webhook_url: Option<String>,
    /// Caller labels: a JSON object.
    pub labels: serde_json::Value,
}

/// A run's stored state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct RunState {
    /// The run's id.
    pub run_id: String,
    /// The owning collection.
    pub collection: String,
    /// Queued, running, or how it ended (stored as its one-word spelling).
    pub status: QueueStatus,
    /// The task it runs, if any.
    pub task: Option<String>,
    /// The agent it runs, if any.
    pub agent: Option<String>,
    /// The request as enqueued.
    pub request: serde_json::Value,
    /// Where completion events are posted.
    pub webhook_url: Option<String>,
    /// Caller labels (a JSON object).
    pub labels: serde_json::Value,
    /// Why it ended badly, when it did.
    pub error: Option<String>,
    /// The worker's summary, once finished (none when the run never started).
    pub summary: Option<RunSummary>,
    /// Set when a cancel was requested while running.
    pub cancel_requested: bool,
    /// The worker that claimed it.
    pub worker: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When a worker claimed it.
    pub started_at: Option<DateTime<Utc>>,
    /// When it reached a terminal status.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What [`Catalog::request_cancel`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelOutcome {
    /// The run was queued and is now `cancelled`.
    Cancelled,
    /// The run is running; `cancel_requested` is set for its worker to act on.
    Requested,
    /// The run had already finished with this status.
    AlreadyFinished(RunStatus),
    /// No such run in the collection.
    NotFound,
}

pub(crate) const RUN_COLUMNS: &str = "run_id, collection, status, task, agent, request, webhook_url, labels, error, summary, cancel_requested, worker, created_at, started_at, finished_at";

impl RunState {
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(RunState {
            run_id: col(row, "run_id")?,
            collection: col(row, "collection")?,
            status: status_of(row)?,
            task: col(row, "task")?,
            agent: col(row, "agent")?,
            request: json(row, "request")?,
            webhook_url: col(row, "webhook_url")?,
            labels: json(row, "labels")?,
            error: col(row, "error")?,
            summary: opt_json(row, "summary")?,
            cancel_requested: flag(row, "cancel_requested")?,
            worker: col(row, "worker")?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
            started_at: opt_from_ms("started_at", col(row, "started_at")?)?,
            finished_at: opt_from_ms("finished_at", col(row, "finished_at")?)?,
        })
    }
}

/// Reads the `status` column.
pub(crate) fn status_of(row: &AnyRow) -> Result<QueueStatus, CatalogError> {
    let text: String = col(row, "status")?;
    text.parse()
        .map_err(|e| CatalogError::Database(format!("column `status`: {e}")))
}

/// Parses a status supplied by a caller (a list filter), naming `field` when it is not one.
pub fn parse_status(field: &str, text: &str) -> Result<QueueStatus, CatalogError> {
    text.parse()
        .map_err(|reason| CatalogError::invalid(field, reason))
}

/// The stored text of a summary.
fn summary_text(summary: &RunSummary) -> Result<String, CatalogError> {
    serde_json::to_string(summary)
        .map_err(|e| CatalogError::Database(format!("encoding a run summary: {e}")))
}

fn validate_new_run(run: &NewRun) -> Result<(), CatalogError> {
    if run.run_id.is_empty() || run.run_id.len() > 100 {
        return Err(CatalogError::invalid("run_id", "must be 1-100 characters"));
    }
    if !run.labels.is_object() {
        return Err(CatalogError::invalid("labels", "must be a JSON object"));
    }
    Ok(())
}

impl Catalog {
    /// Adds a run to the queue with status `queued`.
    pub async fn enqueue_run(&self, run: NewRun) -> Result<RunState, CatalogError> {
        validate_new_run(&run)?;
        self.require_collection(&run.collection).await?;
        let sql = format!(
            "INSERT INTO runs (run_id, collection, status, task, agent, request, webhook_url,
                               labels, cancel_requested, created_at)
             VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, 0, $8) RETURNING {RUN_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(&run.run_id)
            .bind(&run.collection)
            .bind(&run.task)
            .bind(&run.agent)
            .bind(run.request.to_string())
            .bind(&run.webhook_url)
            .bind(run.labels.to_string())
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    CatalogError::conflict(format!("run `{}` already exists", run.run_id))
                } else {
                    db("enqueueing a run")(e)
                }
            })?;
        RunState::from_row(&row)
    }

    /// Moves the oldest queued run to `running` for `worker`, atomically.
    pub async fn claim_run(&self, worker: &str) -> Result<Option<RunState>, CatalogError> {
        let sql = format!(
            "UPDATE runs SET status = 'running', worker = $1, started_at = $2
             WHERE status = 'queued' AND run_id = (
                 SELECT run_id FROM runs WHERE status = 'queued'
                 ORDER BY created_at, run_id LIMIT 1{})
             RETURNING {RUN_COLUMNS}",
            self.skip_locked()
        );
        let row = sqlx::query(&sql)
            .bind(worker)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await
            .map_err(db("claiming a run"))?;
        row.as_ref().map(RunState::from_row).transpose()
    }

    /// Ends a queued or running run with a terminal `status`.
    pub async fn finish_run(
        &self,
        run_id: &str,
        status: RunStatus,
        error: Option<&str>,
        summary: Option<&RunSummary>,
    ) -> Result<(), CatalogError> {
        let summary = summary.map(summary_text).transpose()?;
        let done = sqlx::query(
            "UPDATE runs SET status = $1, error = $2, summary = $3, finished_at = $4
             WHERE run_id = $5 AND status IN ('queued', 'running')",
        )
        .bind(status.as_str())
        .bind(error)
        .bind(summary)
        .bind(now_ms())
        .bind(run_id)
        .execute(&self.pool)
        .await
        .map_err(db("finishing a run"))?;
        if done.rows_affected() > 0 {
            return Ok(());
        }
        match self.run_any(run_id).await? {
            None => Err(CatalogError::not_found(format!("run `{run_id}`"))),
            Some(run) => Err(CatalogError::conflict(format!(
                "run `{run_id}` already finished with status `{}`",
                run.status
            ))),
        }
    }

    /// Replaces the summary of a finished run of `collection` (a re-grade changed its
    /// verdict). False when the catalog has no such finished run.
    pub async fn replace_summary(
        &self,
        collection: &str,
        run_id: &str,
        summary: &RunSummary,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "UPDATE runs SET summary = $1
             WHERE collection = $2 AND run_id = $3 AND status NOT IN ('queued', 'running')",
        )
        .bind(summary_text(summary)?)
        .bind(collection)
        .bind(run_id)
        .execute(&self.pool)
        .await
        .map_err(db("replacing a run's summary"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Cancels a queued run, or flags a running one for its worker to stop.
    pub async fn request_cancel(
        &self,
        collection: &str,
        run_id: &str,
    ) -> Result<CancelOutcome, CatalogError> {
        let cancelled = sqlx::query(
            "UPDATE runs SET status = 'cancelled', finished_at = $1
             WHERE collection = $2 AND run_id = $3 AND status = 'queued'",
        )
        .bind(now_ms())
        .bind(collection)
        .bind(run_id)
        .execute(&self.pool)
        .await
        .map_err(db("cancelling a run"))?;
        if cancelled.rows_affected() > 0 {
            return Ok(CancelOutcome::Cancelled);
        }
        let requested = sqlx::query(
            "UPDATE runs SET cancel_requested = 1
             WHERE collection = $1 AND run_id = $2 AND status = 'running'",
        )
        .bind(collection)
        .bind(run_id)
        .execute(&self.pool)
        .await
        .map_err(db("requesting a run's cancellation"))?;
        if requested.rows_affected() > 0 {
            return Ok(CancelOutcome::Requested);
        }
        match self.run(collection, run_id).await? {
            None => Ok(CancelOutcome::NotFound),
            Some(run) => match run.status.finished() {
                Some(status) => Ok(CancelOutcome::AlreadyFinished(status)),
                // Neither queued nor running a moment ago, yet not ended: cannot happen
                // while runs only move forward, but is not answered with a guess.
                None => Err(CatalogError::conflict(format!(
                    "run `{run_id}` changed state while being cancelled; try again"
                ))),
            },
        }
    }

    /// A run of `collection`, if it exists there.
    pub async fn run(
        &self,
        collection: &str,
        run_id: &str,
    ) -> Result<Option<RunState>, CatalogError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE collection = $1 AND run_id = $2");
        let row = sqlx::query(&sql)
            .bind(collection)
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a run"))?;
        row.as_ref().map(RunState::from_row).transpose()
    }

    /// A run in any collection. For workers and internal use only: no tenant check.
    pub async fn run_any(&self, run_id: &str) -> Result<Option<RunState>, CatalogError> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE run_id = $1");
        let row = sqlx::query(&sql)
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a run"))?;
        row.as_ref().map(RunState::from_row).transpose()
    }

    /// Marks every `running` run as `error` with `reason` and returns them; queued runs stay
    /// queued. Call at startup of the only worker process: with several processes sharing a
    /// Postgres catalog, use [`Catalog::recover_worker`] instead.
    pub async fn recover(&self, reason: &str) -> Result<Vec<RunState>, CatalogError> {
        let sql = format!(
            "UPDATE runs SET status = 'error', error = $1, finished_at = $2
             WHERE status = 'running' RETURNING {RUN_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(reason)
            .bind(now_ms())
            .fetch_all(&self.pool)
            .await
            .map_err(db("recovering runs"))?;
        rows.iter().map(RunState::from_row).collect()
    }

    /// Like [`Catalog::recover`], limited to runs claimed by `worker`.
    pub async fn recover_worker(
        &self,
        worker: &str,
        reason: &str,
    ) -> Result<Vec<RunState>, CatalogError> {
        let sql = format!(
            "UPDATE runs SET status = 'error', error = $1, finished_at = $2
             WHERE status = 'running' AND worker = $3 RETURNING {RUN_COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(reason)
            .bind(now_ms())
            .bind(worker)
            .fetch_all(&self.pool)
            .await
            .map_err(db("recovering runs"))?;
        rows.iter().map(RunState::from_row).collect()
    }

    /// How many runs are queued, across all collections.
    pub async fn queue_depth(&self) -> Result<i64, CatalogError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM runs WHERE status = 'queued'")
            .fetch_one(&self.pool)
            .await
            .map_err(db("counting queued runs"))?;
        col(&row, "n")
    }
}
