//! Turning a finished call into an `llm_calls` row and handing it to a [`CallSink`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use wharf_model::{LlmApi, LlmCallRecord, TypeTag};

use crate::price::PriceTable;
use crate::sink::CallSink;
use crate::token::RunGrant;
use crate::usage::Usage;

/// Model name recorded when the request named none.
pub const UNKNOWN_MODEL: &str = "unknown";

/// What is known when a call starts.
#[derive(Debug, Clone)]
pub(crate) struct CallStart {
    pub grant: Arc<RunGrant>,
    pub api: LlmApi,
    pub model: String,
    pub streamed: bool,
    pub started_at: DateTime<Utc>,
    pub clock: Instant,
}

impl CallStart {
    pub fn new(grant: Arc<RunGrant>, api: LlmApi, model: &str, streamed: bool) -> Self {
        let model = if model.trim().is_empty() {
            UNKNOWN_MODEL
        } else {
            model
        };
        Self {
            grant,
            api,
            model: model.to_owned(),
            streamed,
            started_at: Utc::now(),
            clock: Instant::now(),
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallEnd {
    pub status: Option<u16>,
    pub usage: Option<Usage>,
    pub ttft: Option<Duration>,
    pub error: Option<String>,
    /// When the caller already measured the call's end (so `ttft` and `latency` come from
    /// one clock reading); otherwise it is read when the row is built.
    pub latency: Option<Duration>,
}

/// Builds records, prices them and sends them to the sink without blocking the caller.
#[derive(Clone)]
pub(crate) struct Recorder {
    sink: Arc<dyn CallSink>,
    prices: Arc<PriceTable>,
    in_flight: Arc<AtomicUsize>,
}

impl Recorder {
    pub fn new(sink: Arc<dyn CallSink>, prices: PriceTable) -> Self {
        Self {
            sink,
            prices: Arc::new(prices),
            in_flight: Arc::default(),
        }
    }

    /// The row for a call that ended now.
    pub fn build(&self, start: &CallStart, end: CallEnd) -> LlmCallRecord {
        let latency = end.latency.unwrap_or_else(|| start.clock.elapsed());
        let usage = end.usage.unwrap_or_default();
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        LlmCallRecord {
            type_tag: TypeTag,
            call_id: uuid::Uuid::now_v7().to_string(),
            run_id: start.grant.run_id.clone(),
            collection: Some(start.grant.collection.clone()),
            provider: start.grant.provider.name().to_owned(),
            api: start.api,
            model: start.model.clone(),
            started_at: start.started_at,
            latency_ms: Some(ms(latency)),
            ttft_ms: end.ttft.map(|t| ms(t.min(latency))),
            status_code: end.status.map(i32::from),
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            cache_read_tokens: usage.cache_read_tokens,
            cache_write_tokens: usage.cache_write_tokens,
            reasoning_tokens: usage.reasoning_tokens,
            cost_usd: self.prices.cost(&start.model, &usage),
            streamed: start.streamed,
            error: end.error,
        }
    }

    /// Records a call that ended now. Callable from `Drop`: the sink runs on a task of the
    /// current tokio runtime; [`Recorder::flush`] waits for such tasks.
    pub fn finish(&self, start: &CallStart, end: CallEnd) {
        let record = self.build(start, end);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(call_id = %record.call_id, "no tokio runtime: llm call not recorded");
            return;
        };
        let sink = Arc::clone(&self.sink);
        let in_flight = Arc::clone(&self.in_flight);
        in_flight.fetch_add(1, Ordering::SeqCst);
        // Not awaited: the response must not wait for storage. `flush` covers shutdown.
        runtime.spawn(async move {
            sink.record(record).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// Waits until every submitted record reached the sink, or `timeout` passed;
    /// returns whether all did.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.in_flight.load(Ordering::SeqCst) > 0 {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }
}
