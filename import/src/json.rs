//! Reading JSON: a path-aware accessor for documents with a schema ([`Obj`]: a wrong type
//! is an error naming `steps[3].metrics.prompt_tokens`), lenient accessors for transcripts
//! whose shape drifts between versions (a wrong type is `None`), and timestamp parsing.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde_json::{Map, Value};
pub(crate) use wharf_model::json_type_name as type_name;

use crate::ImportError;

/// A JSON object with its path in the document, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct Obj<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) path: String,
    pub(crate) format: &'static str,
}

/// `path.key`, or `key` at the root.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Obj<'a> {
    /// The document root, which must be an object.
    pub(crate) fn root(value: &'a Value, format: &'static str) -> Result<Self, ImportError> {
        Self::new(value, String::new(), format)
    }

    /// `value` at `path`, which must be an object.
    pub(crate) fn new(
        value: &'a Value,
        path: String,
        format: &'static str,
    ) -> Result<Self, ImportError> {
        match value {
            Value::Object(map) => Ok(Obj { map, path, format }),
            other => Err(ImportError::field(
                format,
                if path.is_empty() { "(root)" } else { &path },
                format!("expected an object, got {}", type_name(other)),
            )),
        }
    }

    /// Path of a key of this object.
    pub(crate) fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// A present, non-null value.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn wrong(&self, key: &str, expected: &str, got: &Value) -> ImportError {
        ImportError::field(
            self.format,
            self.at(key),
            format!("expected {expected}, got {}", type_name(got)),
        )
    }

    /// An optional string.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    /// A required string.
    pub(crate) fn req_str(&self, key: &str) -> Result<&'a str, ImportError> {
        self.str(key)?
            .ok_or_else(|| ImportError::field(self.format, self.at(key), "is required"))
    }

    /// An optional boolean.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(key, "a boolean", other)),
        }
    }

    /// An optional finite number.
    pub(crate) fn number(&self, key: &str) -> Result<Option<f64>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(v @ Value::Number(n)) => match n.as_f64().filter(|f| f.is_finite()) {
                Some(f) => Ok(Some(f)),
                None => Err(self.wrong(key, "a finite number", v)),
            },
            Some(other) => Err(self.wrong(key, "a number", other)),
        }
    }

    /// An optional count: an integer >= 0 (integral floats accepted).
    pub(crate) fn count(&self, key: &str) -> Result<Option<i64>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match count(v) {
                Some(n) => Ok(Some(n)),
                None => Err(self.wrong(key, "an integer >= 0", v)),
            },
        }
    }

    /// An optional timestamp (RFC 3339, or ISO 8601 without offset taken as UTC).
    pub(crate) fn time(&self, key: &str) -> Result<Option<DateTime<Utc>>, ImportError> {
        match self.str(key)? {
            None => Ok(None),
            Some(text) => parse_time(text).map(Some).ok_or_else(|| {
                ImportError::field(
                    self.format,
                    self.at(key),
                    format!("`{}` is not an ISO 8601 timestamp", clip(text)),
                )
            }),
        }
    }

    /// An optional object.
    pub(crate) fn obj(&self, key: &str) -> Result<Option<Obj<'a>>, ImportError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, self.at(key), self.format).map(Some),
        }
    }

    /// An optional array, as (element path, element) pairs.
    pub(crate) fn arr(&self, key: &str) -> Result<Vec<(String, &'a Value)>, ImportError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                let path = self.at(key);
                Ok(items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{path}[{i}]"), v))
                    .collect())
            }
            Some(other) => Err(self.wrong(key, "an array", other)),
        }
    }
}

/// A count: a non-negative integer (integral floats accepted).
pub(crate) fn count(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return (n >= 0).then_some(n);
    }
    let f = value.as_f64()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 9.0e15).then_some(f as i64)
}

/// A string field, leniently.
pub(crate) fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// A non-empty string field, leniently, owned.
pub(crate) fn text_of(map: &Map<String, Value>, key: &str) -> Option<String> {
    str_of(map, key)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A count field, leniently.
pub(crate) fn count_of(map: &Map<String, Value>, key: &str) -> Option<i64> {
    map.get(key).and_then(count)
}

/// An object field, leniently.
pub(crate) fn object_at<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Option<&'a Map<String, Value>> {
    map.get(key).and_then(Value::as_object)
}

/// A timestamp field, leniently.
pub(crate) fn time_of(map: &Map<String, Value>, key: &str) -> Option<DateTime<Utc>> {
    str_of(map, key).and_then(parse_time)
}

/// A JSON value as text: strings as they are, anything else serialized.
pub(crate) fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A string holding JSON parsed back into a value; other strings stay strings.
pub(crate) fn json_or_string(text: &str) -> Value {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(value) = serde_json::from_str::<Value>(text)
    {
        return value;
    }
    Value::String(text.to_owned())
}

/// Parses RFC 3339, ISO 8601 without an offset (taken as UTC, as Python's `isoformat()`
/// writes naive times), `YYYY-MM-DD HH:MM:SS`, or a bare date (midnight UTC).
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Some(ts.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|naive| Utc.from_utc_datetime(&naive))
}

/// Shortens a user value for a message.
pub(crate) fn clip(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// Parses a whole document, with serde_json's line/column in the error.
pub(crate) fn parse_document(bytes: &[u8], format: &'static str) -> Result<Value, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    serde_json::from_slice(bytes).map_err(|e| ImportError::json(format, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_spelling() {
        let want = Utc.with_ymd_and_hms(2026, 6, 10, 14, 46, 13).unwrap();
        for text in [
            "2026-06-10T14:46:13Z",
            "2026-06-10T14:46:13+00:00",
            "2026-06-10T16:46:13+02:00",
            "2026-06-10T14:46:13",
            "2026-06-10 14:46:13",
        ] {
            assert_eq!(parse_time(text), Some(want), "{text}");
        }
        assert_eq!(
            parse_time("2026-06-10T14:46:13.724033").map(|t| t.timestamp_subsec_micros()),
            Some(724_033)
        );
        assert_eq!(
            parse_time("2026-06-10"),
            Some(Utc.with_ymd_and_hms(2026, 6, 10, 0, 0, 0).unwrap())
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn paths_name_the_field() {
        let doc: Value = serde_json::json!({"steps": [{"metrics": {"prompt_tokens": "many"}}]});
        let root = Obj::root(&doc, "atif").unwrap();
        let steps = root.arr("steps").unwrap();
        let (path, step) = &steps[0];
        let step = Obj::new(step, path.clone(), "atif").unwrap();
        let metrics = step.obj("metrics").unwrap().unwrap();
        let err = metrics.count("prompt_tokens").unwrap_err().to_string();
        assert_eq!(
            err,
            "atif: `steps[0].metrics.prompt_tokens`: expected an integer >= 0, got a string"
        );
    }
}
