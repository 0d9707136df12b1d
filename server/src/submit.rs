//! Turning an API request (REST or the `wharf` block of a chat completion) into a queued
//! run: the runbook (inline or a stored task), parameters, input files (inline or uploads),
//! and the run options, all checked before anything is queued.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use wharf_catalog::RunState;
use wharf_engine::{RunRequest, RunbookSource, Submission};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::uploads::{check_file_name, parse_upload_path};

/// The run options shared by every way to start a run (the fields of the `wharf` block).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunOptions {
    /// `true` in the chat form (the system message is the runbook).
    #[serde(default)]
    pub runbook: Option<serde_json::Value>,
    /// Collection; must be the token's own when given.
    #[serde(default)]
    pub collection: Option<String>,
    /// A stored task (`name` or `name@version`) whose runbook to run, or the task name
    /// the run is recorded under.
    #[serde(default)]
    pub task: Option<String>,
    /// The runtime (agent CLI); default: the runbook's `agent:`.
    #[serde(default)]
    pub agent: Option<String>,
    /// The model slug; default: the runbook's `model:`.
    #[serde(default)]
    pub model: Option<String>,
    /// Provider name or kind.
    #[serde(default)]
    pub model_provider: Option<String>,
    /// The sandbox snapshot (`host`, a configured alias, or a directory); default: the
    /// runbook's `snapshot:`, else `host`.
    #[serde(default)]
    pub snapshot: Option<String>,
    /// Values of the runbook's `{{variables}}`, by name.
    #[serde(default)]
    pub template_variables: BTreeMap<String, serde_json::Value>,
    /// Uploaded files (`uploads/<id>/<name>` as returned by the uploads API).
    #[serde(default)]
    pub file_paths: Vec<String>,
    /// Where to POST the result.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Labels recorded on the run.
    #[serde(default)]
    pub labels: BTreeMap<String, serde_json::Value>,
    /// Wall-clock limit of the agent.
    #[serde(default)]
    pub timeout_sec: Option<f64>,
    /// Seconds a non-streaming request waits before answering 202.
    #[serde(default)]
    pub timeout_hint: Option<f64>,
    /// For `agent: command`: the command line run in the sandbox.
    #[serde(default)]
    pub command: Vec<String>,
    /// Attempts at most (default: the runbook's "max N rounds"); 1 disables iteration.
    #[serde(default)]
    pub max_rounds: Option<u32>,
}

/// A run to submit: the options plus what came with them.
#[derive(Debug, Default)]
pub struct RunInput {
    /// The run's options, as the `wharf` block or the JSON body gave them.
    pub options: RunOptions,
    /// Runbook text (else the task's).
    pub runbook: Option<String>,
    /// Files sent with the request: (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

fn scalar(field: &str, key: &str, value: &serde_json::Value) -> ApiResult<String> {
    match value {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err(ApiError::BadRequest(format!(
            "`{field}.{key}` must be a string, number or boolean"
        ))),
    }
}

impl RunOptions {
    /// Parses options from JSON; errors name the field (`what` says where they came from).
    pub fn parse(value: serde_json::Value, what: &str) -> ApiResult<RunOptions> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            ApiError::BadRequest(format!("invalid {what} at `{}`: {}", e.path(), e.inner()))
        })
    }
}

/// Refuses a provider named by URL unless `server.allow_url_providers` is on, so a tenant
/// cannot point the gateway (which holds keys, on the host network) at internal addresses.
pub fn check_provider(state: &AppState, field: &str, provider: Option<&str>) -> ApiResult<()> {
    match provider {
        Some(p)
            if (p.starts_with("http://") || p.starts_with("https://"))
                && !state.config.allow_url_providers =>
        {
            Err(ApiError::BadRequest(format!(
                "`{field}`: `{p}` is a URL; this server only allows configured providers (server.allow_url_providers is off)"
            )))
        }
        _ => Ok(()),
    }
}

/// The runbook text of a request (given, or the stored `task`, `name` or `name@version`),
/// checked under the name `runbook.md`; with the task name to record.
pub async fn resolve_runbook(
    state: &AppState,
    collection: &str,
    runbook: Option<String>,
    task: Option<&str>,
) -> ApiResult<(String, Option<String>)> {
    let (runbook, task) = match (runbook, task) {
        (Some(text), task) => (text, task.map(str::to_owned)),
        (None, Some(task)) => {
            let (name, version) = match task.split_once('@') {
                Some((n, v)) => (
                    n,
                    Some(v.parse::<i64>().map_err(|_| {
                        ApiError::BadRequest(format!("`task`: bad version in `{task}`"))
                    })?),
                ),
                None => (task, None),
            };
            let stored = state
                .catalog()
                .task(collection, name, version)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("task `{task}`")))?;
            (stored.runbook, Some(name.to_owned()))
        }
        (None, None) => {
            return Err(ApiError::BadRequest(
                "no runbook: send one (the system message, or a `runbook` file/field) or name a stored `task`".into(),
            ));
        }
    };
    if runbook.trim().is_empty() {
        return Err(ApiError::BadRequest("the runbook is empty".into()));
    }
    // Checked once, by the engine, when the run is prepared or the grading loads it.
    Ok((runbook, task))
}

/// Checks and queues `input` in the caller's `collection`.
pub async fn submit(state: &AppState, collection: &str, input: RunInput) -> ApiResult<RunState> {
    let o = input.options;
    if let Some(c) = &o.collection
        && c != collection
    {
        return Err(ApiError::Forbidden(format!(
            "this token belongs to collection `{collection}`, not `{c}`"
        )));
    }
    let (runbook, task) =
        resolve_runbook(state, collection, input.runbook, o.task.as_deref()).await?;
    check_provider(state, "model_provider", o.model_provider.as_deref())?;
    // Seconds as JSON gives them; the engine checks the bounds.
    let timeout = match o.timeout_sec {
        Some(t) => Some(Duration::try_from_secs_f64(t).map_err(|_| {
            ApiError::BadRequest(format!(
                "`timeout_sec` must be a positive number of seconds, got {t}"
            ))
        })?),
        None => None,
    };
    let mut params = Vec::new();
    for (k, v) in &o.template_variables {
        params.push((k.clone(), scalar("template_variables", k, v)?));
    }
    let mut labels = BTreeMap::new();
    for (k, v) in &o.labels {
        labels.insert(k.clone(), scalar("labels", k, v)?);
    }

    // The files the run needs, gathered before anything is written.
    let mut files = input.files;
    for path in &o.file_paths {
        let (id, name) = parse_upload_path(path)?;
        let upload = state
            .catalog()
            .upload(collection, id)
            .await?
            .filter(|u| u.name == name)
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`file_paths`: `{path}` is not an upload of this collection"
                ))
            })?;
        let bytes = state.objects().get(&upload.object_key).await?;
        files.push((upload.name, bytes.to_vec()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, _) in &files {
        check_file_name(name)?;
        if !seen.insert(name.clone()) {
            return Err(ApiError::BadRequest(format!(
                "two input files are named `{name}`"
            )));
        }
    }

    let run_id = wharf_model::new_run_id();
    let dir = state.requests_dir().join(&run_id);
    let written = write_files(&dir, &files).await;
    let file_paths = match written {
        Ok(paths) => paths,
        Err(e) => {
            let _ = tokio::fs::remove_dir_all(&dir).await;
            return Err(ApiError::Internal(format!("saving the request: {e}")));
        }
    };
    let request = RunRequest {
        run_id: Some(run_id),
        runbook: RunbookSource::text(runbook),
        params,
        files: file_paths,
        agent: o.agent,
        model: o.model,
        provider: o.model_provider,
        collection: Some(collection.to_owned()),
        snapshot: o.snapshot,
        timeout,
        task,
        labels,
        command: o.command,
        max_rounds: o.max_rounds,
        ..RunRequest::default()
    };
    let submitted = state
        .service
        .submit(
            collection,
            request,
            Submission {
                webhook_url: o.webhook_url,
            },
        )
        .await;
    if submitted.is_err() {
        let _ = tokio::fs::remove_dir_all(&dir).await;
    }
    Ok(submitted?)
}

/// The request's input files, saved for the worker that runs it (the runbook travels in
/// the request itself).
async fn write_files(
    dir: &std::path::Path,
    files: &[(String, Vec<u8>)],
) -> std::io::Result<Vec<PathBuf>> {
    let inputs = dir.join("files");
    tokio::fs::create_dir_all(&inputs).await?;
    let mut paths = Vec::new();
    for (name, bytes) in files {
        let path = inputs.join(name);
        tokio::fs::write(&path, bytes).await?;
        paths.push(path);
    }
    Ok(paths)
}
