//! A DataFusion session over one store snapshot: the six tables (committed Delta data
//! unioned with buffered rows), the views, the tenant scope and the SQL guards.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext, col, lit};
use wharf_ingest::{Store, TableSnapshot};
use wharf_model::Table;

use crate::{QueryConfig, QueryError, Scope, safety, views::VIEWS};

/// The result of one statement.
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// Output schema (also for zero rows).
    pub schema: SchemaRef,
    /// Output batches.
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
    pub async fn new(
        store: &Store,
        scope: Scope,
        config: &QueryConfig,
    ) -> Result<Self, QueryError> {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(
                config.memory_limit_bytes as usize,
            )))
            .build_arc()?;
        let session_config = SessionConfig::new()
            .with_information_schema(true)
            .with_batch_size(config.batch_size)
            .with_default_catalog_and_schema("wharf", "public");
        let ctx = SessionContext::new_with_config_rt(session_config, runtime);
        for (table, snap) in store.snapshot().await {
            let df = table_frame(&ctx, table, snap).await?;
            let df = match &scope {
                Scope::All => df,
                Scope::Collection(c) => df.filter(col("collection").eq(lit(c.clone())))?,
            };
            ctx.register_table(table.name(), df.into_view())?;
        }
        for (name, sql) in VIEWS {
            let df = ctx.sql(sql).await?;
            ctx.register_table(*name, df.into_view())?;
        }
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

/// One table as a DataFrame: Delta data, plus buffered rows, columns in contract order.
async fn table_frame(
    ctx: &SessionContext,
    table: Table,
    snap: TableSnapshot,
) -> Result<DataFrame, QueryError> {
    let delta_df = match &snap.delta {
        Some(delta) if delta.snapshot().is_ok() => {
            delta
                .update_datafusion_session(&ctx.state())
                .map_err(delta_err(table))?;
            let provider = delta.table_provider().await?;
            Some(ctx.read_table(provider)?)
        }
        _ => None,
    };
    let columns: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
    let schema: SchemaRef = match &delta_df {
        Some(df) => Arc::new(df.schema().as_arrow().clone()),
        None => table.schema(),
    };
    let buffered = snap
        .buffered
        .iter()
        .map(|b| conform(b, &schema))
        .collect::<Result<Vec<_>, _>>()?;
    let mem_df = if buffered.is_empty() && delta_df.is_some() {
        None
    } else {
        Some(ctx.read_table(Arc::new(MemTable::try_new(schema, vec![buffered])?))?)
    };
    let df = match (delta_df, mem_df) {
        (Some(d), Some(m)) => d.union(m)?,
        (Some(d), None) => d,
        (None, Some(m)) => m,
        (None, None) => {
            return Err(QueryError::Refused(format!(
                "table {table} has no data source"
            )));
        }
    };
    Ok(df.select_columns(&columns)?)
}

/// Casts and reorders a buffered batch to the committed table's schema.
fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, QueryError> {
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let column = batch.column_by_name(field.name()).ok_or_else(|| {
            QueryError::Output(format!("buffered batch lacks column {}", field.name()))
        })?;
        columns.push(arrow::compute::cast(column, field.data_type())?);
    }
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn delta_err(table: Table) -> impl FnOnce(deltalake::DeltaTableError) -> QueryError {
    move |e| {
        QueryError::Store(wharf_ingest::IngestError::Delta {
            table: table.name(),
            source: e,
        })
    }
}
