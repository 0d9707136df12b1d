//! Listing a collection's runs: filters and keyset pagination.
//!
//! Runs are listed newest first, ordered by `(created_at, run_id)` descending. The cursor is
//! opaque to clients: URL-safe base64 of `"{created_at_ms}:{run_id}"` of the last item.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Any;
use sqlx::query::Query;
use wharf_model::QueueStatus;

use crate::error::db;
use crate::runs::{RUN_COLUMNS, RunState};
use crate::time::to_ms;
use crate::{Catalog, CatalogError};

/// Page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Largest accepted page size.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Which runs to list. All conditions are ANDed; `None` means no condition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    /// Only runs with this status.
    pub status: Option<QueueStatus>,
    /// Only runs of this task.
    pub task: Option<String>,
    /// Only runs of this agent.
    pub agent: Option<String>,
    /// Only runs created strictly after this time.
    pub created_after: Option<DateTime<Utc>>,
    /// Only runs created strictly before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Page size: default 50, at most 500.
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; None on the last page.
    pub next_cursor: Option<String>,
}

fn encode_cursor(created_at_ms: i64, run_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{created_at_ms}:{run_id}"))
}

fn decode_cursor(cursor: &str) -> Result<(i64, String), CatalogError> {
    let bad = || {
        CatalogError::invalid(
            "cursor",
            "not a cursor returned by this API; start over without one",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (ms, run_id) = text.split_once(':').ok_or_else(bad)?;
    let ms: i64 = ms.parse().map_err(|_| bad())?;
    if run_id.is_empty() {
        return Err(bad());
    }
    Ok((ms, run_id.to_owned()))
}

/// A value bound to one `$n` placeholder.
enum Arg {
    Text(String),
    Int(i64),
}

impl Catalog {
    /// The collection's runs matching `filter`, newest first, one page at a time.
    pub async fn runs(
        &self,
        collection: &str,
        filter: &RunFilter,
    ) -> Result<Page<RunState>, CatalogError> {
        let limit = filter.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if limit == 0 || limit > MAX_PAGE_SIZE {
            return Err(CatalogError::invalid(
                "limit",
                format!("{limit} is out of range (1-{MAX_PAGE_SIZE})"),
            ));
        }
        let mut conditions = vec!["collection = $1".to_owned()];
        let mut args = vec![Arg::Text(collection.to_owned())];
        let mut push = |sql: &str, arg: Arg, conditions: &mut Vec<String>| {
            args.push(arg);
            conditions.push(sql.replace('?', &format!("${}", args.len())));
        };
        if let Some(status) = filter.status {
            push(
                "status = ?",
                Arg::Text(status.as_str().to_owned()),
                &mut conditions,
            );
        }
        if let Some(task) = &filter.task {
            push("task = ?", Arg::Text(task.clone()), &mut conditions);
        }
        if let Some(agent) = &filter.agent {
            push("agent = ?", Arg::Text(agent.clone()), &mut conditions);
        }
        if let Some(after) = filter.created_after {
            push("created_at > ?", Arg::Int(to_ms(after)), &mut conditions);
        }
        if let Some(before) = filter.created_before {
            push("created_at < ?", Arg::Int(to_ms(before)), &mut conditions);
        }
        if let Some(cursor) = &filter.cursor {
            let (ms, run_id) = decode_cursor(cursor)?;
            let n = args.len();
            args.push(Arg::Int(ms));
            args.push(Arg::Int(ms));
            args.push(Arg::Text(run_id));
            conditions.push(format!(
                "(created_at < ${} OR (created_at = ${} AND run_id < ${}))",
                n + 1,
                n + 2,
                n + 3
            ));
        }
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE {} ORDER BY created_at DESC, run_id DESC LIMIT {}",
            conditions.join(" AND "),
            i64::from(limit) + 1
        );
        let mut query: Query<'_, Any, _> = sqlx::query(&sql);
        for arg in args {
            query = match arg {
                Arg::Text(s) => query.bind(s),
                Arg::Int(i) => query.bind(i),
            };
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing runs"))?;
        let mut items = rows
            .iter()
            .map(RunState::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items
                .last()
                .map(|last| encode_cursor(to_ms(last.created_at), &last.run_id))
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = encode_cursor(1_700_000_000_123, "0190-abc");
        assert_eq!(
            decode_cursor(&c).unwrap(),
            (1_700_000_000_123, "0190-abc".to_owned())
        );
    }

    #[test]
    fn bad_cursors_are_invalid() {
        for bad in [
            "",
            "!!!",
            &URL_SAFE_NO_PAD.encode("nocolon"),
            &URL_SAFE_NO_PAD.encode("x:id"),
        ] {
            assert!(
                matches!(decode_cursor(bad), Err(CatalogError::Invalid { .. })),
                "{bad}"
            );
        }
    }
}
