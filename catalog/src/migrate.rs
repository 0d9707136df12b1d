//! Versioned schema migrations, applied in order inside one transaction.
//!
//! Each migration is a list of portable SQL statements (TEXT, BIGINT; times as epoch
//! milliseconds; JSON as TEXT; booleans as 0/1 BIGINT). Applied versions are recorded in
//! `catalog_migrations`, so reopening a catalog applies nothing twice. Never edit a released
//! migration: append a new one.

use sqlx::AnyPool;

use crate::connect::Backend;
use crate::error::db;
use crate::row::col;
use crate::{CatalogError, time};

/// A schema version and the statements that produce it from the previous one.
struct Migration {
    version: i64,
    name: &'static str,
    statements: &'static [&'static str],
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "initial",
    statements: &[
        "CREATE TABLE collections (
            name TEXT PRIMARY KEY,
            created_at BIGINT NOT NULL)",
        "CREATE TABLE api_tokens (
            id TEXT PRIMARY KEY,
            collection TEXT NOT NULL REFERENCES collections (name),
            name TEXT NOT NULL,
            prefix TEXT NOT NULL,
            token_sha256 TEXT NOT NULL UNIQUE,
            admin BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            last_used_at BIGINT,
            revoked_at BIGINT)",
        "CREATE INDEX api_tokens_collection ON api_tokens (collection)",
        "CREATE TABLE secrets (
            collection TEXT NOT NULL REFERENCES collections (name),
            name TEXT NOT NULL,
            sealed TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            PRIMARY KEY (collection, name))",
        "CREATE TABLE tasks (
            collection TEXT NOT NULL REFERENCES collections (name),
            name TEXT NOT NULL,
            version BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            description TEXT,
            runbook TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (collection, name, version))",
        "CREATE TABLE runs (
            run_id TEXT PRIMARY KEY,
            collection TEXT NOT NULL REFERENCES collections (name),
            status TEXT NOT NULL,
            task TEXT,
            agent TEXT,
            request TEXT NOT NULL,
            webhook_url TEXT,
            labels TEXT NOT NULL,
            error TEXT,
            summary TEXT,
            cancel_requested BIGINT NOT NULL,
            worker TEXT,
            created_at BIGINT NOT NULL,
            started_at BIGINT,
            finished_at BIGINT)",
        "CREATE INDEX runs_queue ON runs (status, created_at, run_id)",
        "CREATE INDEX runs_by_collection ON runs (collection, created_at, run_id)",
        "CREATE TABLE uploads (
            id TEXT PRIMARY KEY,
            collection TEXT NOT NULL REFERENCES collections (name),
            name TEXT NOT NULL,
            bytes BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            object_key TEXT NOT NULL,
            created_at BIGINT NOT NULL)",
        "CREATE TABLE deliveries (
            id TEXT PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES runs (run_id),
            collection TEXT NOT NULL REFERENCES collections (name),
            url TEXT NOT NULL,
            event TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL,
            attempt_count BIGINT NOT NULL,
            next_attempt_at BIGINT,
            lease_until BIGINT,
            created_at BIGINT NOT NULL,
            delivered_at BIGINT)",
        "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)",
        "CREATE INDEX deliveries_by_run ON deliveries (collection, run_id)",
        "CREATE TABLE delivery_attempts (
            delivery_id TEXT NOT NULL REFERENCES deliveries (id),
            attempt BIGINT NOT NULL,
            at BIGINT NOT NULL,
            status_code BIGINT,
            error TEXT,
            duration_ms BIGINT NOT NULL,
            PRIMARY KEY (delivery_id, attempt))",
    ],
}];

/// The newest schema version this build knows.
pub(crate) fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Applies every migration not yet recorded. Safe to call on every open, and from several
/// processes at once (Postgres: advisory lock; SQLite: `BEGIN IMMEDIATE`).
pub(crate) async fn apply(pool: &AnyPool, backend: Backend) -> Result<(), CatalogError> {
    let mut tx = crate::catalog::begin_write(pool, backend).await?;
    if backend == Backend::Postgres {
        // Serialises concurrent migrators; released at commit.
        // The outer SELECT keeps the void-typed result out of the row the Any driver decodes.
        sqlx::query(
            "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(7061726663617431)) AS l",
        )
        .execute(&mut *tx)
        .await
        .map_err(db("locking migrations"))?;
    }
    // Inside the lock: concurrent `CREATE TABLE IF NOT EXISTS` races on Postgres.
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS catalog_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(db("creating catalog_migrations"))?;
    let rows = sqlx::query("SELECT version FROM catalog_migrations")
        .fetch_all(&mut *tx)
        .await
        .map_err(db("reading applied migrations"))?;
    let applied: Vec<i64> = rows
        .iter()
        .map(|r| col::<i64>(r, "version"))
        .collect::<Result<_, _>>()?;
    if let Some(newest) = applied.iter().max()
        && *newest > latest_version()
    {
        return Err(CatalogError::Database(format!(
            "the catalog schema is version {newest} but this wharf knows only up to {}; upgrade wharf",
            latest_version()
        )));
    }
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        for statement in migration.statements {
            sqlx::query(statement)
                .execute(&mut *tx)
                .await
                .map_err(|e| {
                    CatalogError::Database(format!(
                        "applying migration {} ({}): {e}",
                        migration.version, migration.name
                    ))
                })?;
        }
        sqlx::query(
            "INSERT INTO catalog_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(time::now_ms())
        .execute(&mut *tx)
        .await
        .map_err(db("recording a migration"))?;
    }
    tx.commit().await.map_err(db("committing migrations"))
}
