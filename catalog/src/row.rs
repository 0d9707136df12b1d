//! Typed column access on `sqlx::Any` rows with catalog errors.

use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{Any, Decode, Row, Type};

use crate::CatalogError;

/// Reads column `name`, mapping a decode failure to [`CatalogError::Database`].
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T, CatalogError>
where
    T: Decode<'r, Any> + Type<Any>,
{
    row.try_get(name)
        .map_err(|e| CatalogError::Database(format!("reading column `{name}`: {e}")))
}

/// Reads a 0/1 BIGINT column as a bool (portable across SQLite and Postgres).
pub(crate) fn flag(row: &AnyRow, name: &str) -> Result<bool, CatalogError> {
    Ok(col::<i64>(row, name)? != 0)
}

/// Reads a TEXT column holding JSON.
pub(crate) fn json(row: &AnyRow, name: &str) -> Result<serde_json::Value, CatalogError> {
    let text: String = col(row, name)?;
    parse_json(name, &text)
}

/// Reads a nullable TEXT column holding the JSON of a `T`.
pub(crate) fn opt_json<T: DeserializeOwned>(
    row: &AnyRow,
    name: &str,
) -> Result<Option<T>, CatalogError> {
    let text: Option<String> = col(row, name)?;
    text.map(|t| parse_json(name, &t)).transpose()
}

fn parse_json<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, CatalogError> {
    serde_json::from_str(text)
        .map_err(|e| CatalogError::Database(format!("column `{name}` holds invalid JSON: {e}")))
}
