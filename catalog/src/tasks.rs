//! Tasks: named, versioned runbooks per collection.
//!
//! Putting a task stores a new version (latest + 1) unless the runbook and description are
//! identical to the latest version, which is then returned unchanged.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

use crate::error::{db, is_unique_violation};
use crate::random;
use crate::row::col;
use crate::time::{from_ms, now_ms};
use crate::{Catalog, CatalogError};

const MAX_NAME_LEN: usize = 100;
/// Largest accepted runbook, in bytes.
pub const MAX_RUNBOOK_BYTES: usize = 1024 * 1024;
/// Concurrent puts of one task can race for a version number (Postgres); retry this often.
const VERSION_RACE_RETRIES: usize = 5;

/// One version of a task, without its runbook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct TaskInfo {
    /// The owning collection.
    pub collection: String,
    /// The task's name.
    pub name: String,
    /// 1 for the first version, then +1 per change.
    pub version: i64,
    /// SHA-256 (hex) of the runbook text.
    pub sha256: String,
    /// Optional human description.
    pub description: Option<String>,
    /// When this version was stored.
    pub created_at: DateTime<Utc>,
}

/// One version of a task with its runbook text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Task {
    /// Collection, name, version, hash and description of this version.
    pub info: TaskInfo,
    /// The runbook source.
    pub runbook: String,
}

const INFO_COLUMNS: &str = "collection, name, version, sha256, description, created_at";

impl TaskInfo {
    fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(TaskInfo {
            collection: col(row, "collection")?,
            name: col(row, "name")?,
            version: col(row, "version")?,
            sha256: col(row, "sha256")?,
            description: col(row, "description")?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
        })
    }
}

/// Checks a task name against `^[a-z0-9][a-z0-9._-]{0,99}$`.
pub fn validate_task_name(name: &str) -> Result<(), CatalogError> {
    let ok_start = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    let ok_rest = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if ok_start && ok_rest && name.len() <= MAX_NAME_LEN {
        Ok(())
    } else {
        let shown: String = name.chars().take(64).collect();
        Err(CatalogError::invalid(
            "task",
            format!(
                "`{shown}` is not a valid task name (1-{MAX_NAME_LEN} characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit)"
            ),
        ))
    }
}

impl Catalog {
    /// Stores a new version of a task, or returns the latest if it is identical.
    pub async fn put_task(
        &self,
        collection: &str,
        name: &str,
        runbook: &str,
        description: Option<&str>,
    ) -> Result<TaskInfo, CatalogError> {
        validate_task_name(name)?;
        if runbook.trim().is_empty() {
            return Err(CatalogError::invalid("runbook", "is empty"));
        }
        if runbook.len() > MAX_RUNBOOK_BYTES {
            return Err(CatalogError::invalid(
                "runbook",
                format!(
                    "is {} bytes, the limit is {MAX_RUNBOOK_BYTES}",
                    runbook.len()
                ),
            ));
        }
        self.require_collection(collection).await?;
        let sha256 = random::hex(&Sha256::digest(runbook.as_bytes()));
        let sql = format!(
            "INSERT INTO tasks (collection, name, version, sha256, description, runbook, created_at)
             SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4, $5, $6
             FROM tasks WHERE collection = $7 AND name = $8
             RETURNING {INFO_COLUMNS}"
        );
        let mut attempt = 0;
        loop {
            if let Some(latest) = self.task(collection, name, None).await?
                && latest.info.sha256 == sha256
                && latest.info.description.as_deref() == description
            {
                return Ok(latest.info);
            }
            let inserted = sqlx::query(&sql)
                .bind(collection)
                .bind(name)
                .bind(&sha256)
                .bind(description)
                .bind(runbook)
                .bind(now_ms())
                .bind(collection)
                .bind(name)
                .fetch_one(&self.pool)
                .await;
            match inserted {
                Ok(row) => return TaskInfo::from_row(&row),
                Err(e) if is_unique_violation(&e) && attempt < VERSION_RACE_RETRIES => attempt += 1,
                Err(e) => return Err(db("storing a task")(e)),
            }
        }
    }

    /// A version of a task (`None` = latest), if it exists in `collection`.
    pub async fn task(
        &self,
        collection: &str,
        name: &str,
        version: Option<i64>,
    ) -> Result<Option<Task>, CatalogError> {
        let query = match version {
            Some(v) => sqlx::query(
                "SELECT collection, name, version, sha256, description, created_at, runbook
                 FROM tasks WHERE collection = $1 AND name = $2 AND version = $3",
            )
            .bind(collection)
            .bind(name)
            .bind(v),
            None => sqlx::query(
                "SELECT collection, name, version, sha256, description, created_at, runbook
                 FROM tasks WHERE collection = $1 AND name = $2 ORDER BY version DESC LIMIT 1",
            )
            .bind(collection)
            .bind(name),
        };
        let row = query
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a task"))?;
        row.map(|row| {
            Ok(Task {
                info: TaskInfo::from_row(&row)?,
                runbook: col(&row, "runbook")?,
            })
        })
        .transpose()
    }

    /// The latest version of each of the collection's tasks, by name.
    pub async fn tasks(&self, collection: &str) -> Result<Vec<TaskInfo>, CatalogError> {
        let sql = format!(
            "SELECT {INFO_COLUMNS} FROM tasks t
             WHERE collection = $1
               AND version = (SELECT MAX(version) FROM tasks l
                              WHERE l.collection = t.collection AND l.name = t.name)
             ORDER BY name"
        );
        let rows = sqlx::query(&sql)
            .bind(collection)
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing tasks"))?;
        rows.iter().map(TaskInfo::from_row).collect()
    }
}
