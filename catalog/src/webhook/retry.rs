//! When to retry a failed webhook attempt.

use std::time::Duration;

/// Exponential backoff with jitter, and per-attempt limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before a delivery is marked `failed` (default 8).
    pub max_attempts: u32,
    /// Delay after the first failed attempt (default 1 s); doubles after each further one.
    pub base: Duration,
    /// Upper bound on the delay (default 10 min).
    pub max_delay: Duration,
    /// Timeout of one HTTP attempt (default 10 s).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(600),
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The delay before the next attempt after `attempts` failed attempts (1-based), or None
    /// when no attempt is left. Uniformly jittered in `[d/2, d]` where
    /// `d = min(base * 2^(attempts-1), max_delay)`.
    pub fn delay_after(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self
            .base
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let span = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
        let jitter = match crate::random::u64() {
            Ok(r) if span > 0 => Duration::from_nanos(r % (span + 1)),
            _ => full - half,
        };
        Some(half + jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_stop() {
        let p = RetryPolicy {
            max_attempts: 20,
            base: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(1),
        };
        for attempts in 1..20 {
            let d = p.delay_after(attempts).unwrap();
            let full = Duration::from_secs(1 << (attempts - 1).min(30)).min(p.max_delay);
            assert!(d >= full / 2 && d <= full, "{attempts}: {d:?}");
        }
        assert_eq!(p.delay_after(20), None);
        assert_eq!(RetryPolicy::default().delay_after(8), None);
    }
}
