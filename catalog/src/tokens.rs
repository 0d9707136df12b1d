//! API tokens: bearer credentials scoped to one collection.
//!
//! A token is `wharf_` followed by 40 lowercase hex characters (160 random bits). Only its
//! SHA-256 (hex) is stored, plus the first 10 characters as a display prefix; the plaintext
//! is returned once, by [`Catalog::create_token`].

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;

use crate::error::db;
use crate::random;
use crate::row::{col, flag};
use crate::time::{from_ms, now_ms, opt_from_ms};
use crate::{Catalog, CatalogError};

const TOKEN_PREFIX: &str = "wharf_";
const RANDOM_HEX_LEN: usize = 40;
const DISPLAY_PREFIX_LEN: usize = 10;
/// `last_used_at` is refreshed at most this often, to keep authentication mostly read-only.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// A token's metadata (never its plaintext or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct TokenInfo {
    /// Stable id, used to revoke it.
    pub id: String,
    /// The collection it grants access to.
    pub collection: String,
    /// A human label.
    pub name: String,
    /// The token's first 10 characters, for recognising it.
    pub prefix: String,
    /// Whether it may manage tokens and secrets.
    pub admin: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last authenticated a request (minute granularity).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Principal {
    /// The collection the token is scoped to.
    pub collection: String,
    /// The token's id.
    pub token_id: String,
    /// Whether the token is an admin token.
    pub admin: bool,
}

const TOKEN_COLUMNS: &str = "id, collection, name, prefix, admin, created_at, last_used_at";

impl TokenInfo {
    fn from_row(row: &AnyRow) -> Result<Self, CatalogError> {
        Ok(TokenInfo {
            id: col(row, "id")?,
            collection: col(row, "collection")?,
            name: col(row, "name")?,
            prefix: col(row, "prefix")?,
            admin: flag(row, "admin")?,
            created_at: from_ms("created_at", col(row, "created_at")?)?,
            last_used_at: opt_from_ms("last_used_at", col(row, "last_used_at")?)?,
        })
    }
}

/// SHA-256 of the token, lowercase hex.
fn token_hash(token: &str) -> String {
    random::hex(&Sha256::digest(token.as_bytes()))
}

/// True when `token` has the shape of a wharf token.
fn well_formed(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == RANDOM_HEX_LEN
            && rest
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn validate_token_name(name: &str) -> Result<(), CatalogError> {
    if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(CatalogError::invalid(
            "token name",
            "must be 1-100 characters without control characters",
        ));
    }
    Ok(())
}

impl Catalog {
    /// Creates a token for `collection`; returns its metadata and the plaintext, which is
    /// not stored and cannot be shown again.
    pub async fn create_token(
        &self,
        collection: &str,
        name: &str,
        admin: bool,
    ) -> Result<(TokenInfo, String), CatalogError> {
        validate_token_name(name)?;
        self.require_collection(collection).await?;
        let mut secret = [0u8; RANDOM_HEX_LEN / 2];
        random::fill(&mut secret)?;
        let token = format!("{TOKEN_PREFIX}{}", random::hex(&secret));
        let sql = format!(
            "INSERT INTO api_tokens (id, collection, name, prefix, token_sha256, admin, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(collection)
            .bind(name)
            .bind(&token[..DISPLAY_PREFIX_LEN])
            .bind(token_hash(&token))
            .bind(i64::from(admin))
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(db("creating a token"))?;
        Ok((TokenInfo::from_row(&row)?, token))
    }

    /// The principal for a bearer token; None when it is unknown, revoked or malformed.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, CatalogError> {
        if !well_formed(token) {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT id, collection, admin, last_used_at FROM api_tokens
             WHERE token_sha256 = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.pool)
        .await
        .map_err(db("authenticating a token"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let principal = Principal {
            collection: col(&row, "collection")?,
            token_id: col(&row, "id")?,
            admin: flag(&row, "admin")?,
        };
        let now = now_ms();
        let last_used: Option<i64> = col(&row, "last_used_at")?;
        if last_used.is_none_or(|t| now - t >= LAST_USED_GRANULARITY_MS) {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(now)
            .bind(&principal.token_id)
            .bind(now - LAST_USED_GRANULARITY_MS)
            .execute(&self.pool)
            .await
            .map_err(db("recording token use"))?;
        }
        Ok(Some(principal))
    }

    /// The collection's active (unrevoked) tokens, oldest first.
    pub async fn tokens(&self, collection: &str) -> Result<Vec<TokenInfo>, CatalogError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens
             WHERE collection = $1 AND revoked_at IS NULL ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(collection)
            .fetch_all(&self.pool)
            .await
            .map_err(db("listing tokens"))?;
        rows.iter().map(TokenInfo::from_row).collect()
    }

    /// Revokes a token of `collection`; false when no such active token is in that collection.
    pub async fn revoke_token(
        &self,
        collection: &str,
        token_id: &str,
    ) -> Result<bool, CatalogError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1
             WHERE collection = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now_ms())
        .bind(collection)
        .bind(token_id)
        .execute(&self.pool)
        .await
        .map_err(db("revoking a token"))?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_token_shape() {
        assert!(well_formed(&format!("wharf_{}", "a1".repeat(20))));
        assert!(!well_formed("wharf_short"));
        assert!(!well_formed(&format!("wharf_{}", "A1".repeat(20))));
        assert!(!well_formed(&format!("other_{}", "a1".repeat(20))));
    }
}
