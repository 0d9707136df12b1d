//! Per-server state for transient failures: the rate limiter
//! (`options.rate_limit`) and the counts behind `error.times`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::script::RateLimit;

/// A token bucket: `burst` tokens, refilled at `requests_per_second`.
#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

impl RateLimiter {
    /// A full bucket.
    pub fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            bucket: Mutex::new(Bucket {
                tokens: f64::from(limit.burst),
                refilled: Instant::now(),
            }),
        }
    }

    /// The limit it enforces.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes a token, or says how long until one is available.
    pub fn acquire(&self) -> Result<(), Duration> {
        let mut b = lock(&self.bucket);
        let now = Instant::now();
        let elapsed = now.duration_since(b.refilled).as_secs_f64();
        b.tokens =
            (b.tokens + elapsed * self.limit.requests_per_second).min(f64::from(self.limit.burst));
        b.refilled = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.limit.requests_per_second;
            Err(Duration::from_secs_f64(wait.max(0.001)))
        }
    }
}

/// How many times each `error.times` turn has answered with its error, and
/// which of each turn's `variants` answers next.
#[derive(Debug, Default)]
pub struct ErrorCounts {
    sent: Mutex<HashMap<usize, u32>>,
    variants: Mutex<HashMap<usize, usize>>,
}

impl ErrorCounts {
    /// True (and counted) while turn `index` has sent fewer than `times` errors.
    pub fn take(&self, index: usize, times: u32) -> bool {
        let mut sent = lock(&self.sent);
        let n = sent.entry(index).or_insert(0);
        if *n < times {
            *n += 1;
            true
        } else {
            false
        }
    }

    /// The index of the variant of turn `index` that answers now (cycling over `len`).
    pub fn next_variant(&self, index: usize, len: usize) -> usize {
        let mut next = lock(&self.variants);
        let n = next.entry(index).or_insert(0);
        let pick = *n % len.max(1);
        *n += 1;
        pick
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
