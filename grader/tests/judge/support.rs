use std::collections::BTreeMap;
use std::time::Duration;

use mock_llm::{MockServer, RecordedRequest, Script};
use serde_json::{Value, json};
use wharf_grader::{
    DigestEvent, Judge, JudgeConfig, JudgeInput, OutputFile, RetryPolicy, TrajectoryDigest,
};
use wharf_runbook::RubricCriterion;

pub const CRITERIA: [&str; 2] = ["Accuracy", "Clarity"];

/// A judge answer as JSON text.
pub fn answer(scores: &[(&str, u8, &str)]) -> String {
    json!({
        "criteria": scores.iter().map(|(c, s, e)| json!({"criterion": c, "score": s, "explanation": e})).collect::<Vec<_>>(),
        "summary": "summary text",
    })
    .to_string()
}

pub fn good() -> String {
    answer(&[
        ("Accuracy", 5, "all totals match"),
        ("Clarity", 4, "clear headings"),
    ])
}

/// A server answering plain chat requests with `turns` (each a JSON turn object).
pub fn server(turns: Vec<Value>) -> MockServer {
    server_with(json!({"toolless": "script"}), turns)
}

pub fn server_with(options: Value, turns: Vec<Value>) -> MockServer {
    let script = json!({"options": options, "turns": turns});
    MockServer::start(Script::from_yaml_str(&script.to_string()).unwrap()).unwrap()
}

pub fn text(t: &str) -> Value {
    json!({"text": t})
}

pub fn config(srv: &MockServer) -> JudgeConfig {
    let mut c = JudgeConfig::new(format!("{}/v1", srv.base_url()), "judge-model");
    c.api_key = Some("sk-judge".into());
    c.retry = RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
    };
    c
}

pub fn judge(srv: &MockServer) -> Judge {
    Judge::new(config(srv)).unwrap()
}

pub fn criterion(n: u32, name: &str) -> RubricCriterion {
    RubricCriterion {
        number: Some(n),
        name: name.into(),
        descriptors: BTreeMap::from([
            (5, format!("{name}: excellent")),
            (3, format!("{name}: adequate")),
            (1, format!("{name}: poor")),
        ]),
        line: 10 + n as usize,
    }
}

pub fn input() -> JudgeInput {
    JudgeInput {
        objective: "Summarise the quarterly sales data into report.md.".into(),
        criteria: CRITERIA
            .iter()
            .enumerate()
            .map(|(i, n)| criterion(i as u32 + 1, n))
            .collect(),
        outputs: vec![OutputFile::new(
            "report.md",
            b"# Report\nTotals: 42\n".to_vec(),
        )],
        digest: TrajectoryDigest::from_events(
            &[DigestEvent {
                kind: "tool_call".into(),
                name: Some("shell".into()),
                text: Some("python summarise.py".into()),
                status: Some("ok".into()),
            }],
            4000,
        ),
    }
}

/// The chat requests (model calls) the server received.
pub fn chat_requests(srv: &MockServer) -> Vec<RecordedRequest> {
    srv.requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .collect()
}

/// The text of message `i` of a recorded chat request.
pub fn message(r: &RecordedRequest, i: usize) -> String {
    r.body["messages"][i]["content"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| r.body["messages"][i]["content"].to_string())
}
