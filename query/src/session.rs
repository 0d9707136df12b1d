//! A DataFusion session over one store snapshot: the six tables (committed Delta data
//! unioned with buffered rows) and the views from the [`Tables`], the tenant scope and
//! the SQL guards.

use std::sync::{Arc, OnceLock};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::execution::cache::cache_manager::{CacheManagerConfig, FileMetadataCache};
use datafusion::execution::cache::default_cache::DefaultCache;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use wharf_ingest::Store;

use crate::tables::Tables;
use crate::{QueryConfig, QueryError, Scope, safety};

/// Bytes of Parquet metadata kept across sessions.
const PARQUET_METADATA_BYTES: usize = 256 * 1024 * 1024;

/// The result of one statement.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Output schema (also for zero rows).
    pub schema: SchemaRef,
    /// The rows, in `schema`; possibly none.
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A query session bound to a scope.
pub struct Session {
    ctx: SessionContext,
    scope: Scope,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Builds a session over the store's current snapshot.
    ///
    /// The tables and views come from a cache shared by the sessions of the process and
    /// rebuilt after any write (see `tables`); the context, its memory pool and its
    /// settings are this session's own.
    pub async fn new(
        store: &Store,
        scope: Scope,
        config: &QueryConfig,
    ) -> Result<Self, QueryError> {
        let tables = Tables::of(store, &scope).await?;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(
                config.memory_limit_bytes as usize,
            )))
            .with_cache_manager(
                CacheManagerConfig::default().with_file_metadata_cache(Some(parquet_metadata())),
            )
            .build_arc()?;
        let mut session_config = SessionConfig::new()
            .with_information_schema(true)
            .with_batch_size(config.batch_size)
            .with_default_catalog_and_schema("wharf", "public");
        let options = session_config.options_mut();
        // Estimate join and aggregate sizes from column statistics, so a hash join builds
        // on its small side (a per-run aggregate, not the events it is joined with).
        options.optimizer.use_statistics_registry = true;
        // A build side up to 1M rows / 64 MB is collected once rather than hash
        // repartitioning both sides (the probe side is usually events, the big one).
        options.optimizer.hash_join_single_partition_threshold_rows = 1 << 20;
        options.optimizer.hash_join_single_partition_threshold = 64 << 20;
        for (key, value) in &config.datafusion {
            session_config.options_mut().set(key, value)?;
        }
        let ctx = SessionContext::new_with_config_rt(session_config, runtime);
        tables.register(&ctx)?;
        Ok(Session { ctx, scope })
    }

    /// The scope this session is bound to.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// Plans a read-only statement into a DataFrame.
    pub async fn plan(&self, sql: &str) -> Result<DataFrame, QueryError> {
        safety::check(sql)?;
        Ok(self
            .ctx
            .sql_with_options(sql, safety::sql_options())
            .await?)
    }

    /// Runs a read-only statement and collects at most `max_rows` rows of its result;
    /// the flag says whether there were more.
    pub async fn sql_limited(
        &self,
        sql: &str,
        max_rows: usize,
    ) -> Result<(QueryResult, bool), QueryError> {
        let df = self.plan(sql).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df
            .limit(0, Some(max_rows.saturating_add(1)))?
            .collect()
            .await?;
        let mut kept = Vec::new();
        let mut rows = 0usize;
        let mut truncated = false;
        for batch in batches {
            let left = max_rows - rows;
            if batch.num_rows() > left {
                kept.push(batch.slice(0, left));
                truncated = true;
                break;
            }
            rows += batch.num_rows();
            kept.push(batch);
        }
        Ok((
            QueryResult {
                schema,
                batches: kept,
            },
            truncated,
        ))
    }

    /// Runs a read-only statement and collects its result.
    pub async fn sql(&self, sql: &str) -> Result<QueryResult, QueryError> {
        let df = self.plan(sql).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await?;
        Ok(QueryResult { schema, batches })
    }
}

/// Parquet footers and page indexes, shared by every session of the process: data files
/// are immutable (a Delta file is never rewritten in place), and an entry is only used when
/// the file's size and modification time match.
fn parquet_metadata() -> Arc<FileMetadataCache> {
    static CACHE: OnceLock<Arc<FileMetadataCache>> = OnceLock::new();
    Arc::clone(CACHE.get_or_init(|| {
        Arc::new(DefaultCache::new(PARQUET_METADATA_BYTES).with_name("wharf-parquet-metadata"))
    }))
}
