//! Deterministic synthetic trajectories shaped like real agent CLI runs.
//!
//! Text sizes, event mixes and `raw` lines follow the captures in
//! `shared/reference/agent-events/` (claude-code, codex, gemini-cli, opencode, hermes):
//! a mission prompt, assistant turns, shell/read/write tool calls with outputs of a few
//! hundred bytes to a few KiB, usage reports, then scores, labels, artifacts and LLM calls.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use wharf_model::{
    ArtifactRecord, ArtifactRole, EventKind, EventRecord, GraderKind, LabelRecord, LlmApi,
    LlmCallRecord, Record, RunRecord, RunSource, RunStatus, ScoreRecord, ToolKind, TypeTag,
};

/// splitmix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A uniformly chosen element of `items`; panics when `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const RUNTIMES: &[(&str, &str, &str, &str)] = &[
    ("claude-code", "2.1.197", "claude-sonnet-4-5", "anthropic"),
    ("codex", "0.169.0", "gpt-5.1-codex", "openai"),
    ("gemini-cli", "0.61.0", "gemini-2.5-pro", "google"),
    ("opencode", "1.18.33", "openai/gpt-5.1", "openrouter"),
    (
        "hermes",
        "0.19.0",
        "anthropic/claude-sonnet-4.5",
        "openrouter",
    ),
];

const RUNBOOKS: &[&str] = &[
    "json-to-excel",
    "ambient-scribe-quality-gate",
    "company-contact-finder",
    "caveman",
    "ff-gay-intro-fr",
];

const CRITERIA: &[&str] = &[
    "Completeness",
    "Accuracy",
    "Formatting",
    "Instructions followed",
    "Report quality",
];

const TOOLS: &[(&str, ToolKind)] = &[
    ("Bash", ToolKind::Shell),
    ("Bash", ToolKind::Shell),
    ("Read", ToolKind::Read),
    ("Write", ToolKind::Write),
    ("Edit", ToolKind::Edit),
    ("Grep", ToolKind::Search),
    ("WebFetch", ToolKind::Web),
];

const COMMANDS: &[&str] = &[
    "python3 /app/scripts/convert.py --input /app/assets/data.json --output /app/results/output.xlsx",
    "uv pip install openpyxl pandas",
    "ls -la /app/assets /app/results",
    "python3 -c \"import json; d=json.load(open('/app/assets/data.json')); print(len(d))\"",
    "cat /app/results/validation_report.json",
    "pytest -q /app/tests",
];

const LOREM: &str = "The agent inspected the input files, wrote a conversion script, ran it against \
the sample data and compared the row counts with the source. Two columns needed type coercion \
(dates stored as strings, integers stored as floats) and one sheet name exceeded Excel's limit of \
31 characters, so it was shortened. The validation report lists every check with its outcome. ";

fn text(rng: &mut Rng, min: usize, max: usize) -> String {
    let len = min + rng.below((max - min + 1) as u64) as usize;
    let mut s = String::with_capacity(len + LOREM.len());
    while s.len() < len {
        s.push_str(LOREM);
    }
    let mut cut = len.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
}

/// A deterministic UUIDv7 for run `n` started at `at`.
pub fn run_id(at: DateTime<Utc>, n: u64) -> String {
    let mut rand = [0u8; 10];
    rand[..8].copy_from_slice(&n.to_be_bytes());
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis() as u64, &rand)
        .into_uuid()
        .to_string()
}

/// Shape of one generated run.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Events per run (approximate: the last turn may add two more).
    pub events_per_run: usize,
    /// Whether to add scores, labels, artifacts and LLM calls.
    pub extras: bool,
}

/// Generates run `n` (records in file order: header first).
pub fn run(rng: &mut Rng, n: u64, start: DateTime<Utc>, shape: Shape) -> Vec<Record> {
    let (runtime, version, model, provider) = *rng.pick(RUNTIMES);
    let runbook = *rng.pick(RUNBOOKS);
    let started = start + Duration::seconds((n * 37) as i64 + rng.below(30) as i64);
    let id = run_id(started, n);
    let mut out = Vec::with_capacity(shape.events_per_run + 16);
    let mut ts = started;
    let mut tokens_in = 0i64;
    let mut tokens_out = 0i64;
    let mut seq = 0i64;
    let push = |out: &mut Vec<Record>, ev: EventRecord| {
        out.push(Record::Event(ev));
    };
    let ev = |seq: i64, ts: DateTime<Utc>, kind: EventKind| {
        EventRecord::new(id.clone(), 1, seq, ts, kind)
    };
    let mut e = ev(seq, ts, EventKind::SessionStart);
    e.model = Some(model.into());
    e.raw = Some(json!({"type":"system","subtype":"init","cwd":"/app","model":model,"tools":["Bash","Read","Write","Edit","Grep","WebFetch"]}).to_string());
    push(&mut out, e);
    seq += 1;
    let mut e = ev(seq, ts, EventKind::UserMessage);
    e.role = Some("user".into());
    e.text = Some(format!("# {runbook}\n\n{}", text(rng, 600, 1800)));
    push(&mut out, e);
    let mut calls = 0u64;
    let mut failing = 0u64;
    while (seq as usize) + 1 < shape.events_per_run.saturating_sub(1) {
        seq += 1;
        ts += Duration::milliseconds(300 + rng.below(4000) as i64);
        let roll = rng.below(10);
        if roll < 2 {
            let mut e = ev(seq, ts, EventKind::AssistantMessage);
            e.role = Some("assistant".into());
            e.model = Some(model.into());
            e.text = Some(text(rng, 80, 700));
            let (i, o) = (1500 + rng.below(9000) as i64, 40 + rng.below(600) as i64);
            tokens_in += i;
            tokens_out += o;
            e.input_tokens = Some(i);
            e.output_tokens = Some(o);
            e.cache_read_tokens = Some(i * 3 / 4);
            push(&mut out, e);
        } else if roll < 3 {
            let mut e = ev(seq, ts, EventKind::Reasoning);
            e.text = Some(text(rng, 100, 500));
            push(&mut out, e);
        } else {
            let (tool, kind) = *rng.pick(TOOLS);
            calls += 1;
            let call_id = format!("toolu_{n:08x}_{calls:04}");
            let command = *rng.pick(COMMANDS);
            let input = match kind {
                ToolKind::Shell => json!({"command": command, "description": "run step"}),
                ToolKind::Read => json!({"file_path": "/app/assets/data.json"}),
                ToolKind::Write | ToolKind::Edit => {
                    json!({"file_path": "/app/scripts/convert.py", "content": text(rng, 200, 900)})
                }
                _ => json!({"pattern": "overall_passed", "path": "/app/results"}),
            };
            let mut c = ev(seq, ts, EventKind::ToolCall);
            c.name = Some(tool.into());
            c.tool_kind = Some(kind);
            c.call_id = Some(call_id.clone());
            c.raw = Some(json!({"type":"assistant","message":{"role":"assistant","model":model,"content":[{"type":"tool_use","id":call_id,"name":tool,"input":input}]}}).to_string());
            c.input = Some(input);
            push(&mut out, c);
            seq += 1;
            let took = 50 + rng.below(6000) as i64;
            ts += Duration::milliseconds(took);
            let failed = rng.below(12) == 0;
            failing += u64::from(failed);
            let output = if failed {
                format!(
                    "Traceback (most recent call last):\n  File \"/app/scripts/convert.py\", line 42\nKeyError: 'rows'\n{}",
                    text(rng, 50, 300)
                )
            } else {
                text(rng, 120, 2400)
            };
            let mut r = ev(seq, ts, EventKind::ToolResult);
            r.name = Some(tool.into());
            r.tool_kind = Some(kind);
            r.call_id = Some(call_id.clone());
            r.status = Some(if failed { "error" } else { "ok" }.into());
            r.exit_code = (kind == ToolKind::Shell).then_some(if failed { 1 } else { 0 });
            r.duration_ms = Some(took);
            r.raw = Some(json!({"type":"user","message":{"role":"user","content":[{"tool_use_id":call_id,"type":"tool_result","content":output.chars().take(200).collect::<String>(),"is_error":failed}]}}).to_string());
            r.output_text = Some(output);
            push(&mut out, r);
        }
    }
    seq += 1;
    let price_in = 3.0e-6;
    let price_out = 15.0e-6;
    let cost = tokens_in as f64 * price_in + tokens_out as f64 * price_out;
    let mut u = ev(seq, ts, EventKind::Usage);
    u.input_tokens = Some(tokens_in);
    u.output_tokens = Some(tokens_out);
    u.cost_usd = Some(cost);
    push(&mut out, u);
    seq += 1;
    ts += Duration::milliseconds(20);
    let mut end = ev(seq, ts, EventKind::SessionEnd);
    end.status = Some("completed".into());
    push(&mut out, end);

    let status_roll = rng.below(100);
    let status = match status_roll {
        0..=79 => RunStatus::Succeeded,
        80..=91 => RunStatus::Failed,
        92..=96 => RunStatus::Error,
        _ => RunStatus::Timeout,
    };
    let mut scores_mean = None;
    let mut passed = None;
    if shape.extras {
        let mut values = Vec::new();
        for (i, criterion) in CRITERIA.iter().enumerate() {
            let base = if status == RunStatus::Succeeded { 3 } else { 1 };
            let value = (base + rng.below(3)) as f64;
            values.push(value);
            out.push(Record::Score(ScoreRecord {
                grader_model: Some("gpt-5.1".into()),
                value: Some(value),
                max_value: Some(5.0),
                passed: Some(value >= 3.0),
                explanation: Some(format!("criterion {} judged on the output files", i + 1)),
                ..ScoreRecord::new(
                    id.clone(),
                    GraderKind::Rubric,
                    "rubric-judge",
                    *criterion,
                    ts + Duration::seconds(5),
                )
            }));
        }
        out.push(Record::Score(ScoreRecord {
            value: Some(if status == RunStatus::Succeeded {
                1.0
            } else {
                0.0
            }),
            label: Some(
                if status == RunStatus::Succeeded {
                    "PASS"
                } else {
                    "FAIL"
                }
                .into(),
            ),
            max_value: Some(1.0),
            passed: Some(status == RunStatus::Succeeded),
            ..ScoreRecord::new(
                id.clone(),
                GraderKind::Programmatic,
                "required-outputs",
                "output.xlsx exists and is non-empty",
                ts + Duration::seconds(2),
            )
        }));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        scores_mean = Some(mean);
        passed = Some(mean >= 4.0 && values.iter().all(|v| *v >= 3.0));
        for (path, role, size) in [
            (
                "output.xlsx",
                ArtifactRole::Primary,
                18_000 + rng.below(40_000) as i64,
            ),
            (
                "validation_report.json",
                ArtifactRole::Report,
                400 + rng.below(2000) as i64,
            ),
        ] {
            out.push(Record::Artifact(ArtifactRecord {
                type_tag: TypeTag,
                run_id: id.clone(),
                attempt: 1,
                collection: None,
                path: path.into(),
                role,
                size,
                sha256: None,
                content_type: None,
                object_key: Some(format!("artifacts/{id}/1/{path}")),
                created_at: ts,
            }));
        }
        if rng.below(4) == 0 {
            out.push(Record::Label(LabelRecord {
                type_tag: TypeTag,
                label_id: None,
                run_id: id.clone(),
                collection: None,
                key: "reviewed".into(),
                value: if rng.below(2) == 0 {
                    "good"
                } else {
                    "needs-work"
                }
                .into(),
                value_num: None,
                author: Some("reviewer@example.com".into()),
                note: None,
                created_at: ts + Duration::minutes(30),
            }));
        }
        let turns = 1 + calls / 2;
        for t in 0..turns {
            out.push(Record::LlmCall(LlmCallRecord {
                type_tag: TypeTag,
                call_id: format!("call_{n:08x}_{t:04}"),
                run_id: Some(id.clone()),
                collection: None,
                provider: provider.into(),
                api: match runtime {
                    "claude-code" => LlmApi::Messages,
                    "codex" => LlmApi::Responses,
                    "gemini-cli" => LlmApi::Gemini,
                    _ => LlmApi::Chat,
                },
                model: model.into(),
                started_at: started + Duration::seconds(t as i64 * 4),
                latency_ms: Some(800 + rng.below(9000) as i64),
                ttft_ms: Some(200 + rng.below(1500) as i64),
                status_code: Some(200),
                input_tokens: Some(tokens_in / turns as i64),
                output_tokens: Some(tokens_out / turns as i64),
                cache_read_tokens: Some(tokens_in / turns as i64 * 3 / 4),
                cache_write_tokens: None,
                reasoning_tokens: None,
                cost_usd: Some(cost / turns as f64),
                streamed: true,
                error: None,
            }));
        }
    }
    let run = RunRecord {
        task: Some(runbook.into()),
        source: RunSource::Sandbox,
        runbook_name: Some(runbook.into()),
        runbook_version: Some("1.0.0".into()),
        runtime: Some(runtime.into()),
        runtime_version: Some(version.into()),
        model: Some(model.into()),
        model_provider: Some(provider.into()),
        snapshot: Some("python312-uv".into()),
        parameters: Some(json!({"results_dir": "/app/results", "failing_tools": failing})),
        passed: if status == RunStatus::Succeeded {
            passed
        } else {
            Some(false)
        },
        final_score: scores_mean,
        ended_at: Some(ts),
        input_tokens: Some(tokens_in),
        output_tokens: Some(tokens_out),
        cache_read_tokens: Some(tokens_in * 3 / 4),
        cost_usd: Some(cost),
        cost_source: Some(wharf_model::CostSource::Computed),
        error: (status == RunStatus::Error).then(|| "agent exited with code 1".into()),
        ..RunRecord::new(id.clone(), status, started)
    };
    out.insert(0, Record::Run(run));
    out
}
