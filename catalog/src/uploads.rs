//! Upload records. The bytes live in object storage; this is the record of them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::error::{db, is_unique_violation};
use crate::row::col;
use crate::time::{from_ms, to_ms};
use crate::{Catalog, CatalogError};

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Upload {
    /// The upload's id.
    pub id: String,
    /// The owning collection.
    pub collection: String,
    /// The client's file name.
    pub name: String,
    /// Size in bytes.
    pub bytes: i64,
    /// SHA-256 (hex) of the content.
    pub sha256: String,
    /// Where the bytes are in the object store.
    pub object_key: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

impl Upload {
    fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(Upload {
            id: col(row, "id")?,
            collection: col(row, "collection")?,
            name: col(row, "name")?,
            bytes: col(row, "bytes")?,
            sha256: col(row, "sha256")?,
            object_key: col(row, "object_key")?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
        })
    }
}

impl Catalog {
    /// Records an upload; [`CatalogError::Conflict`] if the id is taken.
    pub async fn put_upload(&self, upload: &Upload) -> Result<(), CatalogError> {
        if upload.id.is_empty() {
            return Err(CatalogError::invalid("upload id", "is empty"));
        }
        if upload.bytes < 0 {
            return Err(CatalogError::invalid("bytes", "is negative"));
        }
        self.require_collection(&upload.collection).await?;
        sqlx::query(
            "INSERT INTO uploads (id, collection, name, bytes, sha256, object_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&upload.id)
        .bind(&upload.collection)
        .bind(&upload.name)
        .bind(upload.bytes)
        .bind(&upload.sha256)
        .bind(&upload.object_key)
        .bind(to_ms(upload.created_at))
        .execute(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                CatalogError::conflict(format!("upload `{}` already exists", upload.id))
            } else {
                db("recording an upload")(e)
            }
        })?;
        Ok(())
    }

    /// An upload of `collection`, if it exists there.
    pub async fn upload(
        &self,
        collection: &str,
        upload_id: &str,
    ) -> Result<Option<Upload>, CatalogError> {
        let row = sqlx::query(
            "SELECT id, collection, name, bytes, sha256, object_key, created_at
             FROM uploads WHERE collection = $1 AND id = $2",
        )
        .bind(collection)
        .bind(upload_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db("reading an upload"))?;
        row.as_ref().map(Upload::from_row).transpose()
    }
}
