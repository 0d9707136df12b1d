//! Sending one chat completion with retries.
//!
//! The judge uses async-openai's request and response *types* but not its
//! client: in 0.33 the client retries 429 and 5xx itself with its own
//! exponential backoff and discards the response headers of failed requests
//! (`retry_after: None`), so a provider's `retry-after` / `retry-after-ms`
//! cannot be honoured, the retry count cannot be bounded per call, and a
//! concurrency permit would be held through its sleeps. It also brings a second
//! HTTP stack (reqwest 0.12). Sending with the workspace's reqwest keeps
//! retries, waits and permits here, where they are tested against mock-llm.

use std::time::Duration;

use async_openai::types::chat::{CreateChatCompletionRequest, CreateChatCompletionResponse};
use reqwest::header::HeaderMap;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::error::GraderError;
use crate::pace::Pace;
use wharf_stats::SplitMix64;

/// Longest `retry-after` honoured; a provider asking for more fails the call.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Longest a call keeps coming back to a rate-limited provider (429s do not count against
/// `max_retries`: they say "later", not "broken").
pub const MAX_RATE_LIMITED: Duration = Duration::from_secs(600);

/// When and how often to retry a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Retries after the first attempt (429, 5xx, 408, connection errors, timeouts).
    pub max_retries: u32,
    /// Backoff before the first retry; doubled each time (with jitter).
    pub initial_backoff: Duration,
    /// Cap on one backoff.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (0-based): `initial * 2^retry`,
    /// capped, with "equal jitter" (uniform in the upper half).
    pub fn backoff(&self, retry: u32, rng: &mut SplitMix64) -> Duration {
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << retry.min(20))
            .min(self.max_backoff);
        let half = base / 2;
        half + half.mul_f64(rng.next_f64())
    }
}

/// The wait a response asks for: `retry-after-ms` (OpenAI), else
/// `retry-after` in seconds (fractions accepted) or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let v = get("retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// An OpenAI-compatible `POST {base_url}/chat/completions` endpoint.
pub(crate) struct Transport {
    client: reqwest::Client,
    url: String,
    api_key: Option<String>,
    retry: RetryPolicy,
    pace: Pace,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("url", &self.url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("retry", &self.retry)
            .finish()
    }
}

/// A successful exchange.
#[derive(Debug)]
pub(crate) struct Sent {
    pub response: CreateChatCompletionResponse,
    pub attempts: u32,
}

impl Transport {
    pub(crate) fn new(
        base_url: &str,
        api_key: Option<String>,
        timeout: Duration,
        retry: RetryPolicy,
    ) -> Result<Transport, GraderError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| GraderError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Transport {
            client,
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            api_key,
            retry,
            pace: Pace::new(MAX_RETRY_AFTER),
        })
    }

    /// Sends `request`, retrying transient failures; each attempt holds a
    /// permit of `limit` only while it is in flight.
    pub(crate) async fn send(
        &self,
        request: &CreateChatCompletionRequest,
        limit: &Semaphore,
    ) -> Result<Sent, GraderError> {
        let mut rng = SplitMix64::from_time();
        let started = tokio::time::Instant::now();
        let mut attempts = 0;
        let mut failures = 0;
        loop {
            attempts += 1;
            // Paced start (staggered after a 429), then a concurrency permit only while in
            // flight.
            self.pace.wait_turn().await;
            let outcome = {
                let _permit = limit.acquire().await.map_err(|_| GraderError::Transport {
                    attempts,
                    message: "the judge was shut down".into(),
                    status: None,
                })?;
                self.attempt(request).await
            };
            let failure = match outcome {
                Ok(response) => {
                    self.pace.succeeded();
                    return Ok(Sent { response, attempts });
                }
                Err(f) => f,
            };
            let give_up = |message: String| GraderError::Transport {
                attempts,
                message,
                status: failure.status,
            };
            if failure.status == Some(429) {
                let wait = failure
                    .retry_after
                    .unwrap_or_else(|| self.retry.backoff(failures.min(10), &mut rng));
                if wait > MAX_RETRY_AFTER {
                    return Err(give_up(format!(
                        "{}; the provider asks to retry after {}s, more than the {}s wait allowed",
                        failure.message,
                        wait.as_secs(),
                        MAX_RETRY_AFTER.as_secs()
                    )));
                }
                if started.elapsed() + wait > MAX_RATE_LIMITED {
                    return Err(give_up(format!(
                        "{}; still rate-limited after {}s",
                        failure.message,
                        started.elapsed().as_secs()
                    )));
                }
                self.pace.limited(wait);
                continue;
            }
            failures += 1;
            if !failure.retryable || failures > self.retry.max_retries {
                return Err(give_up(failure.message));
            }
            let wait = match failure.retry_after {
                Some(w) if w > MAX_RETRY_AFTER => {
                    return Err(give_up(format!(
                        "{}; the provider asks to retry after {}s, more than the {}s wait allowed",
                        failure.message,
                        w.as_secs(),
                        MAX_RETRY_AFTER.as_secs()
                    )));
                }
                Some(w) => w,
                None => self.retry.backoff(failures - 1, &mut rng),
            };
            tracing::warn!(
                url = %self.url,
                status = ?failure.status,
                wait_ms = wait.as_millis() as u64,
                attempt = attempts,
                "judge request failed, retrying: {}",
                failure.message
            );
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        request: &CreateChatCompletionRequest,
    ) -> Result<CreateChatCompletionResponse, Failure> {
        let mut builder = self.client.post(&self.url).json(request);
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key);
        }
        let resp = builder.send().await.map_err(|e| Failure {
            retryable: e.is_connect() || e.is_timeout() || e.is_request(),
            status: None,
            retry_after: None,
            message: format!("cannot reach {}: {e}", self.url),
        })?;
        let status = resp.status();
        let wait = retry_after(resp.headers());
        let body = resp.bytes().await.map_err(|e| Failure {
            retryable: true,
            status: Some(status.as_u16()),
            retry_after: wait,
            message: format!("reading the response failed: {e}"),
        })?;
        if !status.is_success() {
            let code = status.as_u16();
            return Err(Failure {
                retryable: code == 408 || code == 429 || status.is_server_error(),
                status: Some(code),
                retry_after: wait,
                message: format!("HTTP {code}: {}", error_message(&body)),
            });
        }
        serde_json::from_slice(&body).map_err(|e| Failure {
            retryable: false,
            status: Some(status.as_u16()),
            retry_after: None,
            message: format!(
                "the response is not a chat completion ({e}): {}",
                snippet(&String::from_utf8_lossy(&body))
            ),
        })
    }
}

struct Failure {
    retryable: bool,
    status: Option<u16>,
    retry_after: Option<Duration>,
    message: String,
}

/// The provider's `error.message`, else the start of the body.
fn error_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Wrapped {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        message: String,
    }
    match serde_json::from_slice::<Wrapped>(body) {
        Ok(w) => w.error.message,
        Err(_) => snippet(&String::from_utf8_lossy(body)),
    }
}

fn snippet(s: &str) -> String {
    s.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_prefers_milliseconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("0.25"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
        };
        let mut rng = SplitMix64::new(1);
        for retry in 0..8 {
            let base = (100u64 << retry).min(1000);
            let d = p.backoff(retry, &mut rng).as_millis() as u64;
            assert!(d >= base / 2 && d <= base, "retry {retry}: {d}");
        }
    }
}
