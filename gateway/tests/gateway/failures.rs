//! Calls that fail still leave a record: refused models, dead providers, clients that hang up.

use std::time::Duration;

use serde_json::Value;
use wharf_gateway::{ProviderConfig, ProviderKind};

use crate::support::*;

#[tokio::test]
async fn refused_model_error_is_relayed_unchanged_and_recorded() {
    for api in Api::ALL {
        let fx = Fixture::new(api);
        for stream in [false, true] {
            let resp = fx.call(api, REFUSED, stream, &fx.token).await;
            let status = resp.status();
            assert!(status.is_client_error(), "{api:?}: {status}");
            let relayed = resp.bytes().await.unwrap();

            let direct = api.direct(&fx, REFUSED, stream).send().await.unwrap();
            assert_eq!(direct.status(), status);
            let mut direct: Value = serde_json::from_slice(&direct.bytes().await.unwrap()).unwrap();
            let mut relayed: Value = serde_json::from_slice(&relayed).unwrap();
            // Anthropic errors carry a fresh request id per request.
            for v in [&mut direct, &mut relayed] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("request_id");
                }
            }
            assert_eq!(relayed, direct, "{api:?}: upstream error relayed unchanged");
        }
        let records = fx.records(2).await;
        assert_eq!(records.len(), 2, "{api:?}");
        for r in &records {
            assert!(
                r.status_code.is_some_and(|s| (400..500).contains(&s)),
                "{api:?}: {r:?}"
            );
            assert_eq!(r.model, REFUSED);
            assert!(
                r.error.as_deref().is_some_and(|e| e.contains(REFUSED)),
                "{api:?}: {r:?}"
            );
            assert_eq!(r.cost_usd, None);
        }
    }
}

#[tokio::test]
async fn unreachable_provider_is_a_native_502_and_recorded() {
    let mock = mock_llm::MockServer::start(script("")).unwrap();
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let provider = ProviderConfig::new(
        "dead",
        ProviderKind::Anthropic,
        format!("http://127.0.0.1:{port}"),
        PROVIDER_KEY.into(),
    )
    .unwrap();
    let fx = Fixture::with_provider(mock, provider);
    let resp = fx.call(Api::Messages, MODEL, true, &fx.token).await;
    assert_eq!(resp.status(), 502);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "api_error");
    let r = &fx.records(1).await[0];
    assert_eq!(r.status_code, Some(502));
    assert_eq!(r.provider, "dead");
    assert!(r.streamed);
    let error = r.error.as_deref().unwrap();
    assert!(error.contains("upstream provider `dead` failed"), "{error}");
    assert!(!error.contains(PROVIDER_KEY));
}

#[tokio::test]
async fn unsupported_api_for_the_provider_is_refused_and_recorded() {
    let fx = Fixture::new(Api::Messages);
    let resp = fx.call(Api::Chat, MODEL, false, &fx.token).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not serve"),
        "{body}"
    );
    assert!(fx.mock.requests().is_empty());
    assert_eq!(fx.records(1).await[0].status_code, Some(400));
}

#[tokio::test]
async fn oversized_request_is_refused() {
    let fx = Fixture::new(Api::Chat);
    let big = "x".repeat(fx.gateway.config().max_request_bytes + 1);
    let resp = fx
        .client
        .post(fx.url("/v1/chat/completions"))
        .bearer_auth(&fx.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    assert!(fx.mock.requests().is_empty());
}

#[tokio::test]
async fn client_disconnect_mid_stream_is_still_recorded() {
    for api in Api::ALL {
        let fx = Fixture::with_script(api, script("  chunk_size: 2\n  chunk_delay_ms: 50"));
        let mut resp = fx.call(api, MODEL, true, &fx.token).await;
        assert_eq!(resp.status(), 200);
        let first = resp.chunk().await.unwrap();
        assert!(first.is_some_and(|c| !c.is_empty()));
        drop(resp);
        let records = fx.records(1).await;
        assert_eq!(records.len(), 1, "{api:?}: no record after disconnect");
        let r = &records[0];
        assert!(r.streamed);
        assert_eq!(r.status_code, Some(200));
        let error = r.error.as_deref().unwrap_or_default();
        assert!(error.contains("client disconnected"), "{api:?}: {r:?}");
        assert!(
            r.latency_ms.unwrap() < 2_000,
            "{api:?}: recorded long after the disconnect"
        );
        // Give the gateway a moment: the upstream request must have been dropped too.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn provider_dying_mid_stream_is_recorded_with_the_error() {
    let dying =
        mock_llm::MockServer::start(script("  chunk_size: 2\n  chunk_delay_ms: 50")).unwrap();
    let base = format!("{}/v1", dying.base_url());
    let provider = ProviderConfig::new("mock", ProviderKind::Openai, base, PROVIDER_KEY.into());
    let spare = mock_llm::MockServer::start(script("")).unwrap();
    let fx = Fixture::with_provider(spare, provider.unwrap());
    let mut resp = fx.call(Api::Chat, MODEL, true, &fx.token).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.chunk().await.unwrap().is_some());
    // Stop the provider while it is still streaming (its Drop joins its thread).
    tokio::task::spawn_blocking(move || drop(dying))
        .await
        .unwrap();
    // The client sees the stream cut short, never a clean end with the full reply.
    let mut rest = Vec::new();
    let cut = loop {
        match resp.chunk().await {
            Ok(Some(c)) => rest.extend_from_slice(&c),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(cut || !String::from_utf8_lossy(&rest).contains("[DONE]"));
    let r = &fx.records(1).await[0];
    assert_eq!(r.status_code, Some(200));
    let error = r.error.as_deref().unwrap_or_default();
    assert!(error.contains("upstream stream failed"), "{r:?}");
}
