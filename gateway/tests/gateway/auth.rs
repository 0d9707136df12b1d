//! Run tokens: the provider key reaches the provider, the token never does, and bad
//! tokens are refused in each API's native shape without reaching the provider.

use serde_json::Value;
use wharf_gateway::{ProviderConfig, RunGrant};

use crate::support::*;

#[tokio::test]
async fn provider_key_goes_upstream_and_the_run_token_never_does() {
    for api in Api::ALL {
        let fx = Fixture::new(api);
        for stream in [false, true] {
            let resp = fx.call(api, MODEL, stream, &fx.token).await;
            // mock-llm answers 401 unless its api_key arrives in the API's header.
            assert_eq!(resp.status(), 200, "{api:?}");
            resp.bytes().await.unwrap();
        }
        let requests = fx.mock.requests();
        assert_eq!(requests.len(), 2, "{api:?}");
        let (header, value) = api.key_header();
        for r in &requests {
            let sent: Vec<&str> = r
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(header))
                .map(|(_, v)| v.as_str())
                .collect();
            assert_eq!(sent, [value.as_str()], "{api:?}");
        }
        let upstream = fx.upstream_text();
        assert!(
            !upstream.contains(&fx.token),
            "{api:?}: token leaked upstream:\n{upstream}"
        );
        assert!(!upstream.contains("wharf-rt-"), "{api:?}");
        assert!(upstream.contains(PROVIDER_KEY));
    }
}

#[tokio::test]
async fn gemini_key_query_parameter_is_accepted_and_stripped() {
    let fx = Fixture::new(Api::Gemini);
    let (_, body) = Api::Gemini.request(MODEL, true);
    let url = fx.url(&format!(
        "/v1beta/models/{MODEL}:streamGenerateContent?alt=sse&key={}",
        fx.token
    ));
    let resp = fx.client.post(url).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    resp.bytes().await.unwrap();
    let requests = fx.mock.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].query.contains("alt=sse"),
        "{}",
        requests[0].query
    );
    assert!(!requests[0].query.contains("key="), "{}", requests[0].query);
    assert!(!fx.upstream_text().contains(&fx.token));
    assert_eq!(fx.records(1).await.len(), 1);
}

fn assert_native_401(api: Api, body: &Value) {
    match api {
        Api::Chat | Api::Responses => {
            assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
            assert_eq!(body["error"]["code"], "invalid_api_key", "{body}");
        }
        Api::Messages => {
            assert_eq!(body["type"], "error", "{body}");
            assert_eq!(body["error"]["type"], "authentication_error", "{body}");
        }
        Api::Gemini => {
            assert_eq!(body["error"]["code"], 401, "{body}");
            assert_eq!(body["error"]["status"], "UNAUTHENTICATED", "{body}");
        }
    }
}

#[tokio::test]
async fn unknown_and_missing_tokens_are_refused_and_nothing_is_forwarded() {
    for api in Api::ALL {
        let fx = Fixture::new(api);
        for token in ["wharf-rt-00000000000000000000000000000000", PROVIDER_KEY] {
            let resp = fx.call(api, MODEL, false, token).await;
            assert_eq!(resp.status(), 401, "{api:?}");
            assert_native_401(api, &resp.json().await.unwrap());
        }
        let (path, body) = api.request(MODEL, false);
        let resp = fx
            .client
            .post(fx.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{api:?} without credentials");
        assert!(
            fx.mock.requests().is_empty(),
            "{api:?}: forwarded without a valid token"
        );
        assert!(fx.gateway.flush(std::time::Duration::from_secs(5)).await);
        assert!(fx.sink.calls().is_empty());
    }
}

#[tokio::test]
async fn a_run_without_a_provider_is_told_why_it_has_no_model_access() {
    for api in Api::ALL {
        let fx = Fixture::new(api);
        let resp = fx
            .call(api, MODEL, false, wharf_gateway::NO_PROVIDER_TOKEN)
            .await;
        assert_eq!(resp.status(), 401, "{api:?}");
        let body: Value = resp.json().await.unwrap();
        assert_native_401(api, &body);
        assert!(
            body.to_string().contains("has no model provider"),
            "{api:?}: {body}"
        );
        assert!(fx.mock.requests().is_empty(), "{api:?}");
    }
}

#[tokio::test]
async fn revoked_token_is_refused() {
    let fx = Fixture::new(Api::Messages);
    let resp = fx.call(Api::Messages, MODEL, false, &fx.token).await;
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    assert!(fx.gateway.revoke(&fx.token));
    let resp = fx.call(Api::Messages, MODEL, false, &fx.token).await;
    assert_eq!(resp.status(), 401);
    assert_native_401(Api::Messages, &resp.json().await.unwrap());
    assert_eq!(fx.mock.requests().len(), 1);
    assert_eq!(fx.records(1).await.len(), 1);
}

#[tokio::test]
async fn grant_model_limits() {
    let fx = Fixture::new(Api::Chat);
    let provider = ProviderConfig::new(
        "mock",
        Api::Chat.kind(),
        format!("{}/v1", fx.mock.base_url()),
        PROVIDER_KEY.into(),
    )
    .unwrap();
    let mut limited = RunGrant::new(Some(RUN_ID.into()), "team-a", provider.clone());
    limited.allowed_models = Some(vec![MODEL.into()]);
    let limited = fx.gateway.issue(limited).unwrap();
    let resp = fx.call(Api::Chat, "gpt-4o", false, limited.expose()).await;
    assert_eq!(resp.status(), 403);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "model_not_allowed", "{body}");
    assert!(fx.mock.requests().is_empty());
    let r = &fx.records(1).await[0];
    assert_eq!((r.status_code, r.model.as_str()), (Some(403), "gpt-4o"));
    assert!(r.error.as_deref().unwrap().contains("not allowed"));

    let mut pinned = RunGrant::new(Some(RUN_ID.into()), "team-a", provider);
    pinned.model_override = Some(MODEL.into());
    let pinned = fx.gateway.issue(pinned).unwrap();
    let resp = fx
        .call(Api::Chat, "something-else", false, pinned.expose())
        .await;
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    let requests = fx.mock.requests();
    assert_eq!(requests[0].body["model"], MODEL);
    let records = fx.records(2).await;
    assert_eq!(records[1].model, MODEL);
}
