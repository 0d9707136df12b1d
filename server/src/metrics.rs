//! Prometheus metrics: requests and latencies per route, runs by status, queue depth.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::error::ApiError;

/// The server's metrics. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// Runs in the catalog by status (set at scrape time).
    pub runs: IntGaugeVec,
    /// Queued runs (set at scrape time).
    pub queue_depth: IntGauge,
    /// Runs executing in this process (set at scrape time).
    pub running: IntGauge,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Result<Self, ApiError> {
        let err = |e: prometheus::Error| ApiError::Internal(format!("metrics: {e}"));
        let registry = Registry::new_custom(Some("wharf".into()), None).map_err(err)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )
        .map_err(err)?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to the response head, by route",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0, 30.0,
            ]),
            &["route"],
        )
        .map_err(err)?;
        let runs =
            IntGaugeVec::new(Opts::new("runs", "Runs by status"), &["status"]).map_err(err)?;
        let queue_depth = IntGauge::new("queue_depth", "Runs waiting for a worker").map_err(err)?;
        let running =
            IntGauge::new("runs_executing", "Runs executing in this process").map_err(err)?;
        registry.register(Box::new(requests.clone())).map_err(err)?;
        registry.register(Box::new(latency.clone())).map_err(err)?;
        registry.register(Box::new(runs.clone())).map_err(err)?;
        registry
            .register(Box::new(queue_depth.clone()))
            .map_err(err)?;
        registry.register(Box::new(running.clone())).map_err(err)?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            runs,
            queue_depth,
            running,
        })
    }

    /// Counts one request.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, method, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<String, ApiError> {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(|e| ApiError::Internal(format!("metrics: {e}")))?;
        String::from_utf8(out).map_err(|e| ApiError::Internal(format!("metrics: {e}")))
    }
}
