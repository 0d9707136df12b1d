//! Sends due webhook deliveries from the outbox and records each attempt.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{RetryPolicy, sign};
use crate::outbox::{AttemptRecord, Delivery};
use crate::{Catalog, CatalogError};

/// The collection secret whose value signs webhook requests.
pub const WEBHOOK_SECRET: &str = "WEBHOOK_SECRET";
const USER_AGENT: &str = concat!("wharf-webhooks/", env!("CARGO_PKG_VERSION"));
/// Deliveries claimed per pass.
const BATCH: u32 = 32;
/// How long a claim outlives the attempt timeout, so a slow attempt is not sent twice.
const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// Drains the webhook outbox: signs and POSTs due deliveries, retrying with backoff.
#[derive(Debug, Clone)]
pub struct Deliverer {
    catalog: Catalog,
    client: reqwest::Client,
    policy: RetryPolicy,
}

impl Deliverer {
    /// A deliverer with its own HTTP client (no redirects, `policy.timeout` per attempt).
    pub fn new(catalog: Catalog, policy: RetryPolicy) -> Result<Self, CatalogError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout)
            .user_agent(USER_AGENT)
            .build()?;
        Ok(Deliverer {
            catalog,
            client,
            policy,
        })
    }

    /// One pass: claims due deliveries, attempts each once, records the outcomes. Returns
    /// the number of attempts made.
    pub async fn deliver_due(&self) -> Result<usize, CatalogError> {
        let lease = self.policy.timeout.saturating_add(LEASE_MARGIN);
        let due = self
            .catalog
            .claim_due_deliveries(Utc::now(), lease, BATCH)
            .await?;
        let mut secrets: HashMap<String, Result<Option<String>, String>> = HashMap::new();
        for delivery in &due {
            if !secrets.contains_key(&delivery.collection) {
                let secret = self
                    .catalog
                    .secret_values(&delivery.collection)
                    .await
                    .map(|mut values| values.remove(WEBHOOK_SECRET))
                    .map_err(|e| e.to_string());
                secrets.insert(delivery.collection.clone(), secret);
            }
            let attempt = match secrets.get(&delivery.collection) {
                Some(Ok(Some(secret))) => self.attempt(delivery, secret.as_bytes()).await,
                Some(Ok(None)) | None => failed_before_sending("collection has no WEBHOOK_SECRET"),
                Some(Err(e)) => failed_before_sending(&format!("reading WEBHOOK_SECRET: {e}")),
            };
            let attempts_made = u32::try_from(delivery.attempts.len() + 1).unwrap_or(u32::MAX);
            let next = self
                .policy
                .delay_after(attempts_made)
                .and_then(|d| chrono::Duration::from_std(d).ok())
                .map(|d| Utc::now() + d);
            self.catalog
                .record_attempt(&delivery.id, &attempt, next)
                .await?;
        }
        Ok(due.len())
    }

    async fn attempt(&self, delivery: &Delivery, secret: &[u8]) -> AttemptRecord {
        let at = Utc::now();
        let started = Instant::now();
        let timestamp = at.timestamp();
        let sent = self
            .client
            .post(&delivery.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Wharf-Signature", sign(secret, timestamp, &delivery.body))
            .header("X-Wharf-Timestamp", timestamp.to_string())
            .header("X-Wharf-Run-Id", &delivery.run_id)
            .header("X-Wharf-Delivery-Id", &delivery.id)
            .header("X-Wharf-Event", &delivery.event)
            .body(delivery.body.clone())
            .send()
            .await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match sent {
            Ok(response) => AttemptRecord {
                at,
                status_code: Some(i64::from(response.status().as_u16())),
                error: None,
                duration_ms,
            },
            Err(e) => AttemptRecord {
                at,
                status_code: None,
                error: Some(describe(&e.without_url())),
                duration_ms,
            },
        }
    }

    /// Runs [`Deliverer::deliver_due`] every `every` until `shutdown` holds `true` or its
    /// sender is dropped. Errors of a pass are logged and the loop continues.
    pub fn spawn(self, every: Duration, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if *shutdown.borrow_and_update() {
                    break;
                }
                if let Err(e) = self.deliver_due().await {
                    tracing::warn!(error = %e, "webhook delivery pass failed");
                }
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    changed = shutdown.changed() => {
                        if changed.is_err() {
                            break;
                        }
                    }
                }
            }
        })
    }
}

fn failed_before_sending(error: &str) -> AttemptRecord {
    AttemptRecord {
        at: Utc::now(),
        status_code: None,
        error: Some(error.to_owned()),
        duration_ms: 0,
    }
}

/// The error and its causes, joined (reqwest's top-level message alone is vague).
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
