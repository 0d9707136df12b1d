//! Query results as JSON objects, for reports that read a few columns by name.

use serde_json::{Map, Value};

use crate::{OutputFormat, QueryError, Session, write_result};

/// Runs `sql` in `session` and returns at most `max_rows` rows as JSON objects.
pub async fn json_rows(
    session: &Session,
    sql: &str,
    max_rows: usize,
) -> Result<Vec<Map<String, Value>>, QueryError> {
    let (result, _) = session.sql_limited(sql, max_rows).await?;
    let mut out = Vec::new();
    write_result(&result, OutputFormat::Json, &mut out)?;
    let value: Value = serde_json::from_slice(&out)?;
    Ok(match value {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| match v {
                Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// A column as `f64` (numbers, or numeric strings as Arrow JSON writes decimals).
pub(crate) fn f64_of(row: &Map<String, Value>, key: &str) -> Option<f64> {
    match row.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A column as text.
pub(crate) fn str_of<'a>(row: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    row.get(key).and_then(Value::as_str)
}
