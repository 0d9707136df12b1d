//! Collections: the tenants. Every other record belongs to exactly one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::error::{db, is_unique_violation};
use crate::row::col;
use crate::time::{from_ms, now_ms};
use crate::{Catalog, CatalogError};

/// A tenant: runs, tokens, secrets, tasks and uploads are scoped to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Collection {
    /// The collection's name (see `wharf_model::validate_collection`).
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl Collection {
    fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(Collection {
            name: col(row, "name")?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
        })
    }
}

/// Validates a collection name given by a caller.
pub(crate) fn validate_name(name: &str) -> Result<(), CatalogError> {
    wharf_model::validate_collection("collection", name).map_err(|e| match e {
        wharf_model::ModelError::Field { field, message, .. } => {
            CatalogError::invalid(field, message)
        }
        other => CatalogError::invalid("collection", other.to_string()),
    })
}

impl Catalog {
    /// Creates a collection; [`CatalogError::Conflict`] if the name is taken.
    pub async fn create_collection(&self, name: &str) -> Result<Collection, CatalogError> {
        validate_name(name)?;
        let row = sqlx::query(
            "INSERT INTO collections (name, created_at) VALUES ($1, $2) RETURNING name, created_at",
        )
        .bind(name)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                CatalogError::conflict(format!("collection `{name}` already exists"))
            } else {
                db("creating a collection")(e)
            }
        })?;
        Collection::from_row(&row)
    }

    /// The named collection, if it exists.
    pub async fn collection(&self, name: &str) -> Result<Option<Collection>, CatalogError> {
        let row = sqlx::query("SELECT name, created_at FROM collections WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("reading a collection"))?;
        row.as_ref().map(Collection::from_row).transpose()
    }

    /// All collections, by name.
    pub async fn collections(&self) -> Result<Vec<Collection>, CatalogError> {
        let rows = sqlx::query("SELECT name, created_at FROM collections ORDER BY name")
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing collections"))?;
        rows.iter().map(Collection::from_row).collect()
    }
}
