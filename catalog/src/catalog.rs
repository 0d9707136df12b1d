//! The [`Catalog`] handle: opening a database, and helpers shared by the per-area modules.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Executor, Row, Transaction};

use crate::connect::{self, Backend, Target};
use crate::error::db;
use crate::key::SecretKey;
use crate::{CatalogError, migrate};

/// The metadata store. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Catalog {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) key: Arc<SecretKey>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// Opens (creating if needed) the catalog at `url` and brings its schema up to date.
    ///
    /// `url` is `sqlite:PATH` / `sqlite://PATH` (the file is created with mode 0600) or
    /// `postgres://...` / `postgresql://...`. `key` encrypts secret values; opening with a
    /// different key works, but reading secrets then fails with [`CatalogError::Decrypt`].
    pub async fn open(url: &str, key: SecretKey) -> Result<Catalog, CatalogError> {
        sqlx::any::install_default_drivers();
        let (connect_url, backend) = match connect::parse(url)? {
            Target::Sqlite(path) => (connect::prepare_sqlite(&path)?, Backend::Sqlite),
            Target::Postgres(url) => (url, Backend::Postgres),
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        options = match backend {
            Backend::Sqlite => options.max_connections(8).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options.max_connections(16),
        };
        let pool = options
            .connect(&connect_url)
            .await
            .map_err(db(format!("connecting to {}", connect::redact(url))))?;
        if backend == Backend::Sqlite {
            enable_wal(&pool).await?;
        }
        migrate::apply(&pool, backend).await?;
        Ok(Catalog {
            pool,
            backend,
            key: Arc::new(key),
        })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        self.backend.name()
    }

    /// Closes the pool, waiting for connections to be returned (SQLite: checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Begins a transaction that will write (SQLite: takes the write lock up front so a
    /// read-then-write transaction waits instead of failing with "database is locked").
    pub(crate) async fn begin(&self) -> Result<Transaction<'static, Any>, CatalogError> {
        begin_write(&self.pool, self.backend).await
    }

    /// `FOR UPDATE SKIP LOCKED` on Postgres (claims by several processes); empty on SQLite,
    /// where a single UPDATE statement holds the database write lock.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Errors with NotFound unless the collection exists.
    pub(crate) async fn require_collection(&self, name: &str) -> Result<(), CatalogError> {
        let found = sqlx::query("SELECT name FROM collections WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db("looking up a collection"))?;
        match found {
            Some(_) => Ok(()),
            None => Err(CatalogError::not_found(format!("collection `{name}`"))),
        }
    }
}

/// See [`Catalog::begin`].
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>, CatalogError> {
    let begun = match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    };
    begun.map_err(db("beginning a transaction"))
}

async fn enable_wal(pool: &AnyPool) -> Result<(), CatalogError> {
    // One connection throughout: another pooled connection may report a stale mode.
    let mut conn = pool.acquire().await.map_err(db("enabling WAL"))?;
    let mut attempts = 0;
    loop {
        // Switching needs an exclusive lock that busy_timeout does not always wait for, so a
        // concurrent opener can make this fail briefly.
        match sqlx::query("PRAGMA journal_mode = WAL")
            .fetch_one(&mut *conn)
            .await
        {
            Ok(row) => {
                let mode: String = row.try_get(0).map_err(db("enabling WAL"))?;
                if mode.eq_ignore_ascii_case("wal") {
                    return Ok(());
                }
                return Err(CatalogError::Database(format!(
                    "enabling WAL: SQLite kept journal mode `{mode}` (is the file on a network filesystem?)"
                )));
            }
            Err(e) if attempts < 50 => {
                attempts += 1;
                tracing::debug!(error = %e, "retrying the switch to WAL");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(db("enabling WAL")(e)),
        }
    }
}
