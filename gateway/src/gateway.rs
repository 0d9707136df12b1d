//! The gateway: token store, HTTP client, recorder, limits. Cheap to clone.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::error::GatewayError;
use crate::price::PriceTable;
use crate::record::Recorder;
use crate::secret::Secret;
use crate::sink::CallSink;
use crate::token::{RunGrant, TokenStore};

/// Gateway settings (the `[gateway]` config section).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayConfig {
    /// Largest request body accepted, in bytes.
    pub max_request_bytes: usize,
    /// Largest non-streamed response body kept to read its usage, in bytes (larger ones
    /// are relayed but recorded without usage).
    pub max_capture_bytes: usize,
    /// A price table whose entries replace or extend the shipped `prices.toml`.
    pub price_file: Option<PathBuf>,
    /// Seconds to wait for a connection to the provider.
    pub connect_timeout_secs: u64,
    /// Seconds to wait for the next bytes of an upstream response.
    pub read_timeout_secs: u64,
    /// Worker threads of the standalone server ([`Gateway::serve`]).
    pub workers: usize,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            max_request_bytes: 32 * 1024 * 1024,
            max_capture_bytes: 16 * 1024 * 1024,
            price_file: None,
            connect_timeout_secs: 30,
            read_timeout_secs: 600,
            workers: 2,
        }
    }
}

struct Inner {
    config: GatewayConfig,
    tokens: TokenStore,
    client: reqwest::Client,
    recorder: Recorder,
}

/// The LLM gateway. Clones share tokens, connections and the sink.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("config", &self.inner.config)
            .field("tokens", &self.inner.tokens.len())
            .finish_non_exhaustive()
    }
}

impl Gateway {
    /// A gateway recording into `sink`. Reads `config.price_file` if set (blocking: call at
    /// startup).
    pub fn new(config: GatewayConfig, sink: Arc<dyn CallSink>) -> Result<Self, GatewayError> {
        let prices = match &config.price_file {
            Some(path) => PriceTable::shipped_with_overrides(path)?,
            None => PriceTable::shipped()?,
        };
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
            .read_timeout(Duration::from_secs(config.read_timeout_secs))
            .build()
            .map_err(|e| GatewayError::Config(format!("http client: {e}")))?;
        let recorder = Recorder::new(sink, prices);
        let inner = Inner {
            config,
            tokens: TokenStore::default(),
            client,
            recorder,
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Issues a run token for `grant`. Hand it to the agent with [`Secret::expose`]; never
    /// log it.
    pub fn issue(&self, grant: RunGrant) -> Result<Secret, GatewayError> {
        self.inner.tokens.issue(grant)
    }

    /// Revokes a run token; returns whether it was live.
    pub fn revoke(&self, token: &str) -> bool {
        self.inner.tokens.revoke(token)
    }

    /// The token store.
    pub fn tokens(&self) -> &TokenStore {
        &self.inner.tokens
    }

    /// The `[gateway]` settings the gateway was built with.
    pub fn config(&self) -> &GatewayConfig {
        &self.inner.config
    }

    /// Waits until every finished call reached the sink (or `timeout` passed); returns
    /// whether all did. Call before shutting down or before closing a run's books.
    pub async fn flush(&self, timeout: Duration) -> bool {
        self.inner.recorder.flush(timeout).await
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.inner.client
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        &self.inner.recorder
    }
}
