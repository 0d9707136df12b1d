use serde_json::{Value, json};

use crate::support::{SHELL_THEN_TEXT, get, json, post, server, sse};

/// gemini-cli's shell tool (it sends `parametersJsonSchema`).
fn request() -> Value {
    json!({
        "systemInstruction": {"role": "user", "parts": [{"text": "You are Gemini CLI."}]},
        "tools": [{"functionDeclarations": [{"name": "run_shell_command", "description": "run",
            "parametersJsonSchema": {"type": "object", "properties": {
                "command": {"type": "string"}, "description": {"type": "string"},
                "dir_path": {"type": "string"}}, "required": ["command"]}}]}],
        "contents": [{"role": "user", "parts": [{"text": "go"}]}],
        "generationConfig": {"temperature": 1}
    })
}

const PATH: &str = "/v1beta/models/gemini-2.5-flash";

#[tokio::test]
async fn sse_stream_has_function_call_and_usage() {
    let srv = server(SHELL_THEN_TEXT);
    let (status, ct, text) = post(
        &srv.base_url(),
        &format!("{PATH}:streamGenerateContent?alt=sse"),
        &request(),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/event-stream"));
    let chunks: Vec<Value> = sse(&text)
        .iter()
        .map(|(e, d)| {
            assert!(e.is_none());
            json(d)
        })
        .collect();
    assert!(chunks.len() > 2);
    let mut text = String::new();
    let mut calls = Vec::new();
    for c in &chunks {
        let cand = &c["candidates"][0];
        assert_eq!(cand["content"]["role"], "model");
        for p in cand["content"]["parts"].as_array().unwrap() {
            if let Some(t) = p["text"].as_str() {
                text.push_str(t);
            }
            if p.get("functionCall").is_some() {
                calls.push(p["functionCall"].clone());
            }
        }
    }
    assert_eq!(text, "Running it.");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["name"], "run_shell_command");
    assert_eq!(calls[0]["args"]["command"], "echo hi > out.txt");
    let last = chunks.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert!(
        chunks[..chunks.len() - 1]
            .iter()
            .all(|c| c["candidates"][0].get("finishReason").is_none())
    );
    let u = &last["usageMetadata"];
    assert_eq!(u["promptTokenCount"], 1200);
    assert_eq!(u["cachedContentTokenCount"], 800);
    assert_eq!(u["candidatesTokenCount"], 40);
    assert_eq!(u["thoughtsTokenCount"], 20);
    assert_eq!(u["totalTokenCount"], 1260);
    assert_eq!(last["modelVersion"], "gemini-2.5-flash");
}

#[tokio::test]
async fn stream_without_alt_is_a_json_array() {
    let srv = server(SHELL_THEN_TEXT);
    let (status, ct, text) = post(
        &srv.base_url(),
        &format!("{PATH}:streamGenerateContent"),
        &request(),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/json"));
    let v = json(&text);
    let arr = v.as_array().unwrap();
    assert!(arr.len() > 1);
    assert_eq!(arr.last().unwrap()["candidates"][0]["finishReason"], "STOP");
}

#[tokio::test]
async fn generate_content_second_turn() {
    let srv = server(SHELL_THEN_TEXT);
    let mut body = request();
    body["contents"].as_array_mut().unwrap().extend([
        json!({"role": "model", "parts": [{"functionCall": {"name": "run_shell_command", "args": {}}}]}),
        json!({"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command", "response": {"output": "ok"}}}]}),
    ]);
    let (status, _, text) = post(
        &srv.base_url(),
        &format!("{PATH}:generateContent"),
        &body,
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let v = json(&text);
    assert_eq!(
        v["candidates"][0]["content"]["parts"],
        json!([{"text": "All done."}])
    );
    assert_eq!(v["candidates"][0]["finishReason"], "STOP");
    assert_eq!(v["usageMetadata"]["promptTokenCount"], 1000);
    assert!(v["usageMetadata"].get("cachedContentTokenCount").is_none());
}

#[tokio::test]
async fn json_side_request_gets_a_json_default() {
    let srv = server(SHELL_THEN_TEXT);
    let body = json!({"contents": [{"role": "user", "parts": [{"text": "who speaks next?"}]}],
                      "generationConfig": {"responseMimeType": "application/json"}});
    let (_, _, text) = post(
        &srv.base_url(),
        &format!("{PATH}:generateContent"),
        &body,
        &[],
    )
    .await;
    let reply = json(&text)["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(json(&reply)["next_speaker"], "user");
}

#[tokio::test]
async fn schema_side_request_gets_the_smallest_valid_value() {
    // gemini-cli's model router (sent when no -m is given).
    let srv = server(SHELL_THEN_TEXT);
    let body = json!({"contents": [{"role": "user", "parts": [{"text": "route this"}]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": {
            "type": "OBJECT", "required": ["complexity_reasoning", "complexity_score"],
            "properties": {"complexity_reasoning": {"type": "STRING"},
                           "complexity_score": {"type": "INTEGER"}}}}});
    let (_, _, text) = post(
        &srv.base_url(),
        &format!("{PATH}:generateContent"),
        &body,
        &[],
    )
    .await;
    let reply = json(&text)["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        json(&reply),
        json!({"complexity_reasoning": "mock", "complexity_score": 1})
    );
    // next-speaker check: first enum value is "user", which ends the loop.
    let body = json!({"contents": [{"role": "user", "parts": [{"text": "who next?"}]}],
        "generationConfig": {"responseJsonSchema": {"type": "object",
            "required": ["reasoning", "next_speaker"], "properties": {
                "reasoning": {"type": "string"},
                "next_speaker": {"type": "string", "enum": ["user", "model"]}}}}});
    let (_, _, text) = post(
        &srv.base_url(),
        &format!("{PATH}:generateContent"),
        &body,
        &[],
    )
    .await;
    let reply = json(&text)["candidates"][0]["content"]["parts"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(json(&reply)["next_speaker"], "user");
}

#[tokio::test]
async fn models_and_count_tokens() {
    let srv = server(SHELL_THEN_TEXT);
    let (status, v) = get(&srv.base_url(), "/v1beta/models").await;
    assert_eq!(status, 200);
    assert_eq!(v["models"][0]["name"], "models/mock-model");
    assert!(
        v["models"][0]["supportedGenerationMethods"]
            .as_array()
            .unwrap()
            .contains(&json!("generateContent"))
    );
    let (status, v) = get(&srv.base_url(), "/v1beta/models/gemini-2.5-flash").await;
    assert_eq!(
        (status, v["name"].as_str()),
        (200, Some("models/gemini-2.5-flash"))
    );
    let (status, _, text) = post(
        &srv.base_url(),
        &format!("{PATH}:countTokens"),
        &request(),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    assert!(json(&text)["totalTokens"].as_u64().unwrap() > 0);
}
