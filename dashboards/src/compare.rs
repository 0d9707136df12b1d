//! `/compare?a=...&b=...`: two runs or two groups of runs (each a run id or a condition
//! over `runs`, picked from suggestions built from the collection's runtimes, models,
//! runbooks and labels) through the query layer's comparison; for two single runs, their
//! scores side by side, their build logs aligned step by step, and a line diff of the text
//! outputs they share.

use std::collections::BTreeMap;
use std::fmt::Write;

use futures::TryFutureExt;
use serde::Deserialize;
use wharf_ingest::ObjectStorage;
use wharf_query::evaluation::{Comparison, Selection, compare, json_rows};
use wharf_query::{Session, kept_attempts_of_runs, kept_scores_via_runs};
use wharf_stats::{BootstrapOptions, Interval};

use crate::diff::{self, Line, Pair};
use crate::error::{DashResult, DashboardError};
use crate::escape::{escape, sql_literal, url_encode};
use crate::layout::{Nav, count, duration, page, score, usd};
use crate::preview::has_extension;
use crate::rows::{Row, display, int, num, text};
use crate::run::{Step, load_steps};

/// Text outputs diffed at most, and the largest diffed.
const MAX_DIFFS: usize = 10;
const MAX_DIFF_BYTES: i64 = 256 * 1024;

/// `?a=&b=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompareQuery {
    /// Run id or condition.
    #[serde(default)]
    pub a: Option<String>,
    /// Run id or condition.
    #[serde(default)]
    pub b: Option<String>,
}

/// One output file of both runs.
#[derive(Debug, Clone, PartialEq)]
pub struct FileDiff {
    /// Its path, relative to the results directory.
    pub path: String,
    /// Contents in A and B (`None` when too large or binary).
    pub texts: Option<(String, String)>,
}

/// Two single runs side by side.
#[derive(Debug, Clone, Default)]
pub struct RunPair {
    /// Kept scores of A (`grader_name, criterion, value, max_value, passed, explanation`).
    pub scores_a: Vec<Row>,
    /// Kept scores of B.
    pub scores_b: Vec<Row>,
    /// Kept outputs with the same path.
    pub files: Vec<FileDiff>,
    /// A's build log.
    pub steps_a: Vec<Step>,
    /// B's build log.
    pub steps_b: Vec<Step>,
    /// Whether either build log was cut at its limit.
    pub steps_truncated: bool,
}

/// The compare page.
#[derive(Debug, Clone, Default)]
pub struct CompareData {
    /// Side A as typed (trimmed): a run id or a condition over `runs`.
    pub a: String,
    /// Side B as typed (trimmed): a run id or a condition over `runs`.
    pub b: String,
    /// The comparison, when both sides are given.
    pub report: Option<Comparison>,
    /// For two single runs.
    pub pair: Option<RunPair>,
    /// Selections to pick from (`(label, condition)`): each runtime, model and runbook, and
    /// the most used labels.
    pub suggestions: Vec<(String, String)>,
}

/// Label values offered as groups at most.
const MAX_LABEL_SUGGESTIONS: usize = 40;

/// What the pickers offer: a condition over `runs` per runtime, model and runbook, and per
/// frequent (non-reserved) label value.
async fn suggestions(session: &Session) -> DashResult<Vec<(String, String)>> {
    let q_labels = format!(
        "SELECT key, value, count(*) AS n FROM latest_labels WHERE key NOT LIKE 'wharf.%' \
         GROUP BY key, value ORDER BY n DESC, key, value LIMIT {MAX_LABEL_SUGGESTIONS}"
    );
    let (options, labels) = futures::try_join!(
        json_rows(session, crate::overview::FILTER_OPTIONS_SQL, 800),
        json_rows(session, &q_labels, MAX_LABEL_SUGGESTIONS),
    )?;
    let mut out = Vec::new();
    for r in &options {
        let column = match display(r, "k").as_str() {
            "runbook" => "runbook_name",
            "runtime" => "runtime",
            "model" => "model",
            _ => continue,
        };
        let v = display(r, "v");
        out.push((
            format!("{column} {v}"),
            format!("{column} = {}", sql_literal(&v)),
        ));
    }
    for r in &labels {
        let (k, v) = (display(r, "key"), display(r, "value"));
        out.push((
            format!("label {k}={v} ({} runs)", display(r, "n")),
            format!(
                "run_id IN (SELECT run_id FROM latest_labels WHERE key = {} AND value = {})",
                sql_literal(&k),
                sql_literal(&v)
            ),
        ));
    }
    Ok(out)
}

fn is_text_output(path: &str, content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.contains("json")
        || has_extension(
            path,
            &[
                ".md", ".txt", ".json", ".csv", ".log", ".yaml", ".yml", ".html", ".py", ".sh",
            ],
        )
}

/// Loads the comparison of `q.a` and `q.b` (nothing when either is missing).
pub async fn load(
    session: &Session,
    objects: &ObjectStorage,
    q: CompareQuery,
) -> DashResult<CompareData> {
    let a = q.a.unwrap_or_default().trim().to_owned();
    let b = q.b.unwrap_or_default().trim().to_owned();
    let mut data = CompareData {
        a: a.clone(),
        b: b.clone(),
        ..Default::default()
    };
    if a.is_empty() || b.is_empty() {
        data.suggestions = suggestions(session).await?;
        return Ok(data);
    }
    let (sa, sb) = (Selection::parse(&a)?, Selection::parse(&b)?);
    let report = async {
        Ok::<_, DashboardError>(compare(session, &sa, &sb, &BootstrapOptions::default()).await?)
    };
    let (offered, report) = futures::try_join!(suggestions(session), report)?;
    data.suggestions = offered;
    data.report = Some(report);
    if let (Selection::Run(ra), Selection::Run(rb)) = (&sa, &sb) {
        let ids = format!("{}, {}", sql_literal(ra), sql_literal(rb));
        let kept = kept_attempts_of_runs(&format!("run_id IN ({ids})"));
        let scores = |id: &str| {
            format!(
                "SELECT grader_name, criterion, value, max_value, passed, explanation \
                 FROM ({}) ORDER BY grader_name, criterion",
                kept_scores_via_runs(&format!("run_id = {}", sql_literal(id)))
            )
        };
        let outputs = format!(
            "SELECT a.run_id, a.path, a.size, a.content_type, a.object_key FROM artifacts a \
             JOIN ({kept}) p ON p.run_id = a.run_id AND a.attempt = p.kept_attempt \
             WHERE a.run_id IN ({ids}) AND a.role <> 'input' AND a.object_key IS NOT NULL \
             ORDER BY a.path"
        );
        let (q_a, q_b) = (scores(ra), scores(rb));
        let (scores_a, scores_b, files, (steps_a, cut_a), (steps_b, cut_b)) = futures::try_join!(
            json_rows(session, &q_a, 1_000).map_err(DashboardError::from),
            json_rows(session, &q_b, 1_000).map_err(DashboardError::from),
            json_rows(session, &outputs, 2_000).map_err(DashboardError::from),
            load_steps(session, ra, false),
            load_steps(session, rb, false),
        )?;
        let mut by_path: BTreeMap<String, (Option<Row>, Option<Row>)> = BTreeMap::new();
        for f in files {
            let slot = by_path.entry(display(&f, "path")).or_default();
            if text(&f, "run_id") == Some(ra.as_str()) {
                slot.0 = Some(f);
            } else {
                slot.1 = Some(f);
            }
        }
        let mut diffs = Vec::new();
        for (path, pair) in by_path {
            let (Some(fa), Some(fb)) = pair else { continue };
            if diffs.len() >= MAX_DIFFS {
                break;
            }
            let small = |f: &Row| int(f, "size").unwrap_or(i64::MAX) <= MAX_DIFF_BYTES;
            let texty = is_text_output(&path, &display(&fa, "content_type"));
            let texts = match (text(&fa, "object_key"), text(&fb, "object_key")) {
                (Some(ka), Some(kb)) if texty && small(&fa) && small(&fb) => {
                    // An unreadable object means no diff, not a failed page.
                    match futures::try_join!(objects.get(ka), objects.get(kb)) {
                        Ok((x, y)) => Some((
                            String::from_utf8_lossy(&x).into_owned(),
                            String::from_utf8_lossy(&y).into_owned(),
                        )),
                        Err(_) => None,
                    }
                }
                _ => None,
            };
            diffs.push(FileDiff { path, texts });
        }
        data.pair = Some(RunPair {
            scores_a,
            scores_b,
            files: diffs,
            steps_a,
            steps_b,
            steps_truncated: cut_a || cut_b,
        });
    }
    Ok(data)
}

fn interval(i: &Option<Interval>, show: &dyn Fn(f64) -> String) -> String {
    match i {
        None => "—".into(),
        Some(i) => format!(
            r#"{} <span class="muted">[{}, {}]</span>"#,
            show(i.estimate),
            show(i.low),
            show(i.high)
        ),
    }
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn signed_pct(v: f64) -> String {
    format!("{:+.0} pts", v * 100.0)
}

fn report(c: &Comparison) -> String {
    let mut out = String::from(
        r#"<section class="card"><h2>Groups</h2><table id="compare-groups"><thead><tr><th></th><th>A</th><th>B</th><th>B − A</th></tr></thead><tbody>"#,
    );
    let runs_link = |ids: &[String]| -> String {
        ids.iter()
            .take(5)
            .map(|id| {
                format!(
                    r#"<a class="mono" href="/runs/{}">{}…</a>"#,
                    url_encode(id),
                    escape(&id.chars().take(8).collect::<String>())
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let usd_f = |v: f64| usd(Some(v));
    let dur_f = |v: f64| duration(Some(v));
    let score_f = |v: f64| score(Some(v));
    let rows: Vec<(&str, String, String, String)> = vec![
        (
            "selection",
            escape(&c.a.selection),
            escape(&c.b.selection),
            String::new(),
        ),
        (
            "runs",
            format!("{} {}", c.a.runs, runs_link(&c.a.run_ids)),
            format!("{} {}", c.b.runs, runs_link(&c.b.run_ids)),
            String::new(),
        ),
        (
            "passed / evaluated",
            format!("{} / {}", c.a.passed, c.a.evaluated),
            format!("{} / {}", c.b.passed, c.b.evaluated),
            String::new(),
        ),
        (
            "pass rate",
            interval(&c.a.pass_rate, &pct),
            interval(&c.b.pass_rate, &pct),
            interval(&c.pass_rate_difference, &signed_pct),
        ),
        (
            "final score",
            interval(&c.a.final_score, &score_f),
            interval(&c.b.final_score, &score_f),
            interval(&c.final_score_difference, &score_f),
        ),
        (
            "cost per run",
            interval(&c.a.cost_usd, &usd_f),
            interval(&c.b.cost_usd, &usd_f),
            interval(&c.cost_difference, &usd_f),
        ),
        (
            "duration",
            interval(&c.a.duration_ms, &dur_f),
            interval(&c.b.duration_ms, &dur_f),
            interval(&c.duration_difference, &dur_f),
        ),
        (
            "runtimes",
            escape(&c.a.runtimes.join(", ")),
            escape(&c.b.runtimes.join(", ")),
            String::new(),
        ),
        (
            "models",
            escape(&c.a.models.join(", ")),
            escape(&c.b.models.join(", ")),
            String::new(),
        ),
    ];
    for (k, a, b, d) in rows {
        let _ = write!(
            out,
            "<tr><th>{k}</th><td>{a}</td><td>{b}</td><td>{d}</td></tr>"
        );
    }
    out.push_str("</tbody></table>");
    for w in &c.warnings {
        let _ = write!(out, r#"<p class="warning">{}</p>"#, escape(w));
    }
    out.push_str(r#"</section><section class="card"><h2>Per criterion <small>(kept attempts; mean [95% interval])</small></h2><table id="compare-criteria"><thead><tr><th>criterion</th><th>grader</th><th>n A</th><th>A</th><th>n B</th><th>B</th><th>B − A</th></tr></thead><tbody>"#);
    for k in &c.criteria {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&k.criterion),
            escape(&k.grader),
            k.n_a,
            interval(&k.a, &score_f),
            k.n_b,
            interval(&k.b, &score_f),
            interval(&k.difference, &score_f),
        );
    }
    if c.criteria.is_empty() {
        out.push_str(r#"<tr><td colspan="7" class="empty">no scores</td></tr>"#);
    }
    out.push_str("</tbody></table></section>");
    out
}

/// One criterion's score row in A and in B.
type ScorePair<'a> = (Option<&'a Row>, Option<&'a Row>);

fn pair(p: &RunPair) -> String {
    let mut out = String::from(
        r#"<section class="card"><h2>Scores side by side</h2><table id="compare-scores"><thead><tr><th>criterion</th><th>grader</th><th>A</th><th>B</th><th>A explanation</th><th>B explanation</th></tr></thead><tbody>"#,
    );
    let mut keys: BTreeMap<(String, String), ScorePair<'_>> = BTreeMap::new();
    for r in &p.scores_a {
        keys.entry((display(r, "grader_name"), display(r, "criterion")))
            .or_default()
            .0 = Some(r);
    }
    for r in &p.scores_b {
        keys.entry((display(r, "grader_name"), display(r, "criterion")))
            .or_default()
            .1 = Some(r);
    }
    let cell = |r: Option<&Row>| -> String {
        match r {
            None => "—".into(),
            Some(r) => {
                let mark = match r.get("passed").and_then(serde_json::Value::as_bool) {
                    Some(true) => " ✓",
                    Some(false) => " ✗",
                    None => "",
                };
                format!("{}{mark}", score(num(r, "value")))
            }
        }
    };
    let why = |r: Option<&Row>| escape(&r.map(|r| display(r, "explanation")).unwrap_or_default());
    for ((grader, criterion), (a, b)) in &keys {
        let changed = a.and_then(|r| num(r, "value")) != b.and_then(|r| num(r, "value"));
        let _ = write!(
            out,
            r#"<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="explanation">{}</td><td class="explanation">{}</td></tr>"#,
            if changed { r#" class="changed""# } else { "" },
            escape(criterion),
            escape(grader),
            cell(*a),
            cell(*b),
            why(*a),
            why(*b),
        );
    }
    if keys.is_empty() {
        out.push_str(r#"<tr><td colspan="6" class="empty">neither run has scores</td></tr>"#);
    }
    out.push_str(r#"</tbody></table></section><section class="card" id="diffs"><h2>Outputs with the same path</h2>"#);
    if p.files.is_empty() {
        out.push_str(r#"<p class="empty">No output path in common.</p>"#);
    }
    for f in &p.files {
        let _ = write!(out, r#"<h3 class="mono">{}</h3>"#, escape(&f.path));
        match &f.texts {
            None => {
                out.push_str(r#"<p class="muted">not a small, readable text file: no diff</p>"#)
            }
            Some((a, b)) if a == b => out.push_str(r#"<p class="muted">identical</p>"#),
            Some((a, b)) => match diff::lines(a, b) {
                None => out.push_str(r#"<p class="muted">too many lines to diff</p>"#),
                Some(lines) => {
                    out.push_str(r#"<pre class="diff">"#);
                    for l in lines {
                        let (class, mark, t) = match l {
                            Line::Same(t) => ("same", ' ', t),
                            Line::Removed(t) => ("del", '-', t),
                            Line::Added(t) => ("add", '+', t),
                        };
                        let _ =
                            writeln!(out, r#"<span class="{class}">{mark} {}</span>"#, escape(t));
                    }
                    out.push_str("</pre>");
                }
            },
        }
    }
    out.push_str("</section>");
    out
}

/// What makes two steps "the same step" when aligning: a tool call's tool, a log or
/// error line's text, otherwise its kind.
fn step_key(s: &Step) -> (&str, &str) {
    match s.kind.as_str() {
        "tool_call" => (&s.kind, s.name.as_deref().unwrap_or("")),
        "log" | "error" => (&s.kind, &s.summary),
        _ => (&s.kind, ""),
    }
}

fn step_cell(s: Option<&Step>) -> String {
    let Some(s) = s else {
        return r#"<td class="gap"></td>"#.into();
    };
    let mut what = escape(&s.kind);
    if let Some(n) = &s.name {
        let _ = write!(what, " <b>{}</b>", escape(n));
    }
    let mut facts = String::new();
    if s.duration_ms.is_some() {
        let _ = write!(facts, " {}", duration(s.duration_ms));
    }
    if s.tokens.is_some() {
        let _ = write!(facts, " {} tokens", count(s.tokens));
    }
    format!(
        r#"<td class="step state-{}"><span class="state">{}</span> <span class="mono">{}.{}</span> {what}<span class="muted">{facts}</span><div class="summary">{}</div></td>"#,
        escape(&s.state),
        escape(&s.state),
        s.attempt,
        s.seq,
        escape(&s.summary),
    )
}

fn aligned(p: &RunPair) -> String {
    let mut out = String::from(
        r#"<section class="card" id="aligned"><h2>Timelines aligned <small>(steps matched by tool, log line or kind)</small></h2>"#,
    );
    let ka: Vec<_> = p.steps_a.iter().map(step_key).collect();
    let kb: Vec<_> = p.steps_b.iter().map(step_key).collect();
    let Some(pairs) = diff::align(&ka, &kb) else {
        out.push_str(r#"<p class="muted">too many steps to align</p></section>"#);
        return out;
    };
    let (mut both, mut only_a, mut only_b) = (0, 0, 0);
    let mut rows = String::new();
    for pair in pairs {
        let (a, b, class) = match pair {
            Pair::Both(i, j) => {
                both += 1;
                let (a, b) = (&p.steps_a[i], &p.steps_b[j]);
                let class = if a.state == b.state {
                    "same"
                } else {
                    "changed"
                };
                (Some(a), Some(b), class)
            }
            Pair::OnlyA(i) => {
                only_a += 1;
                (Some(&p.steps_a[i]), None, "only-a")
            }
            Pair::OnlyB(j) => {
                only_b += 1;
                (None, Some(&p.steps_b[j]), "only-b")
            }
        };
        let _ = write!(
            rows,
            r#"<tr class="{class}">{}{}</tr>"#,
            step_cell(a),
            step_cell(b)
        );
    }
    let _ = write!(
        out,
        r#"<p id="aligned-summary">{both} steps in both · {only_a} only in A · {only_b} only in B</p><table class="aligned"><thead><tr><th>A</th><th>B</th></tr></thead><tbody>{rows}"#
    );
    if ka.is_empty() && kb.is_empty() {
        out.push_str(r#"<tr><td colspan="2" class="empty">no steps recorded</td></tr>"#);
    }
    out.push_str("</tbody></table>");
    if p.steps_truncated {
        let _ = write!(
            out,
            r#"<p class="muted">Aligned over the first {} steps of each run.</p>"#,
            crate::run::MAX_STEPS
        );
    }
    out.push_str("</section>");
    out
}

/// The compare page (the form, and the report when there is one).
pub fn render(d: &CompareData, collection: &str) -> String {
    let mut b = String::from("<h1>Compare</h1>");
    let _ = write!(
        b,
        r#"<form class="filters" method="get" action="/compare" id="compare-form"><label>A <input name="a" size="50" list="selections" value="{}" placeholder="run id, or a condition over runs: runtime = 'codex'"></label> <label>B <input name="b" size="50" list="selections" value="{}" placeholder="run id or condition"></label> <button type="submit">Compare</button><datalist id="selections">"#,
        escape(&d.a),
        escape(&d.b)
    );
    for (label, condition) in &d.suggestions {
        let _ = write!(
            b,
            r#"<option value="{}" label="{}"></option>"#,
            escape(condition),
            escape(label)
        );
    }
    b.push_str("</datalist></form>");
    match &d.report {
        None => b.push_str(r#"<p class="muted">Give two run ids, or two conditions over <code>runs</code> (e.g. <code>runtime = 'codex'</code> vs <code>runtime = 'claude-code'</code>, or <code>run_id IN (SELECT run_id FROM latest_labels WHERE key = 'arm' AND value = 'A')</code>).</p>"#),
        Some(c) => b.push_str(&report(c)),
    }
    if let Some(p) = &d.pair {
        b.push_str(&pair(p));
        b.push_str(&aligned(p));
    }
    page("Compare", Nav::Compare, Some(collection), &b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wharf_query::evaluation::{CriterionComparison, GroupSummary};

    fn group(sel: &str, ids: Vec<String>) -> GroupSummary {
        GroupSummary {
            selection: sel.into(),
            runs: ids.len(),
            evaluated: 1,
            passed: 1,
            pass_rate: Some(Interval {
                estimate: 1.0,
                low: 1.0,
                high: 1.0,
                confidence: 0.95,
            }),
            final_score: None,
            cost_usd: None,
            duration_ms: None,
            runtimes: vec!["command".into()],
            models: vec![],
            run_ids: ids,
        }
    }

    fn row(v: serde_json::Value) -> Row {
        v.as_object().unwrap().clone()
    }

    fn step(seq: i64, kind: &str, name: Option<&str>, summary: &str, state: &str) -> Step {
        Step {
            attempt: 1,
            seq,
            kind: kind.into(),
            name: name.map(Into::into),
            summary: summary.into(),
            state: state.into(),
            duration_ms: None,
            tokens: None,
        }
    }

    #[test]
    fn two_runs_side_by_side_with_a_diff() {
        let d = CompareData {
            a: "<a>".into(),
            b: "runtime = 'x'".into(),
            report: Some(Comparison {
                a: group("<a>", vec!["0190a3c4-0000-7000-8000-000000000001".into()]),
                b: group("runtime = 'x'", vec![]),
                pass_rate_difference: Some(Interval {
                    estimate: -0.5,
                    low: -1.0,
                    high: 0.0,
                    confidence: 0.95,
                }),
                final_score_difference: None,
                cost_difference: None,
                duration_difference: None,
                criteria: vec![CriterionComparison {
                    grader: "rubric".into(),
                    criterion: "<Accuracy>".into(),
                    n_a: 1,
                    n_b: 1,
                    a: None,
                    b: None,
                    difference: None,
                }],
                warnings: vec!["<w>".into()],
            }),
            pair: Some(RunPair {
                scores_a: vec![row(
                    json!({"grader_name": "rubric", "criterion": "Accuracy", "value": 2.0, "passed": false, "explanation": "<b>bad</b>"}),
                )],
                scores_b: vec![row(
                    json!({"grader_name": "rubric", "criterion": "Accuracy", "value": 5.0, "passed": true}),
                )],
                files: vec![FileDiff {
                    path: "report.md".into(),
                    texts: Some(("same\n<old>\n".into(), "same\n<new>\n".into())),
                }],
                steps_a: vec![
                    step(1, "tool_call", Some("Bash"), "ls", "done"),
                    step(2, "tool_call", Some("Read"), "<a.md>", "done"),
                    step(3, "tool_call", Some("Write"), "x", "failed"),
                ],
                steps_b: vec![
                    step(1, "tool_call", Some("Bash"), "ls -la", "done"),
                    step(2, "tool_call", Some("Write"), "x", "done"),
                    step(3, "log", None, "<extra>", "done"),
                ],
                steps_truncated: false,
            }),
            suggestions: vec![(
                "label arm=<A> (2 runs)".into(),
                "run_id IN (SELECT run_id FROM latest_labels WHERE key = 'arm' AND value = '<A>')"
                    .into(),
            )],
        };
        let html = render(&d, "c");
        for needle in [
            r#"value="&lt;a&gt;""#,
            "runtime = &#39;x&#39;",
            "-50 pts",
            "&lt;Accuracy&gt;",
            r#"<p class="warning">&lt;w&gt;</p>"#,
            r#"<tr class="changed"><td>Accuracy</td>"#,
            "&lt;b&gt;bad&lt;/b&gt;",
            r#"<span class="del">- &lt;old&gt;</span>"#,
            r#"<span class="add">+ &lt;new&gt;</span>"#,
            r#"<span class="same">  same</span>"#,
            r#"href="/runs/0190a3c4-0000-7000-8000-000000000001""#,
            r#"id="aligned-summary">2 steps in both · 1 only in A · 1 only in B"#,
            r#"<tr class="same"><td class="step state-done">"#,
            r#"<tr class="only-a"><td class="step state-done"><span class="state">done</span> <span class="mono">1.2</span> tool_call <b>Read</b>"#,
            r#"<tr class="changed">"#,
            r#"<td class="gap"></td><td class="step state-done"><span class="state">done</span> <span class="mono">1.3</span> log"#,
            "&lt;a.md&gt;",
            r#"<option value="run_id IN (SELECT run_id FROM latest_labels WHERE key = &#39;arm&#39; AND value = &#39;&lt;A&gt;&#39;)" label="label arm=&lt;A&gt; (2 runs)">"#,
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(!html.contains("<old>") && !html.contains("<b>bad") && !html.contains("<a.md>"));
    }

    #[test]
    fn without_both_sides_only_the_form() {
        let html = render(&CompareData::default(), "c");
        assert!(html.contains("compare-form"));
        assert!(!html.contains("compare-groups"));
    }
}
