//! The run page's data: the run's record, its build log, one page of its event timeline,
//! its model calls, scores, artifacts (with small text previews) and labels. Everything is read with
//! limits, so a run with 100,000 events costs one page of them.

use wharf_ingest::ObjectStorage;
use wharf_model::QueueStatus;
use wharf_query::Session;
use wharf_query::evaluation::json_rows;

use crate::error::{DashResult, DashboardError};
use crate::preview::{is_image, is_text};
use crate::rows::{Row, display, int, num, text};

/// Events per timeline page.
pub const EVENTS_PER_PAGE: usize = 500;
/// Build-log rows read at most.
pub const MAX_STEPS: usize = 2_000;
/// Model calls listed at most (the totals count them all).
pub const MAX_LLM_CALLS: usize = 500;
/// Characters of a text field shown before "show all".
pub const PREVIEW_CHARS: usize = 2_000;
/// Artifacts previewed inline at most, and the largest previewed.
const MAX_PREVIEWS: usize = 12;
const MAX_PREVIEW_BYTES: i64 = 256 * 1024;

/// What the catalog knows of a run of the service (the tables only have finished runs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogRun {
    /// Queued, running, or the final status.
    pub status: QueueStatus,
    /// The runtime (agent CLI), once the run is prepared.
    pub agent: Option<String>,
    /// The task the run belongs to, if any.
    pub task: Option<String>,
    /// Attempts made (from the summary, once finished).
    pub attempts: Option<i64>,
    /// The kept attempt (from the summary).
    pub best_attempt: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

impl CatalogRun {
    /// Whether the run is still going (the page follows it live).
    pub fn is_live(&self) -> bool {
        self.status.is_live()
    }
}

/// How an artifact is previewed.
#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    /// Text (markdown, JSON, CSV, logs...): shown escaped.
    Text(String),
    /// An image, shown from the artifact URL.
    Image,
    /// Too large, binary or beyond the preview budget.
    None,
    /// The stored object could not be read (why).
    Unavailable(String),
}

/// One artifact row plus its preview.
#[derive(Debug, Clone)]
pub struct ArtifactView {
    /// `attempt, path, role, size, content_type, sha256`.
    pub row: Row,
    /// What the page shows of the file: its text, the image, or why nothing.
    pub preview: Preview,
}

/// One step of the build log: a tool call with its result, a message, an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The attempt the step belongs to, from 1.
    pub attempt: i64,
    /// Sequence number of the event that opened it.
    pub seq: i64,
    /// `tool_call`, `assistant_message`, `error`, ...
    pub kind: String,
    /// The tool's name, for tool steps.
    pub name: Option<String>,
    /// First characters of its input or text.
    pub summary: String,
    /// `done`, `failed`, `running`, `waiting` (no result and the run ended).
    pub state: String,
    /// Duration, when known.
    pub duration_ms: Option<f64>,
    /// Tokens reported on the event.
    pub tokens: Option<f64>,
}

/// Everything on the run page.
#[derive(Debug, Clone, Default)]
pub struct RunPageData {
    /// Run id (normalized).
    pub run_id: String,
    /// The catalog's view, for runs of this service.
    pub catalog: Option<CatalogRun>,
    /// The `runs` row, once recorded.
    pub record: Option<Row>,
    /// The attempt whose outputs and scores the run keeps.
    pub kept_attempt: Option<i64>,
    /// The build log.
    pub steps: Vec<Step>,
    /// Whether the build log was cut at [`MAX_STEPS`].
    pub steps_truncated: bool,
    /// Events recorded for the run, over all attempts.
    pub event_count: i64,
    /// Timeline page shown (from 0).
    pub page: u32,
    /// This page's events (text fields cut at [`PREVIEW_CHARS`], with `*_len` columns).
    pub events: Vec<Row>,
    /// The run's model calls through the gateway, oldest first (`started_at, provider, api,
    /// model, status_code, latency_ms, ttft_ms, input_tokens, output_tokens,
    /// cache_read_tokens, reasoning_tokens, cost_usd, streamed, error`).
    pub llm_calls: Vec<Row>,
    /// Totals over all of them (`calls, failed, input_tokens, output_tokens, cost_usd,
    /// latency_ms`), when there are any.
    pub llm_totals: Option<Row>,
    /// Every attempt's scores.
    pub scores: Vec<Row>,
    /// Artifacts of every attempt.
    pub artifacts: Vec<ArtifactView>,
    /// Latest label per key.
    pub labels: Vec<Row>,
}

impl RunPageData {
    /// Number of timeline pages ([`EVENTS_PER_PAGE`] events each), at least 1.
    pub fn pages(&self) -> u32 {
        let n = usize::try_from(self.event_count.max(0)).unwrap_or(0);
        u32::try_from(n.div_ceil(EVENTS_PER_PAGE))
            .unwrap_or(u32::MAX)
            .max(1)
    }

    /// Whether the page follows the run live over SSE.
    pub fn is_live(&self) -> bool {
        self.catalog.as_ref().is_some_and(CatalogRun::is_live)
    }
}

/// Pairs tool calls with their results into build-log steps.
pub fn steps_of(rows: &[Row], live: bool) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut open: std::collections::HashMap<(i64, String), usize> = Default::default();
    for r in rows {
        let kind = display(r, "kind");
        let attempt = int(r, "attempt").unwrap_or(1);
        let tokens = match (num(r, "input_tokens"), num(r, "output_tokens")) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        if kind == "tool_result" {
            let call = text(r, "call_id").and_then(|c| open.remove(&(attempt, c.to_owned())));
            if let Some(i) = call {
                let failed = matches!(text(r, "status"), Some("error" | "failed"))
                    || int(r, "exit_code").is_some_and(|c| c != 0);
                steps[i].state = if failed { "failed" } else { "done" }.into();
                steps[i].duration_ms = num(r, "duration_ms").or(steps[i].duration_ms);
                continue;
            }
        }
        let state = match kind.as_str() {
            // A call still open in a live run is running, like the run itself.
            "tool_call" if live => QueueStatus::Running.as_str(),
            "tool_call" => "waiting",
            "error" => "failed",
            _ => "done",
        };
        if kind == "tool_call"
            && let Some(c) = text(r, "call_id")
        {
            open.insert((attempt, c.to_owned()), steps.len());
        }
        steps.push(Step {
            attempt,
            seq: int(r, "seq").unwrap_or(0),
            kind,
            name: text(r, "name").map(str::to_owned),
            summary: display(r, "summary"),
            state: state.into(),
            duration_ms: num(r, "duration_ms"),
            tokens,
        });
    }
    steps
}

/// The build-log rows of the run whose id is the SQL literal `id`, in order.
fn steps_query(id: &str) -> String {
    format!(
        "SELECT attempt, seq, kind, name, call_id, status, exit_code, duration_ms, input_tokens, \
           output_tokens, substr(coalesce(text, input_json, output_text, ''), 1, 160) AS summary \
         FROM events WHERE run_id = {id} \
           AND kind IN ('tool_call', 'tool_result', 'assistant_message', 'error', 'log', 'session_start', 'session_end') \
         ORDER BY attempt, seq"
    )
}

/// A run's build log (at most [`MAX_STEPS`] steps; the flag says whether it was cut there).
/// `live`: the run is still going, so calls without a result are running, not waiting.
pub async fn load_steps(
    session: &Session,
    run_id: &str,
    live: bool,
) -> DashResult<(Vec<Step>, bool)> {
    let rows = json_rows(
        session,
        &steps_query(&crate::escape::sql_literal(run_id)),
        MAX_STEPS + 1,
    )
    .await?;
    let truncated = rows.len() > MAX_STEPS;
    Ok((
        steps_of(&rows[..rows.len().min(MAX_STEPS)], live),
        truncated,
    ))
}

/// Loads the run page for `run_id` (already checked to be the caller's). `catalog` is the
/// catalog's view of it when it is a run of this service.
pub async fn load(
    session: &Session,
    objects: &ObjectStorage,
    run_id: &str,
    catalog: Option<CatalogRun>,
    page: u32,
) -> DashResult<RunPageData> {
    let id = crate::escape::sql_literal(run_id);
    let live = catalog.as_ref().is_some_and(CatalogRun::is_live);
    let cut = |c: &str| format!("substr({c}, 1, {PREVIEW_CHARS}) AS {c}, length({c}) AS {c}_len");
    let q_record = format!(
        "SELECT run_id, task, source, runbook_name, runbook_version, runtime, runtime_version, \
           model, model_provider, status, passed, final_score, attempts, \
           CAST(started_at AS VARCHAR) AS started_at, CAST(ended_at AS VARCHAR) AS ended_at, \
           duration_ms, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, \
           cost_usd, error FROM runs WHERE run_id = {id}"
    );
    let q_kept = format!(
        "SELECT max(value_num) AS kept FROM labels WHERE run_id = {id} AND key = 'wharf.kept_attempt'"
    );
    let q_count = format!("SELECT count(*) AS n FROM events WHERE run_id = {id}");
    let q_events = format!(
        "SELECT attempt, seq, CAST(ts AS VARCHAR) AS ts, kind, role, name, call_id, tool_kind, \
           {}, {}, {}, status, exit_code, duration_ms, model, input_tokens, output_tokens, cost_usd \
         FROM events WHERE run_id = {id} ORDER BY attempt, seq LIMIT {EVENTS_PER_PAGE} OFFSET {}",
        cut("text"),
        cut("input_json"),
        cut("output_text"),
        u64::from(page) * EVENTS_PER_PAGE as u64
    );
    let q_scores = format!(
        "SELECT attempt, grader_kind, grader_name, grader_model, criterion, value, max_value, \
           label, passed, explanation, error FROM scores WHERE run_id = {id} \
         ORDER BY attempt, grader_name, criterion"
    );
    let q_artifacts = format!(
        "SELECT attempt, path, role, size, content_type, sha256, object_key FROM artifacts \
         WHERE run_id = {id} ORDER BY attempt, path"
    );
    let q_labels = format!(
        "SELECT key, value, author, note, CAST(created_at AS VARCHAR) AS created_at \
         FROM latest_labels WHERE run_id = {id} ORDER BY key"
    );
    let q_llm = format!(
        "SELECT CAST(started_at AS VARCHAR) AS started_at, provider, api, model, status_code, \
           latency_ms, ttft_ms, input_tokens, output_tokens, cache_read_tokens, \
           reasoning_tokens, cost_usd, streamed, error \
         FROM llm_calls WHERE run_id = {id} ORDER BY started_at, call_id LIMIT {MAX_LLM_CALLS}"
    );
    let q_llm_totals = format!(
        "SELECT count(*) AS calls, \
           sum(CASE WHEN error IS NOT NULL OR status_code >= 400 THEN 1 ELSE 0 END) AS failed, \
           sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, \
           sum(cost_usd) AS cost_usd, sum(latency_ms) AS latency_ms \
         FROM llm_calls WHERE run_id = {id} HAVING count(*) > 0"
    );
    let rows = async {
        Ok::<_, DashboardError>(futures::try_join!(
            json_rows(session, &q_record, 1),
            json_rows(session, &q_kept, 1),
            json_rows(session, &q_count, 1),
            json_rows(session, &q_events, EVENTS_PER_PAGE),
            json_rows(session, &q_scores, 5_000),
            json_rows(session, &q_artifacts, 1_000),
            json_rows(session, &q_labels, 1_000),
            json_rows(session, &q_llm, MAX_LLM_CALLS),
            json_rows(session, &q_llm_totals, 1),
        )?)
    };
    let (
        (record, kept, count, events, scores, artifacts, labels, llm_calls, llm_totals),
        (steps, steps_truncated),
    ) = futures::try_join!(rows, load_steps(session, run_id, live))?;
    let record = record.into_iter().next();
    let event_count = count.first().and_then(|r| int(r, "n")).unwrap_or(0);
    if record.is_none() && catalog.is_none() && event_count == 0 {
        return Err(DashboardError::NotFound(format!("run {run_id}")));
    }
    let kept_attempt = kept
        .first()
        .and_then(|r| int(r, "kept"))
        .or_else(|| catalog.as_ref().and_then(|c| c.best_attempt));

    let mut views = Vec::with_capacity(artifacts.len());
    let mut previews = 0usize;
    for row in artifacts {
        let path = display(&row, "path");
        let ct = display(&row, "content_type");
        let size = int(&row, "size").unwrap_or(i64::MAX);
        let preview = if is_image(&path, &ct) {
            Preview::Image
        } else if is_text(&path, &ct) && size <= MAX_PREVIEW_BYTES && previews < MAX_PREVIEWS {
            match text(&row, "object_key") {
                Some(key) => {
                    previews += 1;
                    // A missing or unreadable object is noted on the page, not a failed page.
                    match objects.get(key).await {
                        Ok(bytes) => Preview::Text(String::from_utf8_lossy(&bytes).into_owned()),
                        Err(e) => Preview::Unavailable(e.to_string()),
                    }
                }
                None => Preview::None,
            }
        } else {
            Preview::None
        };
        views.push(ArtifactView { row, preview });
    }
    Ok(RunPageData {
        run_id: run_id.to_owned(),
        catalog,
        record,
        kept_attempt,
        steps,
        steps_truncated,
        event_count,
        page,
        events,
        llm_calls,
        llm_totals: llm_totals.into_iter().next(),
        scores,
        artifacts: views,
        labels,
    })
}

/// One event in full (`/runs/{id}/events/{attempt}/{seq}`).
pub async fn load_event(
    session: &Session,
    run_id: &str,
    attempt: i64,
    seq: i64,
) -> DashResult<Row> {
    let rows = json_rows(
        session,
        &format!(
            "SELECT attempt, seq, CAST(ts AS VARCHAR) AS ts, kind, role, name, call_id, \
               parent_call_id, tool_kind, status, exit_code, duration_ms, model, text, \
               input_json, output_text, raw FROM events \
             WHERE run_id = {} AND attempt = {attempt} AND seq = {seq}",
            crate::escape::sql_literal(run_id)
        ),
        1,
    )
    .await?;
    rows.into_iter()
        .next()
        .ok_or_else(|| DashboardError::NotFound(format!("event {attempt}/{seq} of run {run_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: serde_json::Value) -> Row {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn tool_calls_take_their_results_state() {
        let rows = vec![
            row(json!({"attempt": 1, "seq": 0, "kind": "assistant_message", "summary": "hi"})),
            row(
                json!({"attempt": 1, "seq": 1, "kind": "tool_call", "name": "shell", "call_id": "a", "summary": "ls"}),
            ),
            row(
                json!({"attempt": 1, "seq": 2, "kind": "tool_result", "call_id": "a", "exit_code": 2, "duration_ms": 40}),
            ),
            row(
                json!({"attempt": 1, "seq": 3, "kind": "tool_call", "name": "read", "call_id": "b", "summary": "x"}),
            ),
            row(
                json!({"attempt": 1, "seq": 4, "kind": "tool_result", "call_id": "b", "status": "ok"}),
            ),
            row(
                json!({"attempt": 1, "seq": 5, "kind": "tool_call", "name": "shell", "call_id": "c", "summary": "sleep"}),
            ),
        ];
        let steps = steps_of(&rows, true);
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[1].state, "failed");
        assert_eq!(steps[1].duration_ms, Some(40.0));
        assert_eq!(steps[2].state, "done");
        assert_eq!(steps[3].state, QueueStatus::Running.as_str());
        assert_eq!(steps_of(&rows, false)[3].state, "waiting");
    }

    #[test]
    fn pages_round_up() {
        let d = RunPageData {
            event_count: 1001,
            ..Default::default()
        };
        assert_eq!(d.pages(), 3);
        assert_eq!(RunPageData::default().pages(), 1);
    }
}
