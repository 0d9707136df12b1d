//! `retry_after` / `times` on scripted errors and `options.rate_limit`.

use serde_json::json;

use crate::support::{post, server};

async fn post_chat(base: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/v1/chat/completions"))
        .json(&json!({"model": "m", "messages": [{"role": "user", "content": "x"}]}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn scripted_error_sends_retry_after_headers() {
    let srv = server(
        "options: {toolless: script}\nturns:\n  - error: {status: 429, message: slow down, retry_after: 2, retry_after_ms: 1500}\n",
    );
    let resp = post_chat(&srv.base_url()).await;
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert_eq!(resp.headers()["retry-after-ms"], "1500");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limit_exceeded");
}

#[tokio::test]
async fn error_times_is_transient() {
    let srv = server(
        "options: {toolless: script}\nturns:\n  - error: {status: 503, times: 2}\n    text: recovered\n",
    );
    let base = srv.base_url();
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "x"}]});
    let (s1, _, _) = post(&base, "/v1/chat/completions", &body, &[]).await;
    let (s2, _, _) = post(&base, "/v1/chat/completions", &body, &[]).await;
    let (s3, _, t3) = post(&base, "/v1/chat/completions", &body, &[]).await;
    assert_eq!((s1, s2, s3), (503, 503, 200));
    assert!(t3.contains("recovered"));
    let reqs = srv.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].unix_ms > 0 && reqs[0].unix_ms <= reqs[2].unix_ms);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let srv = server(
        "options: {toolless: script, rate_limit: {requests_per_second: 2, burst: 2}}\nturns: [{text: hi}]\n",
    );
    let base = srv.base_url();
    assert_eq!(post_chat(&base).await.status().as_u16(), 200);
    assert_eq!(post_chat(&base).await.status().as_u16(), 200);
    let limited = post_chat(&base).await;
    assert_eq!(limited.status().as_u16(), 429);
    let ms: u64 = limited.headers()["retry-after-ms"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=500).contains(&ms), "{ms}");
    assert_eq!(limited.headers()["retry-after"], "1");
    tokio::time::sleep(std::time::Duration::from_millis(ms + 20)).await;
    assert_eq!(post_chat(&base).await.status().as_u16(), 200);
}

#[tokio::test]
async fn variants_answer_in_turn() {
    let srv = server("options: {toolless: script}\nturns:\n  - variants: [one, two]\n");
    let base = srv.base_url();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let body: serde_json::Value = post_chat(&base).await.json().await.unwrap();
        seen.push(
            body["choices"][0]["message"]["content"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(seen, ["one", "two", "one"]);
}
