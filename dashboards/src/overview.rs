//! The overview `/`: how a collection's agents are doing, under the filters in the URL.
//! [`load`] runs the queries (each aggregated and limited in SQL, so the page costs the
//! same on a large store); [`render`] turns the rows into HTML.

use std::collections::BTreeMap;
use std::fmt::Write;

use wharf_model::QueueStatus;
use wharf_query::evaluation::json_rows;
use wharf_query::{Session, kept_scores_via_runs};

use crate::chart::{Datum, bar_chart, line_chart};
use crate::error::DashResult;
use crate::escape::{escape, sql_literal, url_encode};
use crate::filters::OverviewFilter;
use crate::layout::{Nav, count, duration, page, score, status_badge, table, timestamp, usd};
use crate::rows::{Row, display, num, text};

/// The values the filters offer: `k` (`runbook`, `version`, `runtime`, `model`) and `v`.
pub(crate) const FILTER_OPTIONS_SQL: &str = "SELECT k, v FROM (\
    SELECT 'runbook' AS k, runbook_name AS v FROM runs GROUP BY runbook_name \
    UNION ALL SELECT 'version', runbook_version FROM runs GROUP BY runbook_version \
    UNION ALL SELECT 'runtime', runtime FROM runs GROUP BY runtime \
    UNION ALL SELECT 'model', model FROM runs GROUP BY model) \
    WHERE v IS NOT NULL ORDER BY k, v";

/// Recent runs per page.
pub const RUNS_PER_PAGE: usize = 50;

/// A queued or running run, from the catalog (the tables only have finished runs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveRun {
    /// The run's id (a UUID).
    pub run_id: String,
    /// Queued or running (the catalog's live runs).
    pub status: QueueStatus,
    /// The runtime (agent CLI), once the run is prepared.
    pub agent: Option<String>,
    /// Task, when it runs one.
    pub task: Option<String>,
    /// When it was enqueued (RFC 3339).
    pub created_at: String,
    /// What the agent did last (from the live event buffers).
    pub current_step: Option<String>,
}

/// Values the filter drop-downs offer.
#[derive(Debug, Clone, Default)]
pub struct FilterOptions {
    /// `(filter name, value)` pairs.
    pub values: Vec<(String, String)>,
}

impl FilterOptions {
    fn of(&self, name: &str) -> impl Iterator<Item = &str> {
        self.values
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Everything the overview shows.
#[derive(Debug, Clone, Default)]
pub struct OverviewData {
    /// The filters applied.
    pub filter: OverviewFilter,
    /// Drop-down values.
    pub options: FilterOptions,
    /// `day, runs, evaluated, passed`.
    pub pass_rate: Vec<Row>,
    /// `status, n`.
    pub statuses: Vec<Row>,
    /// `grader_name, criterion, value, n` (kept attempts).
    pub score_histogram: Vec<Row>,
    /// `model, runtime, runs, tokens_p50, tokens_p95, cost_p50, cost_p95, duration_p50,
    /// duration_p95, cost_total`.
    pub usage: Vec<Row>,
    /// `grader_name, criterion, failures`.
    pub failing: Vec<Row>,
    /// `name, calls, failures` by calls.
    pub tools: Vec<Row>,
    /// `name, calls, failures` by failures.
    pub failing_tools: Vec<Row>,
    /// Recent runs (`run_id, runbook_name, runtime, model, status, passed, final_score,
    /// started, duration_ms, cost_usd`).
    pub recent: Vec<Row>,
    /// The recent-runs page shown.
    pub page: u32,
    /// Whether there is a next page.
    pub has_more: bool,
    /// Queued and running runs from the catalog, with their current step.
    pub live: Vec<LiveRun>,
}

/// Runs the overview's queries in `session` (already scoped to the caller's collection).
/// `live` comes from the catalog; their current step is looked up here.
pub async fn load(
    session: &Session,
    filter: OverviewFilter,
    mut live: Vec<LiveRun>,
) -> DashResult<OverviewData> {
    let cond = filter.condition()?;
    let page = filter.page.unwrap_or(0);
    let in_runs = format!("SELECT r.run_id FROM runs r WHERE {cond}");
    let q_pass = format!(
        "SELECT CAST(r.date AS VARCHAR) AS day, count(*) AS runs, \
           sum(CASE WHEN r.passed IS NOT NULL THEN 1 ELSE 0 END) AS evaluated, \
           sum(CASE WHEN r.passed THEN 1 ELSE 0 END) AS passed \
         FROM runs r WHERE {cond} GROUP BY r.date ORDER BY r.date DESC"
    );
    let q_status = format!(
        "SELECT r.status, count(*) AS n FROM runs r WHERE {cond} GROUP BY r.status ORDER BY n DESC"
    );
    // The kept attempt's scores (each criterion's latest grading), ranked for the selected
    // runs only.
    let runs_selected = if cond == "true" {
        "true".to_owned()
    } else {
        format!("run_id IN ({in_runs})")
    };
    // One pass over them gives the score histogram and the failing criteria.
    let q_kept = format!(
        "SELECT s.grader_name, s.criterion, round(s.value, 1) AS value, count(*) AS n, \
           sum(CASE WHEN s.passed = false THEN 1 ELSE 0 END) AS failures \
         FROM ({}) s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        kept_scores_via_runs(&runs_selected)
    );
    let pct = |p: f64, e: &str| {
        format!("approx_percentile_cont({p}) WITHIN GROUP (ORDER BY CAST({e} AS DOUBLE))")
    };
    let tokens = "coalesce(r.input_tokens, 0) + coalesce(r.output_tokens, 0)";
    let q_usage = format!(
        "SELECT coalesce(r.model, '(none)') AS model, coalesce(r.runtime, '(none)') AS runtime, \
           count(*) AS runs, {} AS tokens_p50, {} AS tokens_p95, {} AS cost_p50, {} AS cost_p95, \
           {} AS duration_p50, {} AS duration_p95, sum(r.cost_usd) AS cost_total \
         FROM runs r WHERE {cond} GROUP BY 1, 2 ORDER BY runs DESC",
        pct(0.5, tokens),
        pct(0.95, tokens),
        pct(0.5, "r.cost_usd"),
        pct(0.95, "r.cost_usd"),
        pct(0.5, "r.duration_ms"),
        pct(0.95, "r.duration_ms"),
    );
    // Calls by name, and failed results by the tool name they carry, from the events'
    // per-run roll-up (`tool_usage`) rather than a pass over every event.
    let mut scope = if cond == "true" {
        String::new()
    } else {
        format!("AND run_id IN ({in_runs})")
    };
    // Events are partitioned by date and never precede their run's start: prune by `from`.
    if let Some(from) = filter
        .from
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        // Already checked to be a date by `condition()`.
        scope.push_str(&format!(" AND date >= DATE {}", sql_literal(from)));
    }
    let q_tools = format!(
        "SELECT coalesce(name, '(unnamed)') AS name, sum(calls) AS calls, \
           sum(failures) AS failures \
         FROM tool_usage WHERE true {scope} GROUP BY 1 ORDER BY calls DESC, 1"
    );
    let q_recent = format!(
        "SELECT r.run_id, r.runbook_name, r.runtime, r.model, r.status, r.passed, r.final_score, \
           CAST(r.started_at AS VARCHAR) AS started, r.duration_ms, r.cost_usd \
         FROM runs r WHERE {cond} ORDER BY r.started_at DESC, r.run_id \
         LIMIT {} OFFSET {}",
        RUNS_PER_PAGE + 1,
        u64::from(page) * RUNS_PER_PAGE as u64
    );
    let (options, pass_rate, statuses, kept, usage, all_tools, recent) = futures::try_join!(
        json_rows(session, FILTER_OPTIONS_SQL, 800),
        json_rows(session, &q_pass, 366),
        json_rows(session, &q_status, 20),
        json_rows(session, &q_kept, 5_000),
        json_rows(session, &q_usage, 50),
        json_rows(session, &q_tools, 1_000),
        json_rows(session, &q_recent, RUNS_PER_PAGE + 1),
    )?;
    let (score_histogram, failing) = split_kept(kept);
    let tools: Vec<Row> = all_tools.iter().take(15).cloned().collect();
    let mut failing_tools: Vec<Row> = all_tools
        .into_iter()
        .filter(|r| num(r, "failures").unwrap_or(0.0) > 0.0)
        .collect();
    failing_tools.sort_by(|a, b| {
        num(b, "failures")
            .unwrap_or(0.0)
            .total_cmp(&num(a, "failures").unwrap_or(0.0))
    });
    failing_tools.truncate(15);
    let mut pass_rate = pass_rate;
    pass_rate.reverse();
    let has_more = recent.len() > RUNS_PER_PAGE;
    let recent = recent.into_iter().take(RUNS_PER_PAGE).collect();
    if !live.is_empty() {
        let ids: Vec<String> = live.iter().map(|l| sql_literal(&l.run_id)).collect();
        let steps = json_rows(
            session,
            &format!(
                "SELECT run_id, kind, name, substr(coalesce(text, output_text, ''), 1, 120) AS text FROM (\
                   SELECT *, row_number() OVER (PARTITION BY run_id ORDER BY attempt DESC, seq DESC) AS rn \
                   FROM events WHERE run_id IN ({})) WHERE rn = 1",
                ids.join(", ")
            ),
            live.len(),
        )
        .await?;
        for l in &mut live {
            if let Some(s) = steps.iter().find(|s| text(s, "run_id") == Some(&l.run_id)) {
                let mut step = display(s, "kind");
                for extra in [display(s, "name"), display(s, "text")] {
                    if !extra.is_empty() {
                        step.push_str(": ");
                        step.push_str(&extra);
                    }
                }
                l.current_step = Some(step);
            }
        }
    }
    Ok(OverviewData {
        options: FilterOptions {
            values: options
                .iter()
                .map(|r| (display(r, "k"), display(r, "v")))
                .collect(),
        },
        filter,
        pass_rate,
        statuses,
        score_histogram,
        usage,
        failing,
        tools,
        failing_tools,
        recent,
        page,
        has_more,
        live,
    })
}

/// Failing criteria shown at most.
const MAX_FAILING: usize = 15;

/// The kept scores' `(grader_name, criterion, value, n, failures)` rows as the score
/// histogram (scored rows) and the failing criteria (`grader_name, criterion, failures`,
/// most failures first).
fn split_kept(rows: Vec<Row>) -> (Vec<Row>, Vec<Row>) {
    let mut failures: BTreeMap<(String, String), f64> = BTreeMap::new();
    for r in &rows {
        let f = num(r, "failures").unwrap_or(0.0);
        if f > 0.0 {
            *failures
                .entry((display(r, "grader_name"), display(r, "criterion")))
                .or_default() += f;
        }
    }
    let mut failing: Vec<((String, String), f64)> = failures.into_iter().collect();
    failing.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let failing = failing
        .into_iter()
        .take(MAX_FAILING)
        .map(|((grader, criterion), n)| {
            let mut row = Row::new();
            row.insert("grader_name".into(), grader.into());
            row.insert("criterion".into(), criterion.into());
            row.insert("failures".into(), n.into());
            row
        })
        .collect();
    let histogram = rows
        .into_iter()
        .filter(|r| r.get("value").is_some_and(|v| !v.is_null()))
        .collect();
    (histogram, failing)
}

fn filter_form(d: &OverviewData) -> String {
    let mut out = String::from(r#"<form class="filters" method="get" action="/" id="filters">"#);
    for (name, label) in [
        ("runbook", "Runbook"),
        ("version", "Version"),
        ("runtime", "Runtime"),
        ("model", "Model"),
    ] {
        let current = d.filter.value(name);
        let _ = write!(
            out,
            r#"<label>{label} <select name="{name}"><option value="">any</option>"#
        );
        let mut seen_current = current.is_empty();
        for v in d.options.of(name) {
            let selected = if v == current {
                seen_current = true;
                " selected"
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<option value="{}"{selected}>{}</option>"#,
                escape(v),
                escape(v)
            );
        }
        if !seen_current {
            let _ = write!(
                out,
                r#"<option value="{}" selected>{}</option>"#,
                escape(current),
                escape(current)
            );
        }
        out.push_str("</select></label>");
    }
    for (name, label, kind, hint) in [
        ("from", "From", "date", ""),
        ("to", "To", "date", ""),
        ("label", "Label", "text", "key=value"),
    ] {
        let _ = write!(
            out,
            r#"<label>{label} <input type="{kind}" name="{name}" value="{}" placeholder="{hint}"></label>"#,
            escape(d.filter.value(name))
        );
    }
    out.push_str(r#"<button type="submit">Apply</button>"#);
    if !d.filter.is_empty() {
        out.push_str(r#" <a href="/">clear</a>"#);
    }
    out.push_str("</form>");
    out
}

fn run_link(id: &str) -> String {
    let short: String = id.chars().take(13).collect();
    format!(
        r#"<a class="mono" href="/runs/{}">{}…</a>"#,
        url_encode(id),
        escape(&short)
    )
}

fn pass_cell(row: &Row) -> String {
    match row.get("passed").and_then(serde_json::Value::as_bool) {
        Some(true) => status_badge("passed"),
        Some(false) => status_badge("failed"),
        None => "—".into(),
    }
}

fn score_distribution(rows: &[Row]) -> String {
    let mut by: BTreeMap<(String, String), Vec<Datum>> = BTreeMap::new();
    for r in rows {
        let key = (display(r, "grader_name"), display(r, "criterion"));
        let value = num(r, "value").unwrap_or(0.0);
        by.entry(key)
            .or_default()
            .push(Datum::new(score(Some(value)), num(r, "n").unwrap_or(0.0)));
    }
    if by.is_empty() {
        return r#"<p class="empty">No scores for these filters.</p>"#.into();
    }
    let mut out = String::from(r#"<div class="grid">"#);
    for ((grader, criterion), bars) in by.iter().take(24) {
        let n: f64 = bars.iter().map(|b| b.value).sum();
        let mean = bars
            .iter()
            .map(|b| b.label.parse::<f64>().unwrap_or(0.0) * b.value)
            .sum::<f64>()
            / n.max(1.0);
        let _ = write!(
            out,
            r#"<div class="card"><h3>{} <small>{}</small></h3><p class="muted">{} scores, mean {}</p>{}</div>"#,
            escape(criterion),
            escape(grader),
            count(Some(n)),
            score(Some(mean)),
            bar_chart(&format!("{criterion}: scores"), bars)
        );
    }
    if by.len() > 24 {
        let _ = write!(
            out,
            r#"<p class="muted">and {} more criteria (query <code>kept_scores</code> in SQL)</p>"#,
            by.len() - 24
        );
    }
    out.push_str("</div>");
    out
}

/// The overview page.
pub fn render(d: &OverviewData, collection: &str) -> String {
    let mut b = String::new();
    b.push_str("<h1>Overview</h1>");
    b.push_str(&filter_form(d));

    let total: f64 = d.statuses.iter().filter_map(|r| num(r, "n")).sum();
    let evaluated: f64 = d.pass_rate.iter().filter_map(|r| num(r, "evaluated")).sum();
    let passed: f64 = d.pass_rate.iter().filter_map(|r| num(r, "passed")).sum();
    let _ = write!(
        b,
        r#"<section class="kpis"><div><b id="kpi-runs">{}</b> runs</div><div><b>{}</b> evaluated</div><div><b>{}</b> pass rate</div><div><b>{}</b> live</div></section>"#,
        count(Some(total)),
        count(Some(evaluated)),
        if evaluated > 0.0 {
            format!("{:.0}%", passed / evaluated * 100.0)
        } else {
            "—".into()
        },
        d.live.len()
    );

    let points: Vec<Datum> = d
        .pass_rate
        .iter()
        .filter(|r| num(r, "evaluated").unwrap_or(0.0) > 0.0)
        .map(|r| {
            let ev = num(r, "evaluated").unwrap_or(0.0);
            let p = num(r, "passed").unwrap_or(0.0);
            Datum {
                label: display(r, "day"),
                value: p / ev,
                note: Some(format!("{p:.0} of {ev:.0} evaluated runs")),
            }
        })
        .collect();
    let statuses: Vec<Datum> = d
        .statuses
        .iter()
        .map(|r| Datum::new(display(r, "status"), num(r, "n").unwrap_or(0.0)))
        .collect();
    let _ = write!(
        b,
        r#"<div class="grid two"><section class="card"><h2>Pass rate over time</h2>{}</section><section class="card"><h2>Runs by status</h2>{}</section></div>"#,
        line_chart("pass rate per day", &points, Some(1.0), true),
        bar_chart("runs by status", &statuses)
    );

    // Live runs.
    b.push_str(r#"<section class="card" id="live"><h2>Live runs</h2>"#);
    b.push_str(&table(
        &[
            "run",
            "status",
            "runtime",
            "task",
            "queued at",
            "current step",
        ],
        d.live.iter().map(|l| {
            vec![
                run_link(&l.run_id),
                status_badge(l.status.as_str()),
                escape(l.agent.as_deref().unwrap_or("—")),
                escape(l.task.as_deref().unwrap_or("—")),
                timestamp(Some(&l.created_at)),
                escape(l.current_step.as_deref().unwrap_or("—")),
            ]
        }),
    ));
    b.push_str("</section>");

    let _ = write!(
        b,
        r#"<section class="card"><h2>Score distribution per criterion <small>(kept attempts)</small></h2>{}</section>"#,
        score_distribution(&d.score_histogram)
    );

    b.push_str(r#"<section class="card"><h2>Tokens, cost and duration by model and runtime</h2>"#);
    b.push_str(&table(
        &[
            "model",
            "runtime",
            "runs",
            "tokens p50",
            "tokens p95",
            "cost p50",
            "cost p95",
            "total cost",
            "duration p50",
            "duration p95",
        ],
        d.usage.iter().map(|r| {
            vec![
                escape(&display(r, "model")),
                escape(&display(r, "runtime")),
                count(num(r, "runs")),
                count(num(r, "tokens_p50")),
                count(num(r, "tokens_p95")),
                usd(num(r, "cost_p50")),
                usd(num(r, "cost_p95")),
                usd(num(r, "cost_total")),
                duration(num(r, "duration_p50")),
                duration(num(r, "duration_p95")),
            ]
        }),
    ));
    b.push_str("</section>");

    b.push_str(r#"<div class="grid three"><section class="card"><h2>Most failing checks and criteria</h2>"#);
    b.push_str(&table(
        &["criterion", "grader", "failures"],
        d.failing.iter().map(|r| {
            vec![
                escape(&display(r, "criterion")),
                escape(&display(r, "grader_name")),
                count(num(r, "failures")),
            ]
        }),
    ));
    b.push_str(r#"</section><section class="card"><h2>Most called tools</h2>"#);
    let tools: Vec<Datum> = d
        .tools
        .iter()
        .map(|r| Datum {
            label: display(r, "name"),
            value: num(r, "calls").unwrap_or(0.0),
            note: Some(format!("{} failed", count(num(r, "failures")))),
        })
        .collect();
    b.push_str(&bar_chart("tool calls", &tools));
    b.push_str(r#"</section><section class="card"><h2>Most failing tools</h2>"#);
    b.push_str(&table(
        &["tool", "failures", "calls"],
        d.failing_tools.iter().map(|r| {
            vec![
                escape(&display(r, "name")),
                count(num(r, "failures")),
                count(num(r, "calls")),
            ]
        }),
    ));
    b.push_str("</section></div>");

    b.push_str(r#"<section class="card"><h2>Recent runs</h2>"#);
    b.push_str(&table(
        &[
            "run", "runbook", "runtime", "model", "status", "verdict", "score", "started",
            "duration", "cost",
        ],
        d.recent.iter().map(|r| {
            vec![
                run_link(&display(r, "run_id")),
                escape(&display(r, "runbook_name")),
                escape(&display(r, "runtime")),
                escape(&display(r, "model")),
                status_badge(&display(r, "status")),
                pass_cell(r),
                score(num(r, "final_score")),
                timestamp(text(r, "started")),
                duration(num(r, "duration_ms")),
                usd(num(r, "cost_usd")),
            ]
        }),
    ));
    let qs = d.filter.query_string();
    let sep = if qs.is_empty() { "" } else { "&amp;" };
    b.push_str(r#"<p class="pager">"#);
    if d.page > 0 {
        let _ = write!(
            b,
            r#"<a href="/?{}{sep}page={}" rel="prev">← newer</a> "#,
            escape(&qs),
            d.page - 1
        );
    }
    let _ = write!(b, "page {}", d.page + 1);
    if d.has_more {
        let _ = write!(
            b,
            r#" <a href="/?{}{sep}page={}" rel="next">older →</a>"#,
            escape(&qs),
            d.page + 1
        );
    }
    b.push_str("</p></section>");
    page("Overview", Nav::Overview, Some(collection), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: serde_json::Value) -> Row {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn kept_rows_split_into_histogram_and_failing_criteria() {
        let rows = vec![
            row(
                json!({"grader_name": "judge", "criterion": "Accuracy", "value": 2.0, "n": 3, "failures": 3}),
            ),
            row(
                json!({"grader_name": "judge", "criterion": "Accuracy", "value": 5.0, "n": 4, "failures": 0}),
            ),
            row(
                json!({"grader_name": "judge", "criterion": "Style", "value": 1.0, "n": 1, "failures": 1}),
            ),
            // A check without a value (an error row) fails without a histogram bar.
            row(
                json!({"grader_name": "script", "criterion": "checklist", "value": null, "n": 2, "failures": 2}),
            ),
        ];
        let (histogram, failing) = split_kept(rows);
        assert_eq!(histogram.len(), 3);
        let failing: Vec<(String, f64)> = failing
            .iter()
            .map(|r| (display(r, "criterion"), num(r, "failures").unwrap()))
            .collect();
        assert_eq!(
            failing,
            [
                ("Accuracy".into(), 3.0),
                ("checklist".into(), 2.0),
                ("Style".into(), 1.0)
            ]
        );
    }

    fn sample() -> OverviewData {
        OverviewData {
            filter: OverviewFilter {
                runtime: Some("command".into()),
                ..Default::default()
            },
            options: FilterOptions {
                values: vec![
                    ("runtime".into(), "command".into()),
                    ("runbook".into(), "<rb>".into()),
                ],
            },
            pass_rate: vec![
                row(json!({"day": "2026-01-01", "runs": 4, "evaluated": 4, "passed": 2})),
                row(json!({"day": "2026-01-02", "runs": 2, "evaluated": 2, "passed": 2})),
            ],
            statuses: vec![
                row(json!({"status": "succeeded", "n": 5})),
                row(json!({"status": "failed", "n": 1})),
            ],
            score_histogram: vec![
                row(
                    json!({"grader_name": "rubric", "criterion": "Accuracy<", "value": 2.0, "n": 1}),
                ),
                row(
                    json!({"grader_name": "rubric", "criterion": "Accuracy<", "value": 5.0, "n": 3}),
                ),
            ],
            usage: vec![row(
                json!({"model": "m1", "runtime": "command", "runs": 6, "tokens_p50": 1200.0, "duration_p95": 2500.0}),
            )],
            failing: vec![row(
                json!({"grader_name": "verification_script", "criterion": "report exists", "failures": 2}),
            )],
            tools: vec![row(json!({"name": "shell", "calls": 10, "failures": 1}))],
            failing_tools: vec![row(json!({"name": "shell", "calls": 10, "failures": 1}))],
            recent: vec![row(
                json!({"run_id": "0190a3c4-0000-7000-8000-000000000001", "runbook_name": "<script>alert(1)</script>", "status": "succeeded", "passed": true, "final_score": 1.0, "started": "2026-01-02T10:00:00"}),
            )],
            page: 0,
            has_more: true,
            live: vec![LiveRun {
                run_id: "0190a3c4-0000-7000-8000-000000000002".into(),
                status: QueueStatus::Running,
                agent: Some("command".into()),
                current_step: Some("tool_call: shell".into()),
                ..Default::default()
            }],
        }
    }

    #[test]
    fn the_overview_shows_every_section_escaped() {
        let html = render(&sample(), "default");
        for needle in [
            "Pass rate over time",
            "Runs by status",
            "Score distribution",
            "Tokens, cost and duration",
            "Most failing checks",
            "Most called tools",
            "Most failing tools",
            "Recent runs",
            "Live runs",
            "tool_call: shell",
            "report exists",
            r#"<option value="command" selected>"#,
            "&lt;rb&gt;",
            "Accuracy&lt;",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            r#"href="/runs/0190a3c4-0000-7000-8000-000000000001""#,
            r#"href="/?runtime=command&amp;page=1""#,
            "1,200", // tokens p50
            "67%",   // 4 of 6 passed
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(!html.contains("<script>alert"));
        assert_eq!(html.matches("<circle").count(), 2);
    }

    #[test]
    fn an_empty_overview_renders() {
        let html = render(&OverviewData::default(), "c");
        assert!(html.contains("No scores for these filters"));
        assert!(html.contains("no data"));
    }
}
