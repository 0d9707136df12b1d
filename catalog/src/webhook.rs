//! Webhooks: signing, and the [`Deliverer`] that drains the outbox.
//!
//! A collection sets the secret `WEBHOOK_SECRET` through the secrets API. Each request is
//! signed at send time with its value: `X-Wharf-Signature` is the lowercase hex
//! HMAC-SHA256 of `"{timestamp}.{body}"`, where `timestamp` is the `X-Wharf-Timestamp` header
//! (Unix seconds). Receivers should check the signature with [`verify`] and reject stale
//! timestamps.

mod deliverer;
mod retry;

pub use deliverer::{Deliverer, WEBHOOK_SECRET};
pub use retry::RetryPolicy;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], timestamp: i64, body: &str) -> Option<HmacSha256> {
    // HMAC accepts keys of any length, so this never fails in practice.
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    Some(mac)
}

/// Lowercase hex HMAC-SHA256 of `"{timestamp}.{body}"` under `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    mac(secret, timestamp, body)
        .map(|m| crate::random::hex(&m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// True when `signature_hex` is [`sign`]`(secret, timestamp, body)`; compared in constant time.
pub fn verify(secret: &[u8], timestamp: i64, body: &str, signature_hex: &str) -> bool {
    let Some(expected) = decode_hex(signature_hex.trim()) else {
        return false;
    };
    mac(secret, timestamp, body).is_some_and(|m| m.verify_slice(&expected).is_ok())
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_a_known_vector() {
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
        let sig = sign(b"key", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(
            sig,
            "a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
        assert!(verify(b"key", 1_700_000_000, r#"{"a":1}"#, &sig));
    }

    #[test]
    fn verify_rejects_changes() {
        let sig = sign(b"key", 10, "body");
        assert!(!verify(b"other", 10, "body", &sig));
        assert!(!verify(b"key", 11, "body", &sig));
        assert!(!verify(b"key", 10, "body!", &sig));
        assert!(!verify(b"key", 10, "body", "zz"));
        assert!(!verify(b"key", 10, "body", &sig[..62]));
    }
}
