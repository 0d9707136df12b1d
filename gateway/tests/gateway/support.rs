//! A mock provider, a gateway in front of it, a sink, and one run token.

use std::sync::Arc;
use std::time::Duration;

use mock_llm::{MockServer, Script};
use serde_json::{Value, json};
use wharf_gateway::{
    Gateway, GatewayConfig, GatewayServer, ProviderConfig, ProviderKind, RunGrant, VecSink,
};
use wharf_model::LlmCallRecord;

pub const PROVIDER_KEY: &str = "sk-provider-real-key-0123456789";
pub const MODEL: &str = "mock-model";
pub const REFUSED: &str = "refused-model";
pub const RUN_ID: &str = "0190f5a4-7b2c-7d3e-8f00-0123456789ab";
pub const TEXT: &str = "The gateway relays every byte of this reply, chunk by chunk.";

/// Prices used by the tests (USD per million tokens).
pub const PRICES: &str = r#"
[models."mock-model"]
input = 2.0
cache_read = 0.5
cache_write = 4.0
output = 10.0
"#;

/// Usage the mock reports (mock convention: input includes cached and cache-write tokens).
pub const INPUT: i64 = 1000;
pub const CACHED: i64 = 200;
pub const CACHE_WRITE: i64 = 100;
pub const OUTPUT: i64 = 50;
pub const REASONING: i64 = 20;

pub fn script(extra_options: &str) -> Script {
    let yaml = format!(
        r#"
options:
  api_key: {PROVIDER_KEY}
  refuse_models: [{REFUSED}]
  default_text: "{TEXT}"
  usage:
    input_tokens: {INPUT}
    cached_tokens: {CACHED}
    cache_creation_tokens: {CACHE_WRITE}
    output_tokens: {OUTPUT}
    reasoning_tokens: {REASONING}
{extra_options}
turns:
  - match: {{ any: "never-matches-anything" }}
    text: unused
"#
    );
    Script::from_yaml_str(&yaml).expect("script parses")
}

/// The four wire APIs and the provider kind that serves each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Chat,
    Responses,
    Messages,
    Gemini,
}

impl Api {
    pub const ALL: [Api; 4] = [Api::Chat, Api::Responses, Api::Messages, Api::Gemini];

    pub fn kind(self) -> ProviderKind {
        match self {
            Api::Chat | Api::Responses => ProviderKind::Openai,
            Api::Messages => ProviderKind::Anthropic,
            Api::Gemini => ProviderKind::Gemini,
        }
    }

    pub fn llm_api(self) -> wharf_model::LlmApi {
        match self {
            Api::Chat => wharf_model::LlmApi::Chat,
            Api::Responses => wharf_model::LlmApi::Responses,
            Api::Messages => wharf_model::LlmApi::Messages,
            Api::Gemini => wharf_model::LlmApi::Gemini,
        }
    }

    /// Gateway path and body for a call of `model`.
    pub fn request(self, model: &str, stream: bool) -> (String, Value) {
        let user = "Say something.";
        match self {
            Api::Chat => {
                let mut body =
                    json!({"model": model, "messages": [{"role": "user", "content": user}]});
                if stream {
                    body["stream"] = json!(true);
                    body["stream_options"] = json!({"include_usage": true});
                }
                ("/v1/chat/completions".into(), body)
            }
            Api::Responses => (
                "/v1/responses".into(),
                json!({"model": model, "input": user, "stream": stream}),
            ),
            Api::Messages => (
                "/v1/messages".into(),
                json!({"model": model, "max_tokens": 256, "stream": stream,
                       "messages": [{"role": "user", "content": user}]}),
            ),
            Api::Gemini => {
                let path = if stream {
                    format!("/v1beta/models/{model}:streamGenerateContent?alt=sse")
                } else {
                    format!("/v1beta/models/{model}:generateContent")
                };
                (
                    path,
                    json!({"contents": [{"role": "user", "parts": [{"text": user}]}]}),
                )
            }
        }
    }

    /// Adds the run token the way this API's SDK sends its key.
    pub fn authorize(self, req: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
        match self {
            Api::Chat | Api::Responses => req.bearer_auth(token),
            Api::Messages => req
                .header("x-api-key", token)
                .header("anthropic-version", "2023-06-01"),
            Api::Gemini => req.header("x-goog-api-key", token),
        }
    }

    /// The request straight to the provider, with the real key.
    pub fn direct(self, fx: &Fixture, model: &str, stream: bool) -> reqwest::RequestBuilder {
        let (path, body) = self.request(model, stream);
        let (header, key) = self.key_header();
        let req = fx
            .client
            .post(format!("{}{path}", fx.mock.base_url()))
            .header(header, key);
        let req = match self {
            Api::Messages => req.header("anthropic-version", "2023-06-01"),
            _ => req,
        };
        req.json(&body)
    }

    /// The header in which the provider key must reach the provider.
    pub fn key_header(self) -> (&'static str, String) {
        match self {
            Api::Chat | Api::Responses => ("authorization", format!("Bearer {PROVIDER_KEY}")),
            Api::Messages => ("x-api-key", PROVIDER_KEY.to_owned()),
            Api::Gemini => ("x-goog-api-key", PROVIDER_KEY.to_owned()),
        }
    }
}

pub struct Fixture {
    pub mock: MockServer,
    pub gateway: Gateway,
    pub server: GatewayServer,
    pub sink: Arc<VecSink>,
    pub token: String,
    pub client: reqwest::Client,
    _prices: tempfile::TempDir,
}

impl Fixture {
    pub fn new(api: Api) -> Self {
        Self::with_script(api, script(""))
    }

    pub fn with_script(api: Api, script: Script) -> Self {
        let mock = MockServer::start(script).expect("mock-llm starts");
        let base = match api.kind() {
            ProviderKind::Openai => format!("{}/v1", mock.base_url()),
            _ => mock.base_url().to_string(),
        };
        let provider = ProviderConfig::new("mock", api.kind(), base, PROVIDER_KEY.into()).unwrap();
        Self::with_provider(mock, provider)
    }

    pub fn with_provider(mock: MockServer, provider: ProviderConfig) -> Self {
        let prices = tempfile::tempdir().unwrap();
        let price_file = prices.path().join("prices.toml");
        std::fs::write(&price_file, PRICES).unwrap();
        let config = GatewayConfig {
            price_file: Some(price_file),
            ..GatewayConfig::default()
        };
        let sink = Arc::new(VecSink::new());
        let gateway = Gateway::new(config, sink.clone()).unwrap();
        let server = gateway.serve("127.0.0.1:0").unwrap();
        let grant = RunGrant::new(Some(RUN_ID.into()), "team-a", provider);
        let token = gateway.issue(grant).unwrap().expose().to_owned();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Self {
            mock,
            gateway,
            server,
            sink,
            token,
            client,
            _prices: prices,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// Sends a call of `api` with `token`.
    pub async fn call(
        &self,
        api: Api,
        model: &str,
        stream: bool,
        token: &str,
    ) -> reqwest::Response {
        let (path, body) = api.request(model, stream);
        api.authorize(self.client.post(self.url(&path)), token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn records(&self, n: usize) -> Vec<LlmCallRecord> {
        self.sink.wait_for(n, Duration::from_secs(10)).await
    }

    /// Every header value, path and query the provider saw.
    pub fn upstream_text(&self) -> String {
        let mut out = String::new();
        for r in self.mock.requests() {
            out.push_str(&format!("{} {}?{}\n", r.method, r.path, r.query));
            for (n, v) in &r.headers {
                out.push_str(&format!("{n}: {v}\n"));
            }
            out.push_str(&r.body.to_string());
        }
        out
    }
}

/// Normalized usage the gateway should record for `api`, given what the mock reports.
pub struct Expected {
    pub input: i64,
    pub output: i64,
    pub cache_read: Option<i64>,
    pub cache_write: Option<i64>,
    pub reasoning: Option<i64>,
}

impl Expected {
    pub fn cost(&self) -> f64 {
        let read = self.cache_read.unwrap_or(0);
        let write = self.cache_write.unwrap_or(0);
        ((self.input - read - write) as f64 * 2.0
            + read as f64 * 0.5
            + write as f64 * 4.0
            + self.output as f64 * 10.0)
            / 1e6
    }
}

pub fn assert_close(got: Option<f64>, want: f64) {
    let got = got.expect("cost recorded");
    assert!((got - want).abs() < 1e-12, "cost {got} != {want}");
}
