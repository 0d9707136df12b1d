use serde_json::{Value, json};

use crate::support::{SHELL_THEN_TEXT, json, post, server, sse};

/// The shell tool codex 0.169.0 declares.
fn exec_command() -> Value {
    json!({"type": "function", "name": "exec_command", "strict": false, "parameters": {
        "type": "object", "properties": {"cmd": {"type": "string"}, "workdir": {"type": "string"},
        "yield_time_ms": {"type": "number"}}, "required": ["cmd"], "additionalProperties": false}})
}

fn request(stream: bool, tools: Value) -> Value {
    json!({"model": "gpt-5.1-codex", "stream": stream, "tools": tools,
           "instructions": "be brief",
           "input": [{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "env"}]},
                     {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}]})
}

#[tokio::test]
async fn stream_has_the_events_codex_reads() {
    let srv = server(SHELL_THEN_TEXT);
    let body = request(true, json!([exec_command(), {"type": "web_search"}]));
    let (status, ct, text) = post(&srv.base_url(), "/v1/responses", &body, &[]).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/event-stream"));
    let events = sse(&text);
    let names: Vec<&str> = events.iter().map(|(e, _)| e.as_deref().unwrap()).collect();
    assert_eq!(names.first(), Some(&"response.created"));
    assert_eq!(names.last(), Some(&"response.completed"));
    for required in [
        "response.output_item.added",
        "response.output_text.delta",
        "response.function_call_arguments.delta",
        "response.output_item.done",
    ] {
        assert!(names.contains(&required), "missing {required}: {names:?}");
    }
    let datas: Vec<Value> = events.iter().map(|(_, d)| json(d)).collect();
    for (i, (d, (name, _))) in datas.iter().zip(&events).enumerate() {
        assert_eq!(d["type"].as_str(), name.as_deref());
        assert_eq!(d["sequence_number"], i);
    }
    let text: String = datas
        .iter()
        .filter(|d| d["type"] == "response.output_text.delta")
        .map(|d| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, "Running it.");
    let args: String = datas
        .iter()
        .filter(|d| d["type"] == "response.function_call_arguments.delta")
        .map(|d| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(json(&args), json!({"cmd": "echo hi > out.txt"}));
    let done: Vec<&Value> = datas
        .iter()
        .filter(|d| d["type"] == "response.output_item.done")
        .map(|d| &d["item"])
        .collect();
    assert_eq!(done[0]["type"], "message");
    assert_eq!(done[0]["content"][0]["text"], "Running it.");
    assert_eq!(done[1]["type"], "function_call");
    assert_eq!(done[1]["name"], "exec_command");
    assert!(done[1]["call_id"].as_str().unwrap().starts_with("call_"));
    let completed = &datas.last().unwrap()["response"];
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["output"].as_array().unwrap().len(), 2);
    let usage = &completed["usage"];
    assert_eq!(usage["input_tokens"], 1200);
    assert_eq!(usage["input_tokens_details"]["cached_tokens"], 800);
    assert_eq!(usage["output_tokens"], 60);
    assert_eq!(usage["output_tokens_details"]["reasoning_tokens"], 20);
    assert_eq!(usage["total_tokens"], 1260);
}

#[tokio::test]
async fn plain_reply_is_a_response_object() {
    let srv = server(SHELL_THEN_TEXT);
    let mut body = request(false, json!([exec_command()]));
    // One prior assistant turn (function call + output) selects the second turn.
    body["input"].as_array_mut().unwrap().extend([
        json!({"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{}"}),
        json!({"type": "function_call_output", "call_id": "c1", "output": "hi"}),
    ]);
    let (status, _, text) = post(&srv.base_url(), "/responses", &body, &[]).await;
    assert_eq!(status, 200);
    let v = json(&text);
    assert_eq!(v["object"], "response");
    assert_eq!(v["status"], "completed");
    assert_eq!(v["output"][0]["type"], "message");
    assert_eq!(v["output"][0]["role"], "assistant");
    assert_eq!(v["output"][0]["content"][0]["type"], "output_text");
    assert_eq!(v["output"][0]["content"][0]["text"], "All done.");
    assert_eq!(v["usage"]["input_tokens_details"]["cached_tokens"], 0);
}

#[tokio::test]
async fn local_shell_and_custom_tools() {
    let srv = server(
        r#"
turns:
  - shell: "ls -la"
  - tool_call: {name: apply_patch, arguments: {input: "*** Begin Patch\n*** End Patch"}}
"#,
    );
    let tools = json!([{"type": "local_shell"},
                       {"type": "custom", "name": "apply_patch", "format": {"type": "grammar"}}]);
    let (_, _, text) = post(
        &srv.base_url(),
        "/v1/responses",
        &request(false, tools.clone()),
        &[],
    )
    .await;
    let item = &json(&text)["output"][0];
    assert_eq!(item["type"], "local_shell_call");
    assert_eq!(item["action"]["type"], "exec");
    assert_eq!(item["action"]["command"], json!(["bash", "-lc", "ls -la"]));

    let mut body = request(true, tools);
    body["input"].as_array_mut().unwrap().extend([
        json!({"type": "local_shell_call", "call_id": "c1", "status": "completed",
               "action": {"type": "exec", "command": ["ls"]}}),
        json!({"type": "function_call_output", "call_id": "c1", "output": "x"}),
    ]);
    let (_, _, text) = post(&srv.base_url(), "/v1/responses", &body, &[]).await;
    let datas: Vec<Value> = sse(&text).iter().map(|(_, d)| json(d)).collect();
    let input: String = datas
        .iter()
        .filter(|d| d["type"] == "response.custom_tool_call_input.delta")
        .map(|d| d["delta"].as_str().unwrap())
        .collect();
    assert_eq!(input, "*** Begin Patch\n*** End Patch");
    let done = datas
        .iter()
        .find(|d| d["type"] == "response.output_item.done")
        .unwrap();
    assert_eq!(done["item"]["type"], "custom_tool_call");
    assert_eq!(done["item"]["name"], "apply_patch");
}
