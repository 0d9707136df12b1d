//! The run page's HTML: header, live build log, paginated timeline with step-through
//! replay, model calls, scores with the judge's explanations, artifacts with previews,
//! labels.

use std::fmt::Write;

use crate::escape::{escape, truncate, url_encode, url_path};
use crate::layout::{
    Nav, classed_table, count, duration, page, score, status_badge, timestamp, usd,
};
use crate::preview;
use crate::rows::{Row, display, int, num, text};
use crate::run::{EVENTS_PER_PAGE, MAX_LLM_CALLS, MAX_STEPS, Preview, RunPageData, Step};

fn header(d: &RunPageData) -> String {
    let r = d.record.as_ref();
    let get = |k: &str| r.map(|r| display(r, k)).filter(|s| !s.is_empty());
    let status = d
        .catalog
        .as_ref()
        .map(|c| c.status.to_string())
        .or_else(|| get("status"))
        .unwrap_or_else(|| "unknown".into());
    let runbook = match (get("runbook_name"), get("runbook_version")) {
        (Some(n), Some(v)) => format!("{n} v{v}"),
        (Some(n), None) => n,
        _ => d
            .catalog
            .as_ref()
            .and_then(|c| c.task.clone())
            .unwrap_or_else(|| "—".into()),
    };
    let agent = get("runtime")
        .or_else(|| d.catalog.as_ref().and_then(|c| c.agent.clone()))
        .unwrap_or_else(|| "—".into());
    let attempts = r
        .and_then(|r| int(r, "attempts"))
        .or_else(|| d.catalog.as_ref().and_then(|c| c.attempts));
    let verdict = match r
        .and_then(|r| r.get("passed"))
        .and_then(serde_json::Value::as_bool)
    {
        Some(true) => status_badge("passed"),
        Some(false) => status_badge("failed"),
        None => "—".into(),
    };
    let tokens = r.map(|r| {
        format!(
            "{} in / {} out",
            count(num(r, "input_tokens")),
            count(num(r, "output_tokens"))
        )
    });
    let error = get("error").or_else(|| d.catalog.as_ref().and_then(|c| c.error.clone()));
    let mut out = format!(
        r#"<h1>Run <span class="mono">{}</span> {}</h1><dl class="facts">"#,
        escape(&d.run_id),
        status_badge(&status)
    );
    for (k, v) in [
        ("runbook", escape(&runbook)),
        ("agent", escape(&agent)),
        ("model", escape(&get("model").unwrap_or_else(|| "—".into()))),
        ("attempts", attempts.map_or("—".into(), |a| a.to_string())),
        (
            "kept attempt",
            d.kept_attempt.map_or("—".into(), |a| a.to_string()),
        ),
        ("verdict", verdict),
        ("score", score(r.and_then(|r| num(r, "final_score")))),
        ("cost", usd(r.and_then(|r| num(r, "cost_usd")))),
        ("tokens", escape(&tokens.unwrap_or_else(|| "—".into()))),
        ("duration", duration(r.and_then(|r| num(r, "duration_ms")))),
        ("started", timestamp(r.and_then(|r| text(r, "started_at")))),
        ("events", count(Some(d.event_count as f64))),
    ] {
        let _ = write!(out, "<div><dt>{k}</dt><dd>{v}</dd></div>");
    }
    out.push_str("</dl>");
    if let Some(e) = error {
        let _ = write!(out, r#"<p class="error">{}</p>"#, escape(&e));
    }
    let _ = write!(
        out,
        r#"<p class="actions"><a href="/compare?a={id}">compare…</a> · <a href="/api/v1/runs/{id}/trajectory">trajectory JSON</a> · <a href="/api/v1/runs/{id}/artifacts.zip" download>artifacts.zip</a></p>"#,
        id = url_encode(&d.run_id)
    );
    out
}

fn step_line(s: &Step) -> String {
    let mut out = format!(
        r#"<li class="step state-{}" data-seq="{}"><span class="state">{}</span> <span class="kind">{}</span>"#,
        escape(&s.state),
        s.seq,
        escape(&s.state),
        escape(&s.kind)
    );
    if let Some(n) = &s.name {
        let _ = write!(out, r#" <b>{}</b>"#, escape(n));
    }
    let (summary, cut) = truncate(&s.summary, 120);
    let _ = write!(
        out,
        r#" <span class="summary">{}{}</span>"#,
        escape(summary),
        if cut { "…" } else { "" }
    );
    if s.duration_ms.is_some() {
        let _ = write!(
            out,
            r#" <span class="muted">{}</span>"#,
            duration(s.duration_ms)
        );
    }
    if let Some(t) = s.tokens {
        let _ = write!(out, r#" <span class="muted">{} tok</span>"#, count(Some(t)));
    }
    out.push_str("</li>");
    out
}

fn build_log(d: &RunPageData) -> String {
    let mut out = format!(
        r#"<section class="card" id="log"><h2>Build log</h2><p id="live-status" class="muted">{}</p><ol class="log" id="steps" data-run="{}" data-live="{}">"#,
        if d.is_live() {
            "following the run live…"
        } else {
            "recorded steps"
        },
        escape(&d.run_id),
        d.is_live()
    );
    // A live run's steps come from the SSE backlog (every step so far, then live ones).
    let steps: &[Step] = if d.is_live() { &[] } else { &d.steps };
    let mut attempt = 0;
    for s in steps {
        if s.attempt != attempt {
            attempt = s.attempt;
            let _ = write!(out, r#"<li class="attempt">attempt {attempt}</li>"#);
        }
        out.push_str(&step_line(s));
    }
    out.push_str("</ol>");
    if d.steps_truncated {
        let _ = write!(
            out,
            r#"<p class="muted">The first {MAX_STEPS} steps; the timeline below has every event.</p>"#
        );
    }
    out.push_str("</section>");
    out
}

fn text_block(d: &RunPageData, e: &Row, field: &str, label: &str, open: bool) -> String {
    let Some(value) = text(e, field) else {
        return String::new();
    };
    let len = int(e, &format!("{field}_len")).unwrap_or(0);
    let shown = value.chars().count() as i64;
    let more = if len > shown {
        format!(
            r#"<a class="show-all" href="/runs/{}/events/{}/{}">show all ({} chars)</a>"#,
            url_encode(&d.run_id),
            int(e, "attempt").unwrap_or(1),
            int(e, "seq").unwrap_or(0),
            count(Some(len as f64))
        )
    } else {
        String::new()
    };
    format!(
        r#"<details{}><summary>{label}</summary><pre>{}</pre>{more}</details>"#,
        if open { " open" } else { "" },
        escape(value)
    )
}

fn pager(d: &RunPageData) -> String {
    let pages = d.pages();
    if pages <= 1 {
        return String::new();
    }
    let id = url_encode(&d.run_id);
    let mut out = String::from(r#"<p class="pager">"#);
    if d.page > 0 {
        let _ = write!(
            out,
            r#"<a href="/runs/{id}?page={}#timeline" rel="prev">← previous events</a> "#,
            d.page - 1
        );
    }
    let _ = write!(
        out,
        "events {}–{} of {}",
        count(Some((d.page as usize * EVENTS_PER_PAGE + 1) as f64)),
        count(Some(
            ((d.page as usize + 1) * EVENTS_PER_PAGE).min(d.event_count.max(0) as usize) as f64
        )),
        count(Some(d.event_count as f64))
    );
    if d.page + 1 < pages {
        let _ = write!(
            out,
            r#" <a href="/runs/{id}?page={}#timeline" rel="next" id="next-page">next events →</a>"#,
            d.page + 1
        );
    }
    out.push_str("</p>");
    out
}

fn timeline(d: &RunPageData) -> String {
    let mut out = String::from(
        r#"<section class="card" id="timeline"><h2>Timeline</h2><div class="replay"><button type="button" id="replay-prev">← prev</button> <span id="replay-pos">step through with ← / →</span> <button type="button" id="replay-next">next →</button></div>"#,
    );
    out.push_str(&pager(d));
    // Replay crosses pages: the script goes to the neighbouring page and carries on there.
    let id = url_encode(&d.run_id);
    let neighbour = |p: Option<u32>| {
        p.filter(|p| *p < d.pages())
            .map(|p| format!("/runs/{id}?page={p}"))
            .unwrap_or_default()
    };
    let _ = write!(
        out,
        r#"<div id="events" data-offset="{}" data-total="{}" data-prev="{}" data-next="{}">"#,
        d.page as usize * EVENTS_PER_PAGE,
        d.event_count.max(0),
        neighbour(d.page.checked_sub(1)),
        neighbour(d.page.checked_add(1)),
    );
    for (i, e) in d.events.iter().enumerate() {
        let kind = display(e, "kind");
        let _ = write!(
            out,
            r#"<article class="event kind-{}" data-idx="{i}" id="e-{}-{}"><header><span class="mono">{}.{}</span> <span class="kind">{}</span>"#,
            escape(&kind),
            int(e, "attempt").unwrap_or(1),
            int(e, "seq").unwrap_or(0),
            int(e, "attempt").unwrap_or(1),
            int(e, "seq").unwrap_or(0),
            escape(&kind),
        );
        for k in ["name", "role", "tool_kind", "status"] {
            if let Some(v) = text(e, k) {
                let _ = write!(out, r#" <span class="tag">{}</span>"#, escape(v));
            }
        }
        if let Some(code) = int(e, "exit_code") {
            let _ = write!(out, r#" <span class="tag">exit {code}</span>"#);
        }
        if num(e, "duration_ms").is_some() {
            let _ = write!(out, " {}", duration(num(e, "duration_ms")));
        }
        if let (Some(i), Some(o)) = (num(e, "input_tokens"), num(e, "output_tokens")) {
            let _ = write!(out, " {} in / {} out", count(Some(i)), count(Some(o)));
        }
        let _ = write!(
            out,
            r#" <span class="muted">{}</span></header>"#,
            timestamp(text(e, "ts"))
        );
        let collapsed = matches!(kind.as_str(), "tool_call" | "tool_result" | "reasoning");
        out.push_str(&text_block(d, e, "text", "text", !collapsed));
        out.push_str(&text_block(d, e, "input_json", "input", false));
        out.push_str(&text_block(d, e, "output_text", "output", false));
        out.push_str("</article>");
    }
    if d.events.is_empty() {
        out.push_str(r#"<p class="empty">No events recorded yet.</p>"#);
    }
    out.push_str("</div>");
    out.push_str(&pager(d));
    out.push_str("</section>");
    out
}

fn scores(d: &RunPageData) -> String {
    let mut out = String::from(r#"<section class="card" id="scores"><h2>Scores</h2>"#);
    if d.scores.is_empty() {
        out.push_str(r#"<p class="empty">Not evaluated.</p>"#);
    }
    let mut attempt = None;
    for s in &d.scores {
        let a = int(s, "attempt");
        if a != attempt {
            if attempt.is_some() {
                out.push_str("</tbody></table>");
            }
            attempt = a;
            let kept = if a.is_some() && a == d.kept_attempt {
                " (kept)"
            } else {
                ""
            };
            let _ = write!(
                out,
                r#"<h3>Attempt {}{kept}</h3><table class="scores"><thead><tr><th>criterion</th><th>grader</th><th>value</th><th>verdict</th><th>explanation</th></tr></thead><tbody>"#,
                a.unwrap_or(1)
            );
        }
        let value = match (num(s, "value"), num(s, "max_value")) {
            (Some(v), Some(m)) => format!("{} / {}", score(Some(v)), score(Some(m))),
            (v, _) => score(v),
        };
        let verdict = match s.get("passed").and_then(serde_json::Value::as_bool) {
            Some(true) => status_badge("passed"),
            Some(false) => status_badge("failed"),
            None => escape(&display(s, "label")),
        };
        let mut explanation = escape(&display(s, "explanation"));
        if let Some(e) = text(s, "error") {
            let _ = write!(explanation, r#" <span class="error">{}</span>"#, escape(e));
        }
        let grader = match text(s, "grader_model") {
            Some(m) => format!("{} ({})", display(s, "grader_name"), m),
            None => display(s, "grader_name"),
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td>{}</td><td>{value}</td><td>{verdict}</td><td class="explanation">{explanation}</td></tr>"#,
            escape(&display(s, "criterion")),
            escape(&grader),
        );
    }
    if attempt.is_some() {
        out.push_str("</tbody></table>");
    }
    out.push_str("</section>");
    out
}

fn llm_calls(d: &RunPageData) -> String {
    let mut out = String::from(r#"<section class="card" id="llm-calls"><h2>Model calls</h2>"#);
    let Some(t) = &d.llm_totals else {
        out.push_str(
            r#"<p class="empty">No model calls recorded through the gateway for this run.</p></section>"#,
        );
        return out;
    };
    let calls = num(t, "calls").unwrap_or(0.0);
    let _ = write!(
        out,
        r#"<p id="llm-totals">{} calls · {} failed · {} in / {} out tokens · {} · {} total latency</p>"#,
        count(Some(calls)),
        count(num(t, "failed")),
        count(num(t, "input_tokens")),
        count(num(t, "output_tokens")),
        usd(num(t, "cost_usd")),
        duration(num(t, "latency_ms")),
    );
    let rows = d.llm_calls.iter().map(|c| {
        let failed = text(c, "error").is_some() || int(c, "status_code").is_some_and(|s| s >= 400);
        let mut status = display(c, "status_code");
        if let Some(e) = text(c, "error") {
            let _ = write!(status, " {e}");
        }
        let streamed = if c.get("streamed").and_then(serde_json::Value::as_bool) == Some(true) {
            r#" <span class="tag">stream</span>"#
        } else {
            ""
        };
        let cells = vec![
            timestamp(text(c, "started_at")),
            escape(&display(c, "provider")),
            format!("{}{streamed}", escape(&display(c, "api"))),
            escape(&display(c, "model")),
            escape(&status),
            duration(num(c, "latency_ms")),
            duration(num(c, "ttft_ms")),
            count(num(c, "input_tokens")),
            count(num(c, "output_tokens")),
            count(num(c, "cache_read_tokens")),
            count(num(c, "reasoning_tokens")),
            usd(num(c, "cost_usd")),
        ];
        (if failed { "failed" } else { "" }, cells)
    });
    out.push_str(&classed_table(
        "llm-calls",
        &[
            "started",
            "provider",
            "api",
            "model",
            "status",
            "latency",
            "ttft",
            "in",
            "out",
            "cached",
            "reasoning",
            "cost",
        ],
        rows,
    ));
    if calls > d.llm_calls.len() as f64 {
        let _ = write!(
            out,
            r#"<p class="muted">The first {MAX_LLM_CALLS} calls; query <code>llm_calls</code> in SQL for all.</p>"#
        );
    }
    out.push_str("</section>");
    out
}

fn artifacts(d: &RunPageData) -> String {
    let mut out = String::from(r#"<section class="card" id="artifacts"><h2>Artifacts</h2>"#);
    if d.artifacts.is_empty() {
        out.push_str(r#"<p class="empty">No artifacts.</p>"#);
    }
    for a in &d.artifacts {
        let path = display(&a.row, "path");
        let attempt = int(&a.row, "attempt").unwrap_or(1);
        let url = format!(
            "/api/v1/runs/{}/artifacts/{}?attempt={attempt}",
            url_encode(&d.run_id),
            url_path(&path)
        );
        let role = display(&a.row, "role");
        let downloadable = role != "input" && a.row.get("object_key").is_some_and(|k| !k.is_null());
        let _ = write!(
            out,
            r#"<details class="artifact"{}><summary><span class="mono">{}</span> <span class="tag">attempt {attempt}</span> <span class="tag">{}</span> <span class="muted">{} bytes</span>"#,
            if matches!(a.preview, Preview::None) {
                ""
            } else {
                " open"
            },
            escape(&path),
            escape(&role),
            count(num(&a.row, "size")),
        );
        if downloadable {
            let _ = write!(out, r#" <a href="{}" download>download</a>"#, escape(&url));
        }
        out.push_str("</summary>");
        match &a.preview {
            Preview::Text(t) => out.push_str(&preview::render(
                preview::kind(&path, &display(&a.row, "content_type")),
                t,
            )),
            Preview::Image if downloadable => {
                let _ = write!(
                    out,
                    r#"<img class="preview" src="{}" alt="{}" loading="lazy">"#,
                    escape(&url),
                    escape(&path)
                );
            }
            Preview::Unavailable(why) => {
                let _ = write!(
                    out,
                    r#"<p class="error">cannot read the stored file: {}</p>"#,
                    escape(why)
                );
            }
            _ => out.push_str(r#"<p class="muted">no preview</p>"#),
        }
        out.push_str("</details>");
    }
    out.push_str("</section>");
    out
}

fn labels(d: &RunPageData) -> String {
    let mut out = String::from(
        r#"<section class="card" id="labels"><h2>Labels</h2><table><thead><tr><th>key</th><th>value</th><th>author</th><th>note</th><th>at</th><th></th></tr></thead><tbody>"#,
    );
    for l in &d.labels {
        let key = display(l, "key");
        let edit = if key.starts_with("wharf.") {
            String::new()
        } else {
            format!(
                r#"<button type="button" class="edit-label" data-key="{}" data-value="{}">edit</button>"#,
                escape(&key),
                escape(&display(l, "value"))
            )
        };
        let _ = write!(
            out,
            r#"<tr class="label"><td>{}</td><td class="label-value">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{edit}</td></tr>"#,
            escape(&key),
            escape(&display(l, "value")),
            escape(&display(l, "author")),
            escape(&display(l, "note")),
            timestamp(text(l, "created_at")),
        );
    }
    if d.labels.is_empty() {
        out.push_str(r#"<tr><td colspan="6" class="empty">no labels</td></tr>"#);
    }
    let _ = write!(
        out,
        r#"</tbody></table><form id="label-form" data-run="{}"><label>key <input name="key" required maxlength="200"></label> <label>value <input name="value" required maxlength="2000"></label> <label>note <input name="note" maxlength="2000"></label> <button type="submit">Save label</button> <span id="label-status" class="muted"></span></form></section>"#,
        escape(&d.run_id)
    );
    out
}

/// The run page.
pub fn render(d: &RunPageData, collection: &str) -> String {
    let mut b = header(d);
    b.push_str(&build_log(d));
    b.push_str(&scores(d));
    b.push_str(&llm_calls(d));
    b.push_str(&artifacts(d));
    b.push_str(&labels(d));
    b.push_str(&timeline(d));
    let short: String = d.run_id.chars().take(8).collect();
    page(&format!("Run {short}"), Nav::Run, Some(collection), &b)
}

/// One event in full.
pub fn render_event(run_id: &str, e: &Row, collection: &str) -> String {
    let mut b = format!(
        r#"<h1>Event {}.{} of run <a class="mono" href="/runs/{}">{}</a></h1><dl class="facts">"#,
        int(e, "attempt").unwrap_or(1),
        int(e, "seq").unwrap_or(0),
        url_encode(run_id),
        escape(run_id)
    );
    for k in [
        "ts",
        "kind",
        "role",
        "name",
        "call_id",
        "parent_call_id",
        "tool_kind",
        "status",
        "exit_code",
        "duration_ms",
        "model",
    ] {
        let v = display(e, k);
        if !v.is_empty() {
            let _ = write!(b, "<div><dt>{k}</dt><dd>{}</dd></div>", escape(&v));
        }
    }
    b.push_str("</dl>");
    for k in ["text", "input_json", "output_text", "raw"] {
        if let Some(v) = text(e, k) {
            let _ = write!(b, r#"<h2>{k}</h2><pre class="full">{}</pre>"#, escape(v));
        }
    }
    page("Event", Nav::Run, Some(collection), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{ArtifactView, CatalogRun};
    use serde_json::json;
    use wharf_model::QueueStatus;

    const PWN: &str = "<script>document.title='pwned'</script> [x](javascript:alert(1)) \"><img src=x onerror=alert(1)>";

    fn row(v: serde_json::Value) -> Row {
        v.as_object().unwrap().clone()
    }

    fn sample() -> RunPageData {
        RunPageData {
            run_id: "0190a3c4-0000-7000-8000-000000000001".into(),
            catalog: Some(CatalogRun {
                status: QueueStatus::Done(wharf_model::RunStatus::Succeeded),
                agent: Some("command".into()),
                ..Default::default()
            }),
            record: Some(row(
                json!({"runbook_name": "write-report", "runbook_version": "1.0", "runtime": "command", "model": "m", "attempts": 2, "passed": true, "final_score": 1.0, "cost_usd": 0.5, "input_tokens": 10, "output_tokens": 20, "duration_ms": 1500}),
            )),
            kept_attempt: Some(2),
            steps: crate::run::steps_of(
                &[
                    row(
                        json!({"attempt": 1, "seq": 1, "kind": "tool_call", "name": "shell", "call_id": "a", "summary": PWN}),
                    ),
                    row(
                        json!({"attempt": 1, "seq": 2, "kind": "tool_result", "call_id": "a", "exit_code": 0}),
                    ),
                ],
                false,
            ),
            steps_truncated: false,
            event_count: 1200,
            page: 1,
            events: vec![
                row(
                    json!({"attempt": 1, "seq": 501, "kind": "tool_result", "output_text": PWN, "output_text_len": 9000}),
                ),
                row(
                    json!({"attempt": 1, "seq": 502, "kind": "assistant_message", "text": PWN, "text_len": 50}),
                ),
            ],
            scores: vec![
                row(
                    json!({"attempt": 1, "grader_name": "rubric", "grader_model": "judge-1", "criterion": "Accuracy", "value": 2.0, "max_value": 5.0, "passed": false, "explanation": PWN}),
                ),
                row(
                    json!({"attempt": 2, "grader_name": "rubric", "criterion": "Accuracy", "value": 5.0, "max_value": 5.0, "passed": true, "explanation": "fixed"}),
                ),
            ],
            artifacts: vec![
                ArtifactView {
                    row: row(
                        json!({"attempt": 2, "path": "dir/report <1>.md", "role": "primary", "size": 30, "object_key": "k"}),
                    ),
                    preview: Preview::Text(PWN.into()),
                },
                ArtifactView {
                    row: row(
                        json!({"attempt": 2, "path": "chart.png", "role": "output", "size": 30, "object_key": "k2"}),
                    ),
                    preview: Preview::Image,
                },
            ],
            labels: vec![row(json!({"key": "note\"", "value": PWN, "author": "ana"}))],
            llm_calls: vec![
                row(
                    json!({"started_at": "2026-01-02 03:04:05", "provider": "openai", "api": "responses", "model": PWN, "status_code": 200, "latency_ms": 1200, "ttft_ms": 300, "input_tokens": 1000, "output_tokens": 50, "cost_usd": 0.01, "streamed": true}),
                ),
                row(
                    json!({"started_at": "2026-01-02 03:04:07", "provider": "openai", "api": "responses", "model": "gpt", "status_code": 429, "latency_ms": 20, "error": PWN, "streamed": false}),
                ),
            ],
            llm_totals: Some(row(
                json!({"calls": 2, "failed": 1, "input_tokens": 1000, "output_tokens": 50, "cost_usd": 0.01, "latency_ms": 1220}),
            )),
        }
    }

    #[test]
    fn the_run_page_shows_everything_and_nothing_executes() {
        let html = render(&sample(), "default");
        for needle in [
            "write-report v1.0",
            r#"<div class="markdown">"#,
            "kept attempt</dt><dd>2",
            "Attempt 2 (kept)",
            "rubric (judge-1)",
            "2 / 5",
            r#"href="/runs/0190a3c4-0000-7000-8000-000000000001/events/1/501">show all (9,000 chars)"#,
            r#"href="/runs/0190a3c4-0000-7000-8000-000000000001?page=0#timeline""#,
            r#"href="/runs/0190a3c4-0000-7000-8000-000000000001?page=2#timeline""#,
            "events 501–1,000 of 1,200",
            r#"src="/api/v1/runs/0190a3c4-0000-7000-8000-000000000001/artifacts/chart.png?attempt=2""#,
            r#"/artifacts/dir/report%20%3C1%3E.md?attempt=2" download"#,
            r#"data-key="note&quot;""#,
            r#"data-live="false""#,
            "id=\"label-form\"",
            "id=\"replay-next\"",
            "state-done",
            r#"data-offset="500" data-total="1200" data-prev="/runs/0190a3c4-0000-7000-8000-000000000001?page=0" data-next="/runs/0190a3c4-0000-7000-8000-000000000001?page=2""#,
            r#"id="llm-totals">2 calls · 1 failed · 1,000 in / 50 out tokens"#,
            r#"<tr class="failed">"#,
            r#"<span class="tag">stream</span>"#,
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(!html.contains("<script>document"), "script tag not escaped");
        assert!(!html.contains("<img src=x"), "attribute breakout");
        assert!(!html.contains("href=\"javascript"), "javascript link");
        assert!(html.contains("&lt;script&gt;document.title=&#39;pwned&#39;"));
    }

    #[test]
    fn replay_links_stop_at_the_ends_and_calls_may_be_absent() {
        let mut d = sample();
        d.page = 2;
        d.llm_calls.clear();
        d.llm_totals = None;
        let html = render(&d, "c");
        assert!(html.contains(
            r#"data-prev="/runs/0190a3c4-0000-7000-8000-000000000001?page=1" data-next="">"#
        ));
        assert!(html.contains("No model calls recorded"));
        d.page = 0;
        d.event_count = 3;
        let html = render(&d, "c");
        assert!(html.contains(r#"data-offset="0" data-total="3" data-prev="" data-next="">"#));
    }

    #[test]
    fn a_live_run_is_followed_and_its_open_calls_run() {
        let mut d = sample();
        d.catalog = Some(CatalogRun {
            status: QueueStatus::Running,
            ..Default::default()
        });
        d.record = None;
        let html = render(&d, "c");
        assert!(html.contains(r#"data-live="true""#));
        assert!(html.contains("following the run live"));
    }

    #[test]
    fn the_event_page_shows_full_fields_escaped() {
        let e = row(
            json!({"attempt": 1, "seq": 3, "kind": "tool_result", "output_text": PWN, "raw": "{\"a\":1}"}),
        );
        let html = render_event("0190a3c4-0000-7000-8000-000000000001", &e, "c");
        assert!(html.contains("<h2>output_text</h2>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>document"));
    }
}
