use std::time::{Duration, Instant};

use mock_llm::{MockServer, Script};
use serde_json::json;

use crate::support::{json, post, server};

const KEYED: &str = r#"
options:
  api_key: sk-right
  refuse_models: [gone-model]
turns:
  - text: hello
"#;

fn chat_body(model: &str) -> serde_json::Value {
    json!({"model": model, "messages": [{"role": "user", "content": "x"}]})
}

#[tokio::test]
async fn api_key_is_checked_in_each_apis_header() {
    let srv = server(KEYED);
    let base = srv.base_url();
    let body = chat_body("m");
    let anthropic =
        json!({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]});
    let gemini = json!({"contents": [{"role": "user", "parts": [{"text": "x"}]}]});
    let gpath = "/v1beta/models/g:generateContent";

    // Missing or wrong keys: 401 in the native shape.
    let (s, _, t) = post(
        &base,
        "/v1/chat/completions",
        &body,
        &[("authorization", "Bearer sk-wrong")],
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(json(&t)["error"]["code"], "invalid_api_key");
    assert_eq!(json(&t)["error"]["type"], "invalid_request_error");
    let (s, _, t) = post(
        &base,
        "/v1/responses",
        &json!({"model": "m", "input": "x"}),
        &[],
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(json(&t)["error"]["code"], "invalid_api_key");
    // An OpenAI-style bearer is accepted by Anthropic (ANTHROPIC_AUTH_TOKEN), x-api-key is not OpenAI's.
    let (s, _, t) = post(
        &base,
        "/v1/messages",
        &anthropic,
        &[("authorization", "sk-right")],
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(json(&t)["type"], "error");
    assert_eq!(json(&t)["error"]["type"], "authentication_error");
    let (s, _, t) = post(
        &base,
        gpath,
        &gemini,
        &[("authorization", "Bearer sk-right")],
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(json(&t)["error"]["status"], "UNAUTHENTICATED");
    assert_eq!(json(&t)["error"]["code"], 401);

    // Right key in the right place: 200.
    let (s, _, _) = post(
        &base,
        "/v1/chat/completions",
        &body,
        &[("authorization", "Bearer sk-right")],
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = post(
        &base,
        "/v1/messages",
        &anthropic,
        &[("x-api-key", "sk-right")],
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = post(
        &base,
        "/v1/messages",
        &anthropic,
        &[("authorization", "Bearer sk-right")],
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = post(&base, gpath, &gemini, &[("x-goog-api-key", "sk-right")]).await;
    assert_eq!(s, 200);
    let (s, _, _) = post(&base, &format!("{gpath}?key=sk-right"), &gemini, &[]).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn refused_models_get_native_not_found() {
    let srv = server("options: {refuse_models: [gone-model]}\nturns: [{text: hi}]");
    let base = srv.base_url();
    let (s, _, t) = post(&base, "/v1/chat/completions", &chat_body("gone-model"), &[]).await;
    assert_eq!(s, 404);
    assert_eq!(json(&t)["error"]["code"], "model_not_found");
    assert!(
        json(&t)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gone-model")
    );
    let body = json!({"model": "gone-model", "max_tokens": 5, "messages": []});
    let (s, _, t) = post(&base, "/v1/messages", &body, &[]).await;
    assert_eq!(s, 404);
    assert_eq!(json(&t)["error"]["type"], "not_found_error");
    let (s, _, t) = post(
        &base,
        "/v1beta/models/gone-model:streamGenerateContent?alt=sse",
        &json!({"contents": []}),
        &[],
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(json(&t)["error"]["status"], "NOT_FOUND");
    let (s, _, _) = post(&base, "/v1/chat/completions", &chat_body("other"), &[]).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn scripted_errors_use_native_shapes() {
    let srv = server("turns: [{error: {status: 429, message: slow down}}]");
    let base = srv.base_url();
    let tools = json!([{"name": "Bash", "input_schema": {"type": "object"}}]);
    let body = json!({"model": "m", "max_tokens": 5, "tools": tools, "messages": [{"role": "user", "content": "x"}]});
    let (s, _, t) = post(&base, "/v1/messages", &body, &[]).await;
    assert_eq!(s, 429);
    assert_eq!(json(&t)["error"]["type"], "rate_limit_error");
    assert_eq!(json(&t)["error"]["message"], "slow down");
    let mut chat = chat_body("m");
    chat["tools"] = json!([{"type": "function", "function": {"name": "bash"}}]);
    let (s, _, t) = post(&base, "/v1/chat/completions", &chat, &[]).await;
    assert_eq!(s, 429);
    assert_eq!(json(&t)["error"]["code"], "rate_limit_exceeded");
}

#[tokio::test]
async fn unknown_routes_are_404_and_recorded() {
    let srv = server("turns: [{text: hi}]");
    let (s, _, t) = post(
        &srv.base_url(),
        "/v2/nothing?x=1",
        &json!({"a": 1}),
        &[("x-test", "yes")],
    )
    .await;
    assert_eq!(s, 404);
    assert!(
        json(&t)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/v2/nothing")
    );
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v2/nothing");
    assert_eq!(reqs[0].query, "x=1");
    assert_eq!(reqs[0].header("X-Test"), Some("yes"));
    assert_eq!(reqs[0].body, json!({"a": 1}));
}

#[tokio::test]
async fn requests_are_recorded_in_order() {
    let srv = server("turns: [{text: hi}]");
    for model in ["a", "b", "c"] {
        post(
            &srv.base_url(),
            "/v1/chat/completions",
            &chat_body(model),
            &[],
        )
        .await;
    }
    let models: Vec<String> = srv
        .requests()
        .iter()
        .map(|r| r.body["model"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(models, ["a", "b", "c"]);
}

#[tokio::test]
async fn delay_is_applied() {
    let srv = server("options: {delay_ms: 300, toolless: script}\nturns: [{text: hi}]");
    let start = Instant::now();
    let (s, _, _) = post(
        &srv.base_url(),
        "/v1/chat/completions",
        &chat_body("m"),
        &[],
    )
    .await;
    assert_eq!(s, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn usable_from_sync_code_and_stops_on_drop() {
    let srv = MockServer::start_on(
        "127.0.0.1:0",
        Script::from_yaml_str("turns: [{text: hi}]").unwrap(),
    )
    .unwrap();
    let url = srv.base_url();
    assert!(url.starts_with("http://127.0.0.1:"));
    let addr = srv.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(srv);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn bind_failure_is_an_error() {
    let a = MockServer::start(Script::from_yaml_str("turns: [{text: hi}]").unwrap()).unwrap();
    let taken = a.addr().to_string();
    let b = MockServer::start_on(
        &taken,
        Script::from_yaml_str("turns: [{text: hi}]").unwrap(),
    );
    assert!(b.is_err());
}
