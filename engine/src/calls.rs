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
    /// Calls recorded for the run, failed ones included.
    pub calls: i64,
    /// Input tokens summed over the calls, cached ones included (a call without usage adds 0).
    pub input_tokens: i64,
    /// Output tokens summed over the calls, reasoning included.
    pub output_tokens: i64,
    /// Cached input tokens read.
    pub cache_read_tokens: i64,
    /// Cached input tokens written.
    pub cache_write_tokens: i64,
    /// Reasoning tokens summed over the calls (part of `output_tokens`).
    pub reasoning_tokens: i64,
    /// Cost, when every call had a price.
    pub cost_usd: Option<f64>,
    /// The last upstream error (status, message).
    pub last_error: Option<(i32, String)>,
}

/// A [`CallSink`] writing into the store in batches (one WAL commit per batch) from a
/// background task, so model calls never wait for the disk.
#[derive(Debug)]
pub struct StoreSink {
    tallies: Mutex<HashMap<String, Tally>>,
    tx: tokio::sync::mpsc::UnboundedSender<Pending>,
}

/// What the writer task receives: a call to write, or a barrier to answer once every call
/// before it is written.
#[derive(Debug)]
enum Pending {
    Call(Box<LlmCallRecord>),
    Barrier(tokio::sync::oneshot::Sender<()>),
}

/// Calls written per store batch at most.
const BATCH: usize = 512;

impl StoreSink {
    /// A sink over `store` (call inside a Tokio runtime: it starts the writer task).
    pub fn new(store: Arc<Store>) -> Self {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Pending>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = Vec::new();
                let mut barriers = Vec::new();
                let mut next = Some(first);
                while let Some(p) = next.take() {
                    match p {
                        Pending::Call(c) => batch.push(Record::LlmCall(*c)),
                        Pending::Barrier(b) => barriers.push(b),
                    }
                    if batch.len() < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                if !batch.is_empty()
                    && let Err(e) = store.ingest(batch).await
                {
                    tracing::error!(error = %e, "LLM calls could not be recorded");
                }
                for b in barriers {
                    let _ = b.send(());
                }
            }
        });
        StoreSink {
            tallies: Mutex::default(),
            tx,
        }
    }

    /// Waits until every call recorded so far is written to the store.
    pub async fn drain(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.tx.send(Pending::Barrier(tx)).is_ok() {
            let _ = rx.await;
        }
    }

    /// The tally of `run_id` so far.
    pub fn peek(&self, run_id: &str) -> Tally {
        self.tallies
            .lock()
            .ok()
            .and_then(|t| t.get(run_id).cloned())
            .unwrap_or_default()
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
        if self.tx.send(Pending::Call(Box::new(call))).is_err() {
            tracing::error!("an LLM call could not be recorded: the writer task is gone");
        }
    }
}
