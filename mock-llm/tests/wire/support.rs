use mock_llm::{MockServer, Script};
use serde_json::Value;

pub fn server(yaml: &str) -> MockServer {
    MockServer::start(Script::from_yaml_str(yaml).unwrap()).unwrap()
}

/// POSTs JSON; returns status, content type and body text.
pub async fn post(
    base: &str,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    let mut req = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

pub async fn get(base: &str, path: &str) -> (u16, Value) {
    let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

/// Parsed SSE events: (event name, data).
pub fn sse(text: &str) -> Vec<(Option<String>, String)> {
    text.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            (event, data)
        })
        .collect()
}

pub fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// A shell step then a final text, with distinctive usage.
pub const SHELL_THEN_TEXT: &str = r#"
options:
  chunk_size: 5
turns:
  - text: "Running it."
    shell: "echo hi > out.txt"
    usage: {input_tokens: 1200, cached_tokens: 800, cache_creation_tokens: 100, output_tokens: 60, reasoning_tokens: 20}
  - text: "All done."
"#;
