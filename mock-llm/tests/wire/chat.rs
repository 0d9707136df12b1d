use serde_json::{Value, json};

use crate::support::{SHELL_THEN_TEXT, get, json, post, server, sse};

fn bash_tool() -> Value {
    json!({"type": "function", "function": {"name": "bash", "parameters": {"type": "object",
        "properties": {"command": {"type": "string"}, "description": {"type": "string"}},
        "required": ["command"]}}})
}

#[tokio::test]
async fn plain_reply_carries_tool_call_and_usage() {
    let srv = server(SHELL_THEN_TEXT);
    let body = json!({"model": "m1", "messages": [{"role": "user", "content": "go"}],
                      "tools": [bash_tool()]});
    let (status, ct, text) = post(&srv.base_url(), "/v1/chat/completions", &body, &[]).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    let v = json(&text);
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "m1");
    let choice = &v["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["content"], "Running it.");
    let call = &choice["message"]["tool_calls"][0];
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "bash");
    let args = json(call["function"]["arguments"].as_str().unwrap());
    assert_eq!(args["command"], "echo hi > out.txt");
    assert!(args["description"].is_string());
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(v["usage"]["prompt_tokens"], 1200);
    assert_eq!(v["usage"]["completion_tokens"], 60);
    assert_eq!(v["usage"]["total_tokens"], 1260);
    assert_eq!(v["usage"]["prompt_tokens_details"]["cached_tokens"], 800);
    assert_eq!(
        v["usage"]["completion_tokens_details"]["reasoning_tokens"],
        20
    );
}

#[tokio::test]
async fn second_turn_answers_after_one_assistant_message() {
    let srv = server(SHELL_THEN_TEXT);
    let body = json!({"model": "m1", "tools": [bash_tool()], "messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "bash", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]});
    // Also served without the /v1 prefix.
    let (status, _, text) = post(&srv.base_url(), "/chat/completions", &body, &[]).await;
    assert_eq!(status, 200);
    let v = json(&text);
    assert_eq!(v["choices"][0]["message"]["content"], "All done.");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(v["choices"][0]["message"].get("tool_calls").is_none());
}

#[tokio::test]
async fn stream_sends_chunks_usage_and_done() {
    let srv = server(SHELL_THEN_TEXT);
    let body = json!({"model": "m1", "stream": true, "stream_options": {"include_usage": true},
                      "messages": [{"role": "user", "content": "go"}], "tools": [bash_tool()]});
    let (status, ct, text) = post(&srv.base_url(), "/v1/chat/completions", &body, &[]).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/event-stream"));
    let events = sse(&text);
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|(_, d)| json(d))
        .collect();
    assert!(
        chunks
            .iter()
            .all(|c| c["object"] == "chat.completion.chunk")
    );
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(content, "Running it.");
    let mut name = None;
    let mut args = String::new();
    for c in &chunks {
        for tc in c["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert_eq!(tc["index"], 0);
            if let Some(n) = tc["function"]["name"].as_str() {
                name = Some(n.to_owned());
                assert!(tc["id"].as_str().unwrap().starts_with("call_"));
            }
            args.push_str(tc["function"]["arguments"].as_str().unwrap());
        }
    }
    assert_eq!(name.as_deref(), Some("bash"));
    assert_eq!(json(&args)["command"], "echo hi > out.txt");
    let finish: Vec<&str> = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["finish_reason"].as_str())
        .collect();
    assert_eq!(finish, ["tool_calls"]);
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["prompt_tokens"], 1200);
    assert_eq!(last["usage"]["prompt_tokens_details"]["cached_tokens"], 800);
    // Other chunks carry `usage: null`, as OpenAI sends them.
    assert!(chunks[0]["usage"].is_null() && chunks[0].get("usage").is_some());
}

#[tokio::test]
async fn stream_without_include_usage_has_no_usage_chunk() {
    let srv = server("turns: [{text: hello}]");
    let body = json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "x"}],
                      "tools": [bash_tool()]});
    let (_, _, text) = post(&srv.base_url(), "/v1/chat/completions", &body, &[]).await;
    let events = sse(&text);
    assert_eq!(events.last().unwrap().1, "[DONE]");
    for (_, d) in &events[..events.len() - 1] {
        let c = json(d);
        assert!(c.get("usage").is_none());
        assert_eq!(c["choices"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn toolless_side_request_gets_default_text_without_consuming_a_turn() {
    let srv = server(SHELL_THEN_TEXT);
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "Generate a title"}]});
    let (_, _, text) = post(&srv.base_url(), "/v1/chat/completions", &body, &[]).await;
    assert_eq!(json(&text)["choices"][0]["message"]["content"], "OK.");
}

#[tokio::test]
async fn models_lists_openai_shape() {
    let srv = server("options: {models: [a, b]}\nturns: [{text: x}]");
    let (status, v) = get(&srv.base_url(), "/v1/models").await;
    assert_eq!(status, 200);
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"][1]["id"], "b");
    assert_eq!(v["data"][0]["object"], "model");
    let (status, v) = get(&srv.base_url(), "/v1/models/a").await;
    assert_eq!((status, v["id"].as_str()), (200, Some("a")));
}
