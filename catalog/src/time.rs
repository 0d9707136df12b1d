//! Timestamps are stored as milliseconds since the Unix epoch (portable BIGINT).

use chrono::{DateTime, Utc};

use crate::CatalogError;

/// The current time in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A timestamp as epoch milliseconds.
pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Epoch milliseconds read from a column back into a timestamp.
pub(crate) fn from_ms(column: &str, ms: i64) -> Result<DateTime<Utc>, CatalogError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        CatalogError::Database(format!("column `{column}` holds an out-of-range time {ms}"))
    })
}

/// Like [`from_ms`] for nullable columns.
pub(crate) fn opt_from_ms(
    column: &str,
    ms: Option<i64>,
) -> Result<Option<DateTime<Utc>>, CatalogError> {
    ms.map(|ms| from_ms(column, ms)).transpose()
}
