use serde_json::{Value, json};

use crate::support::{SHELL_THEN_TEXT, json, post, server, sse};

/// claude-code's Bash tool, trimmed.
fn bash() -> Value {
    json!({"name": "Bash", "description": "run", "input_schema": {"type": "object",
        "properties": {"command": {"type": "string"}, "timeout": {"type": "number"},
                       "description": {"type": "string"}}, "required": ["command"]}})
}

fn request(stream: bool) -> Value {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 1000, "stream": stream,
           "system": [{"type": "text", "text": "You are Claude Code."}],
           "tools": [bash()],
           "messages": [{"role": "user", "content": [{"type": "text", "text": "go"}]}]})
}

const HEADERS: &[(&str, &str)] = &[("anthropic-version", "2023-06-01")];

#[tokio::test]
async fn stream_has_message_and_block_events() {
    let srv = server(SHELL_THEN_TEXT);
    let (status, ct, text) = post(
        &srv.base_url(),
        "/v1/messages?beta=true",
        &request(true),
        HEADERS,
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/event-stream"));
    let events = sse(&text);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_deref().unwrap()).collect();
    assert_eq!(names[0], "message_start");
    assert_eq!(names[names.len() - 2], "message_delta");
    assert_eq!(names[names.len() - 1], "message_stop");
    let datas: Vec<Value> = events.iter().map(|(_, d)| json(d)).collect();
    for (d, (name, _)) in datas.iter().zip(&events) {
        assert_eq!(d["type"].as_str(), name.as_deref());
    }
    let start = &datas[0]["message"];
    assert_eq!(start["role"], "assistant");
    assert_eq!(start["model"], "claude-sonnet-4-5");
    // Anthropic counts cached and cache-write tokens apart from input_tokens.
    assert_eq!(start["usage"]["input_tokens"], 300);
    assert_eq!(start["usage"]["cache_read_input_tokens"], 800);
    assert_eq!(start["usage"]["cache_creation_input_tokens"], 100);

    let starts: Vec<&Value> = datas
        .iter()
        .filter(|d| d["type"] == "content_block_start")
        .collect();
    assert_eq!(starts[0]["content_block"]["type"], "text");
    assert_eq!(starts[1]["content_block"]["type"], "tool_use");
    assert_eq!(starts[1]["content_block"]["name"], "Bash");
    assert!(
        starts[1]["content_block"]["id"]
            .as_str()
            .unwrap()
            .starts_with("toolu_")
    );
    let mut text = String::new();
    let mut partial = String::new();
    for d in datas.iter().filter(|d| d["type"] == "content_block_delta") {
        match d["delta"]["type"].as_str().unwrap() {
            "text_delta" => text.push_str(d["delta"]["text"].as_str().unwrap()),
            "input_json_delta" => {
                assert_eq!(d["index"], 1);
                partial.push_str(d["delta"]["partial_json"].as_str().unwrap());
            }
            other => panic!("unexpected delta {other}"),
        }
    }
    assert_eq!(text, "Running it.");
    let input = json(&partial);
    assert_eq!(input["command"], "echo hi > out.txt");
    assert!(input["description"].is_string());
    assert_eq!(
        datas
            .iter()
            .filter(|d| d["type"] == "content_block_stop")
            .count(),
        2
    );
    let delta = &datas[datas.len() - 2];
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    assert_eq!(delta["usage"]["output_tokens"], 60);
}

#[tokio::test]
async fn plain_reply_is_a_message() {
    let srv = server(SHELL_THEN_TEXT);
    let mut body = request(false);
    body["messages"].as_array_mut().unwrap().extend([
        json!({"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}]}),
        json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}),
    ]);
    let (status, _, text) = post(&srv.base_url(), "/v1/messages", &body, HEADERS).await;
    assert_eq!(status, 200);
    let v = json(&text);
    assert_eq!(v["type"], "message");
    assert_eq!(v["content"], json!([{"type": "text", "text": "All done."}]));
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(v["usage"]["input_tokens"], 1000);
    assert_eq!(v["usage"]["output_tokens"], 50);
}

#[tokio::test]
async fn plain_tool_use_block() {
    let srv = server(SHELL_THEN_TEXT);
    let (_, _, text) = post(&srv.base_url(), "/v1/messages", &request(false), HEADERS).await;
    let v = json(&text);
    assert_eq!(v["stop_reason"], "tool_use");
    assert_eq!(v["content"][1]["type"], "tool_use");
    assert_eq!(v["content"][1]["input"]["command"], "echo hi > out.txt");
}

#[tokio::test]
async fn count_tokens_answers() {
    let srv = server(SHELL_THEN_TEXT);
    let (status, _, text) = post(
        &srv.base_url(),
        "/v1/messages/count_tokens",
        &request(false),
        HEADERS,
    )
    .await;
    assert_eq!(status, 200);
    assert!(json(&text)["input_tokens"].as_u64().unwrap() > 0);
}
