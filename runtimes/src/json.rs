//! Lenient accessors over native JSON: a missing or mistyped field is `None`, never an error.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

/// A string field.
pub(crate) fn str_of(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A non-empty string field.
pub(crate) fn text_of(map: &Map<String, Value>, key: &str) -> Option<String> {
    str_of(map, key).filter(|s| !s.is_empty())
}

/// An object field.
pub(crate) fn object_at<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Option<&'a Map<String, Value>> {
    map.get(key).and_then(Value::as_object)
}

/// A token count: a non-negative integer (integral floats accepted).
pub(crate) fn count(value: Option<&Value>) -> Option<i64> {
    let value = value?;
    if let Some(n) = value.as_i64() {
        return (n >= 0).then_some(n);
    }
    let f = value.as_f64()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 9.0e15).then_some(f as i64)
}

/// A token count field.
pub(crate) fn count_of(map: &Map<String, Value>, key: &str) -> Option<i64> {
    count(map.get(key))
}

/// A cost: a finite, non-negative number.
pub(crate) fn cost_of(map: &Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key)
        .and_then(Value::as_f64)
        .filter(|f| f.is_finite() && *f >= 0.0)
}

/// An exit code.
pub(crate) fn exit_code_of(map: &Map<String, Value>, key: &str) -> Option<i32> {
    map.get(key)
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
}

/// A duration in milliseconds.
pub(crate) fn millis_of(map: &Map<String, Value>, key: &str) -> Option<i64> {
    count_of(map, key)
}

/// An RFC 3339 timestamp field.
pub(crate) fn ts_rfc3339(map: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    let text = map.get(key)?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|ts| ts.with_timezone(&Utc))
}

/// A Unix-epoch milliseconds timestamp field.
pub(crate) fn ts_millis(map: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    let ms = map.get(key)?.as_i64()?;
    Utc.timestamp_millis_opt(ms).single()
}

/// A Unix-epoch seconds timestamp field (fractional seconds allowed).
pub(crate) fn ts_secs(map: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    let secs = map.get(key)?.as_f64()?;
    if !secs.is_finite() || secs.abs() > 1.0e13 {
        return None;
    }
    let micros = (secs * 1_000_000.0).round() as i64;
    Utc.timestamp_micros(micros).single()
}

/// Milliseconds from `start` to `end`, when both are known and in order.
pub(crate) fn elapsed_ms(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Option<i64> {
    let ms = (end? - start?).num_milliseconds();
    (ms >= 0).then_some(ms)
}

/// A JSON value as text: strings as they are, anything else serialized.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
