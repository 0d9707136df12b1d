//! Each wire API, streamed and not, relays the provider's answer and records one call.

use serde_json::Value;
use wharf_gateway::SseParser;

use crate::support::*;

/// The reply text in a response body of `api`.
fn reply_text(api: Api, stream: bool, body: &[u8]) -> String {
    if !stream {
        let v: Value = serde_json::from_slice(body).expect("json body");
        return text_of(api, &v, false);
    }
    let mut parser = SseParser::default();
    let events = parser.feed(body).into_iter().chain(parser.finish());
    events
        .filter(|e| e.data != "[DONE]")
        .map(|e| {
            text_of(
                api,
                &serde_json::from_str(&e.data).expect("json event"),
                true,
            )
        })
        .collect()
}

fn text_of(api: Api, v: &Value, delta: bool) -> String {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match (api, delta) {
        (Api::Chat, false) => s("/choices/0/message/content"),
        (Api::Chat, true) => s("/choices/0/delta/content"),
        (Api::Responses, false) => v["output"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|item| item["content"].as_array().cloned().unwrap_or_default())
            .filter(|c| c["type"] == "output_text")
            .map(|c| c["text"].as_str().unwrap_or_default().to_owned())
            .collect(),
        (Api::Responses, true) if v["type"] == "response.output_text.delta" => s("/delta"),
        (Api::Messages, false) => s("/content/0/text"),
        (Api::Messages, true) if v["type"] == "content_block_delta" => s("/delta/text"),
        (Api::Gemini, _) => s("/candidates/0/content/parts/0/text"),
        _ => String::new(),
    }
}

fn sse_events(body: &[u8]) -> usize {
    let mut parser = SseParser::default();
    parser.feed(body).len() + usize::from(parser.finish().is_some())
}

/// What the gateway must record for `api` given the mock's usage.
fn expected(api: Api) -> Expected {
    match api {
        Api::Chat | Api::Responses => Expected {
            input: INPUT,
            output: OUTPUT,
            cache_read: Some(CACHED),
            cache_write: None,
            reasoning: Some(REASONING),
        },
        Api::Messages => Expected {
            input: INPUT,
            output: OUTPUT,
            cache_read: Some(CACHED),
            cache_write: Some(CACHE_WRITE),
            reasoning: None,
        },
        Api::Gemini => Expected {
            input: INPUT,
            output: OUTPUT,
            cache_read: Some(CACHED),
            cache_write: None,
            reasoning: Some(REASONING),
        },
    }
}

async fn relays_and_records(api: Api, stream: bool) {
    let fx = Fixture::new(api);
    let resp = fx.call(api, MODEL, stream, &fx.token).await;
    assert_eq!(resp.status(), 200, "{api:?} stream={stream}");
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(
        content_type.starts_with("text/event-stream"),
        stream,
        "{api:?}: {content_type}"
    );
    let body = resp.bytes().await.unwrap();
    assert_eq!(
        reply_text(api, stream, &body),
        TEXT,
        "{api:?} stream={stream}"
    );

    // The same request straight to the provider gives the same shape of answer.
    let direct = api.direct(&fx, MODEL, stream).send().await.unwrap();
    assert_eq!(direct.status(), 200);
    let direct = direct.bytes().await.unwrap();
    if stream {
        assert_eq!(
            sse_events(&body),
            sse_events(&direct),
            "{api:?}: same events as direct"
        );
    }

    let records = fx.records(1).await;
    assert_eq!(records.len(), 1, "{api:?} stream={stream}: {records:?}");
    let r = &records[0];
    let want = expected(api);
    assert_eq!(r.api, api.llm_api());
    assert_eq!(r.provider, "mock");
    assert_eq!(r.model, MODEL);
    assert_eq!(r.run_id.as_deref(), Some(RUN_ID));
    assert_eq!(r.collection.as_deref(), Some("team-a"));
    assert_eq!(r.status_code, Some(200));
    assert_eq!(r.streamed, stream);
    assert_eq!(r.error, None, "{api:?} stream={stream}");
    assert_eq!(
        r.input_tokens,
        Some(want.input),
        "{api:?} stream={stream} input"
    );
    assert_eq!(
        r.output_tokens,
        Some(want.output),
        "{api:?} stream={stream} output"
    );
    assert_eq!(
        r.cache_read_tokens, want.cache_read,
        "{api:?} stream={stream} cache read"
    );
    assert_eq!(
        r.cache_write_tokens, want.cache_write,
        "{api:?} stream={stream} cache write"
    );
    assert_eq!(
        r.reasoning_tokens, want.reasoning,
        "{api:?} stream={stream} reasoning"
    );
    assert_close(r.cost_usd, want.cost());
    let (latency, ttft) = (r.latency_ms.unwrap(), r.ttft_ms.unwrap());
    assert!(ttft <= latency, "ttft {ttft} > latency {latency}");
    if !stream {
        assert_eq!(ttft, latency);
    }
    uuid::Uuid::parse_str(&r.call_id).unwrap();
}

#[tokio::test]
async fn chat_completions() {
    relays_and_records(Api::Chat, false).await;
    relays_and_records(Api::Chat, true).await;
}

#[tokio::test]
async fn responses() {
    relays_and_records(Api::Responses, false).await;
    relays_and_records(Api::Responses, true).await;
}

#[tokio::test]
async fn anthropic_messages() {
    relays_and_records(Api::Messages, false).await;
    relays_and_records(Api::Messages, true).await;
}

#[tokio::test]
async fn gemini_generate_content() {
    relays_and_records(Api::Gemini, false).await;
    relays_and_records(Api::Gemini, true).await;
}

#[tokio::test]
async fn ttft_is_measured_at_first_content_of_a_slow_stream() {
    let fx = Fixture::with_script(Api::Chat, script("  chunk_delay_ms: 40\n  delay_ms: 0"));
    let resp = fx.call(Api::Chat, MODEL, true, &fx.token).await;
    let body = resp.bytes().await.unwrap();
    assert_eq!(reply_text(Api::Chat, true, &body), TEXT);
    let r = &fx.records(1).await[0];
    let (latency, ttft) = (r.latency_ms.unwrap(), r.ttft_ms.unwrap());
    // The reply comes in ~8 chunks 40 ms apart: the first token is well before the end.
    assert!(ttft + 150 < latency, "ttft {ttft} latency {latency}");
}

#[tokio::test]
async fn model_listing_and_token_counting_are_relayed_unrecorded() {
    let fx = Fixture::new(Api::Chat);
    let resp = fx
        .client
        .get(fx.url("/v1/models"))
        .bearer_auth(&fx.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let list: Value = resp.json().await.unwrap();
    assert!(
        list["data"].as_array().is_some_and(|d| !d.is_empty()),
        "{list}"
    );
    // Without the /v1 prefix too.
    let resp = fx
        .client
        .get(fx.url("/models"))
        .bearer_auth(&fx.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(fx.gateway.flush(std::time::Duration::from_secs(5)).await);
    assert!(fx.sink.calls().is_empty());
}
