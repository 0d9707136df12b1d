//! Where call records go: the engine's ingest path in production, memory in tests.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;
use wharf_model::LlmCallRecord;

/// Receives one record per model call. Implementations must not block the runtime.
#[async_trait]
pub trait CallSink: Send + Sync + 'static {
    /// Stores (or forwards) one call.
    async fn record(&self, call: LlmCallRecord);
}

/// Keeps records in memory (tests, demos).
#[derive(Debug, Default)]
pub struct VecSink {
    calls: Mutex<Vec<LlmCallRecord>>,
}

impl VecSink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records so far.
    pub fn calls(&self) -> Vec<LlmCallRecord> {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits until at least `n` records arrived or `timeout` passed; returns what arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<LlmCallRecord> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let calls = self.calls();
            if calls.len() >= n || tokio::time::Instant::now() >= deadline {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

#[async_trait]
impl CallSink for VecSink {
    async fn record(&self, call: LlmCallRecord) {
        self.calls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(call);
    }
}

/// Sends records into an unbounded channel (the engine drains it into ingest).
#[derive(Debug, Clone)]
pub struct ChannelSink {
    tx: mpsc::UnboundedSender<LlmCallRecord>,
}

impl ChannelSink {
    /// A sink and the receiving end of its channel.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<LlmCallRecord>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, rx)
    }
}

#[async_trait]
impl CallSink for ChannelSink {
    async fn record(&self, call: LlmCallRecord) {
        if self.tx.send(call).is_err() {
            tracing::warn!("llm call sink receiver dropped: call not recorded");
        }
    }
}

/// Drops records (direct gateway use without storage).
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

#[async_trait]
impl CallSink for NullSink {
    async fn record(&self, _call: LlmCallRecord) {}
}
