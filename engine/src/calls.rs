//! The gateway's call records go straight into the store, and each run's tally (tokens,
//! cost, failures) is kept for its summary.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wharf_gateway::CallSink;
use wharf_ingest::Store;
use wharf_model::{LlmCallRecord, Record};

/// What the gateway saw of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Calls.
    pub calls: i64,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cached input tokens read.
    pub cache_read_tokens: i64,
    /// Cached input tokens written.
    pub cache_write_tokens: i64,
    /// Reasoning tokens.
    pub reasoning_tokens: i64,
    /// Cost, when every call had a price.
    pub cost_usd: Option<f64>,
    /// The last upstream error (status, message).
    pub last_error: Option<(i32, String)>,
}

/// A [`CallSink`] writing into the store.
#[derive(Debug)]
pub struct StoreSink {
    store: Arc<Store>,
    tallies: Mutex<HashMap<String, Tally>>,
}

impl StoreSink {
    /// A sink over `store`.
    pub fn new(store: Arc<Store>) -> Self {
        StoreSink {
            store,
            tallies: Mutex::default(),
        }
    }

    /// Takes (and forgets) the tally of `run_id`.
    pub fn take(&self, run_id: &str) -> Tally {
        self.tallies
            .lock()
            .ok()
            .and_then(|mut t| t.remove(run_id))
            .unwrap_or_default()
    }

    fn add(&self, call: &LlmCallRecord) {
        let Some(run) = &call.run_id else { return };
        let Ok(mut tallies) = self.tallies.lock() else {
            return;
        };
        let t = tallies.entry(run.clone()).or_insert_with(|| Tally {
            cost_usd: Some(0.0),
            ..Tally::default()
        });
        t.calls += 1;
        t.input_tokens += call.input_tokens.unwrap_or(0);
        t.output_tokens += call.output_tokens.unwrap_or(0);
        t.cache_read_tokens += call.cache_read_tokens.unwrap_or(0);
        t.cache_write_tokens += call.cache_write_tokens.unwrap_or(0);
        t.reasoning_tokens += call.reasoning_tokens.unwrap_or(0);
        t.cost_usd = match (t.cost_usd, call.cost_usd) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
        if let Some(status) = call.status_code.filter(|s| *s >= 400) {
            t.last_error = Some((
                status,
                call.error
                    .clone()
                    .unwrap_or_else(|| format!("HTTP {status}")),
            ));
        }
    }
}

#[async_trait::async_trait]
impl CallSink for StoreSink {
    async fn record(&self, call: LlmCallRecord) {
        self.add(&call);
        if let Err(e) = self.store.ingest(vec![Record::LlmCall(call)]).await {
            tracing::error!(error = %e, "an LLM call could not be recorded");
        }
    }
}
