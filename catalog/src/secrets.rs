//! Per-collection secrets, encrypted at rest.
//!
//! Each value is sealed with XChaCha20-Poly1305 under the catalog [`SecretKey`], a random
//! 24-byte nonce, and associated data `"{collection}\0{name}"`, so a stored ciphertext only
//! opens as the secret it was written as. Names are `^[A-Za-z_][A-Za-z0-9_]{0,127}$`; values
//! are non-empty and at most 64 KiB.
//!
//! [`SecretKey`]: crate::SecretKey

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;

use crate::error::db;
use crate::row::col;
use crate::time::{from_ms, now_ms};
use crate::{Catalog, CatalogError};

/// Largest accepted secret value, in bytes.
pub const MAX_SECRET_BYTES: usize = 64 * 1024;
const MAX_NAME_LEN: usize = 128;

/// A secret's name and timestamps (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct SecretInfo {
    /// The secret's name.
    pub name: String,
    /// When it was first set.
    pub created_at: DateTime<Utc>,
    /// When its value last changed.
    pub updated_at: DateTime<Utc>,
}

/// Which of a set of required secrets a collection has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct SecretCheck {
    /// Required names that are set.
    pub configured: Vec<String>,
    /// Required names that are not set.
    pub missing: Vec<String>,
    /// True when nothing is missing.
    pub ready: bool,
}

impl SecretInfo {
    fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(SecretInfo {
            name: col(row, "name")?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
            updated_at: from_ms("updated_at", col(row, "updated_at")?)?,
        })
    }
}

/// Checks a secret name against `^[A-Za-z_][A-Za-z0-9_]{0,127}$`.
pub fn validate_secret_name(name: &str) -> Result<(), CatalogError> {
    let ok_start = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    let ok_rest = name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok_start && ok_rest && name.len() <= MAX_NAME_LEN {
        Ok(())
    } else {
        Err(CatalogError::invalid(
            format!("secret `{}`", clip(name)),
            format!(
                "names are 1-{MAX_NAME_LEN} characters of A-Z, a-z, 0-9 and _, not starting with a digit"
            ),
        ))
    }
}

fn validate_value(name: &str, value: &str) -> Result<(), CatalogError> {
    if value.is_empty() {
        return Err(CatalogError::invalid(
            format!("secret `{name}`"),
            "value is empty (to delete a secret, set it to null)",
        ));
    }
    if value.len() > MAX_SECRET_BYTES {
        return Err(CatalogError::invalid(
            format!("secret `{name}`"),
            format!(
                "value is {} bytes, the limit is {MAX_SECRET_BYTES}",
                value.len()
            ),
        ));
    }
    Ok(())
}

fn clip(s: &str) -> String {
    s.chars().take(64).collect()
}

fn aad(collection: &str, name: &str) -> Vec<u8> {
    format!("{collection}\0{name}").into_bytes()
}

impl Catalog {
    /// Sets (`Some`) and deletes (`None`) secrets in one transaction and returns the
    /// collection's secrets afterwards. If any entry is invalid nothing is applied and the
    /// error names the entry. Deleting an absent secret is not an error.
    pub async fn patch_secrets(
        &self,
        collection: &str,
        changes: &BTreeMap<String, Option<String>>,
    ) -> Result<Vec<SecretInfo>, CatalogError> {
        for (name, value) in changes {
            validate_secret_name(name)?;
            if let Some(value) = value {
                validate_value(name, value)?;
            }
        }
        self.require_collection(collection).await?;
        let now = now_ms();
        let mut tx = self.begin().await?;
        for (name, value) in changes {
            match value {
                Some(value) => {
                    let sealed = self.key.seal(&aad(collection, name), value.as_bytes())?;
                    sqlx::query(
                        "INSERT INTO secrets (collection, name, sealed, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (collection, name)
                         DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                    )
                    .bind(collection)
                    .bind(name)
                    .bind(sealed)
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db("setting a secret"))?;
                }
                None => {
                    sqlx::query("DELETE FROM secrets WHERE collection = $1 AND name = $2")
                        .bind(collection)
                        .bind(name)
                        .execute(&mut *tx)
                        .await
                        .map_err(db("deleting a secret"))?;
                }
            }
        }
        tx.commit().await.map_err(db("committing secrets"))?;
        self.secret_infos(collection).await
    }

    /// The collection's secret names and timestamps, by name.
    pub async fn secret_infos(&self, collection: &str) -> Result<Vec<SecretInfo>, CatalogError> {
        let rows = sqlx::query(
            "SELECT name, created_at, updated_at FROM secrets WHERE collection = $1 ORDER BY name",
        )
        .bind(collection)
        .fetch_all(&self.pool)
        .await
        .map_err(db("listing secrets"))?;
        rows.iter().map(SecretInfo::from_row).collect()
    }

    /// The collection's secrets, decrypted. [`CatalogError::Decrypt`] names the first secret
    /// that does not open with this catalog's key.
    pub async fn secret_values(
        &self,
        collection: &str,
    ) -> Result<BTreeMap<String, String>, CatalogError> {
        let rows =
            sqlx::query("SELECT name, sealed FROM secrets WHERE collection = $1 ORDER BY name")
                .bind(collection)
                .fetch_all(&self.pool)
                .await
                .map_err(db("reading secrets"))?;
        let mut values = BTreeMap::new();
        for row in &rows {
            let name: String = col(row, "name")?;
            let sealed: String = col(row, "sealed")?;
            let plain = self
                .key
                .open(&aad(collection, &name), &sealed)
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| CatalogError::Decrypt { name: name.clone() })?;
            values.insert(name, plain);
        }
        Ok(values)
    }

    /// Which of `names` the collection has set (values are not decrypted).
    pub async fn check_secrets(
        &self,
        collection: &str,
        names: &[String],
    ) -> Result<SecretCheck, CatalogError> {
        let present: Vec<String> = self
            .secret_infos(collection)
            .await?
            .into_iter()
            .map(|s| s.name)
            .collect();
        let (configured, missing): (Vec<String>, Vec<String>) =
            names.iter().cloned().partition(|n| present.contains(n));
        let ready = missing.is_empty();
        Ok(SecretCheck {
            configured,
            missing,
            ready,
        })
    }
}
