//! A table provider over a Delta snapshot's active Parquet files, read by DataFusion's own
//! Parquet scan (file metadata cache, row-group and page pruning, filter pushdown) instead
//! of delta-rs's kernel scan.
//!
//! The file list is the snapshot's add actions, taken once when the provider is built, so
//! files removed by compaction (still on disk until vacuum) are never read, and a provider
//! keeps answering from its snapshot after later commits. Partition values come from the
//! add actions, not from paths. Tables this reader cannot serve exactly (deletion vectors,
//! column mapping, files outside the table root) get `None` from [`ActiveFiles::try_new`]
//! and the caller keeps delta-rs's provider.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::stats::Precision;
use datafusion::common::{DFSchema, ScalarValue, Statistics};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::listing::helpers::{expr_applicable_for_cols, filter_partitioned_file};
use datafusion::datasource::object_store::ObjectStoreUrl;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{Expr, Operator, TableProviderFilterPushDown};
use datafusion::object_store::ObjectStore;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use deltalake::DeltaTable;
use deltalake::logstore::LogStore;

/// The active files of one Delta table version, as a DataFusion table.
#[derive(Debug)]
pub struct ActiveFiles {
    /// File columns, then partition columns (the order DataFusion's file scan produces).
    schema: SchemaRef,
    file_schema: SchemaRef,
    partition_fields: Vec<FieldRef>,
    files: Vec<PartitionedFile>,
    store_url: ObjectStoreUrl,
    store: Arc<dyn ObjectStore>,
}

impl ActiveFiles {
    /// The provider for `delta`'s loaded snapshot, or `None` when the table uses a feature
    /// this reader does not apply (the caller then uses delta-rs's own provider).
    pub fn try_new(delta: &DeltaTable) -> DfResult<Option<ActiveFiles>> {
        let state = delta.snapshot().map_err(external)?;
        let snapshot = state.snapshot();
        let metadata = snapshot.metadata();
        let mapped = metadata
            .configuration()
            .get("delta.columnMapping.mode")
            .is_some_and(|mode| mode != "none");
        if mapped {
            return Ok(None);
        }
        let partition_columns = metadata.partition_columns().to_vec();
        let logical = snapshot.arrow_schema();
        let mut file_fields = Vec::new();
        let mut partition_fields = Vec::new();
        for field in logical.fields() {
            let field = Arc::new(view_typed(field));
            if partition_columns.contains(field.name()) {
                partition_fields.push(field);
            } else {
                file_fields.push(field);
            }
        }
        // Partition values in the order of `partition_fields` (the schema order).
        let mut files = Vec::new();
        for file in snapshot.try_log_data().map_err(external)?.iter() {
            if file.deletion_vector_descriptor().is_some() || file.path().contains("://") {
                return Ok(None);
            }
            let raw = file.partition_values_map();
            let mut values = Vec::with_capacity(partition_fields.len());
            for field in &partition_fields {
                let value = match raw.get(field.name()).cloned().flatten() {
                    Some(text) => ScalarValue::try_from_string(text, field.data_type())?,
                    None => ScalarValue::try_from(field.data_type())?,
                };
                values.push(value);
            }
            let rows = file.num_records();
            let mut part = PartitionedFile::new_from_meta(datafusion::object_store::ObjectMeta {
                location: file.object_store_path(),
                last_modified: file.modification_datetime().map_err(external)?,
                size: u64::try_from(file.size()).unwrap_or(0),
                e_tag: None,
                version: None,
            })
            .with_partition_values(values);
            if let Some(rows) = rows {
                let file_schema = Schema::new(file_fields.clone());
                let mut stats = Statistics::new_unknown(&file_schema);
                stats.num_rows = Precision::Exact(rows);
                part = part.with_statistics(Arc::new(stats));
            }
            files.push(part);
        }
        let file_schema = Arc::new(Schema::new(file_fields.clone()));
        let mut all = file_fields;
        all.extend(partition_fields.iter().cloned());
        let log_store = delta.log_store();
        Ok(Some(ActiveFiles {
            schema: Arc::new(Schema::new(all)),
            file_schema,
            partition_fields,
            files,
            store_url: log_store.object_store_url(),
            store: log_store.object_store(None),
        }))
    }

    /// The files, with their partition values.
    pub(crate) fn files(&self) -> &[PartitionedFile] {
        &self.files
    }

    /// Where the files are.
    pub(crate) fn store_url(&self) -> &ObjectStoreUrl {
        &self.store_url
    }

    /// The same table with only `files` (some of [`ActiveFiles::files`]).
    pub(crate) fn with_files(&self, files: Vec<PartitionedFile>) -> ActiveFiles {
        ActiveFiles {
            schema: Arc::clone(&self.schema),
            file_schema: Arc::clone(&self.file_schema),
            partition_fields: self.partition_fields.clone(),
            files,
            store_url: self.store_url.clone(),
            store: Arc::clone(&self.store),
        }
    }

    /// Names of the partition columns.
    fn partition_names(&self) -> Vec<&str> {
        self.partition_fields
            .iter()
            .map(|f| f.name().as_str())
            .collect()
    }
}

/// Whether `filter` looks rows up by an id (`x_id = 'v'`, `x_id IN ('v', ...)`): selective
/// enough that evaluating it while decoding beats decoding every row of the pages kept by
/// statistics. Broad filters (`kind = 'tool_call'`) are cheaper after decoding.
fn is_key_lookup(filter: &Expr) -> bool {
    let is_id = |e: &Expr| matches!(e, Expr::Column(c) if c.name.ends_with("_id"));
    let is_literal = |e: &Expr| matches!(e, Expr::Literal(..));
    match filter {
        Expr::BinaryExpr(b) if b.op == Operator::Eq => {
            (is_id(&b.left) && is_literal(&b.right)) || (is_literal(&b.left) && is_id(&b.right))
        }
        Expr::InList(l) => !l.negated && is_id(&l.expr) && l.list.iter().all(is_literal),
        _ => false,
    }
}

/// Files in at most `n` groups of similar total size (one group is one partition of the scan).
fn spread(mut files: Vec<PartitionedFile>, n: usize) -> Vec<FileGroup> {
    let n = n.clamp(1, files.len().max(1));
    files.sort_by_key(|f| std::cmp::Reverse(f.object_meta.size));
    let mut groups: Vec<(u64, Vec<PartitionedFile>)> = (0..n).map(|_| (0, Vec::new())).collect();
    for file in files {
        if let Some(lightest) = groups.iter_mut().min_by_key(|(size, _)| *size) {
            lightest.0 += file.object_meta.size;
            lightest.1.push(file);
        }
    }
    groups
        .into_iter()
        .filter(|(_, g)| !g.is_empty())
        .map(|(_, g)| FileGroup::new(g))
        .collect()
}

fn external(e: deltalake::DeltaTableError) -> DataFusionError {
    DataFusionError::External(Box::new(e))
}

/// Strings and binaries as view types, as DataFusion's Parquet reader produces them.
fn view_typed(field: &Field) -> Field {
    let ty = match field.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 => DataType::Utf8View,
        DataType::Binary | DataType::LargeBinary => DataType::BinaryView,
        other => other.clone(),
    };
    field.clone().with_data_type(ty)
}

impl TableProvider for ActiveFiles {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> DfResult<Vec<TableProviderFilterPushDown>> {
        let names = self.partition_names();
        Ok(filters
            .iter()
            .map(|f| {
                if !names.is_empty() && expr_applicable_for_cols(&names, f) {
                    // Answered exactly by choosing files on their partition values.
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    // `TableProvider::scan` as `#[async_trait]` declares it (this crate does not depend on
    // the macro): the future borrows its arguments.
    fn scan<'s, 'a, 'p, 'f, 'r>(
        &'s self,
        session: &'a dyn Session,
        projection: Option<&'p Vec<usize>>,
        filters: &'f [Expr],
        limit: Option<usize>,
    ) -> ScanFuture<'r>
    where
        's: 'r,
        'a: 'r,
        'p: 'r,
        'f: 'r,
        Self: 'r,
    {
        Box::pin(self.plan(session, projection, filters, limit))
    }
}

/// What [`TableProvider::scan`] returns.
pub(crate) type ScanFuture<'r> =
    Pin<Box<dyn Future<Output = DfResult<Arc<dyn ExecutionPlan>>> + Send + 'r>>;

impl ActiveFiles {
    /// The scan: files chosen on their partition values, read by DataFusion's Parquet scan.
    async fn plan(
        &self,
        session: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let runtime = session.runtime_env();
        if runtime.object_store(&self.store_url).is_err() {
            runtime.register_object_store(self.store_url.as_ref(), Arc::clone(&self.store));
        }
        let names = self.partition_names();
        let partition_filters: Vec<Expr> = if names.is_empty() {
            Vec::new()
        } else {
            filters
                .iter()
                .filter(|f| expr_applicable_for_cols(&names, f))
                .cloned()
                .collect()
        };
        let partition_schema = DFSchema::try_from(Schema::new(self.partition_fields.clone()))?;
        let mut selected = Vec::with_capacity(self.files.len());
        for file in &self.files {
            if let Some(file) =
                filter_partitioned_file(file.clone(), &partition_filters, &partition_schema)?
            {
                selected.push(file);
            }
        }
        if selected.is_empty() {
            let schema = match projection {
                Some(p) => Arc::new(self.schema.project(p)?),
                None => Arc::clone(&self.schema),
            };
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        let mut statistics = Statistics::new_unknown(&self.schema);
        let rows: Option<usize> = selected
            .iter()
            .map(|f| match f.statistics.as_ref().map(|s| s.num_rows) {
                Some(Precision::Exact(n)) => Some(n),
                _ => None,
            })
            .sum();
        if let Some(rows) = rows {
            statistics.num_rows = Precision::Exact(rows);
        }
        let table_schema = TableSchema::builder(Arc::clone(&self.file_schema))
            .with_table_partition_cols(self.partition_fields.clone())
            .build();
        let source = Arc::new(ParquetSource::new(table_schema));
        let config = FileScanConfigBuilder::new(self.store_url.clone(), source)
            .with_file_groups(spread(selected, session.config().target_partitions()))
            .with_statistics(statistics)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        let mut options = session.default_table_options().parquet;
        if filters.iter().any(is_key_lookup) {
            // A lookup by id keeps a few rows of a page: filter while decoding, so the other
            // columns (long texts) are only decoded for the rows that match.
            options.global.pushdown_filters = true;
            options.global.reorder_filters = true;
        } else {
            // Page indexes only pay for selective filters: for a broad one (`kind = ...`)
            // reading and evaluating every file's page index cost more than it saved
            // (bench/RESULTS.md has the measurement).
            options.global.enable_page_index = false;
        }
        let format = ParquetFormat::default().with_options(options);
        format.create_physical_plan(session, config).await
    }
}

#[cfg(test)]
mod tests {
    use datafusion::prelude::{col, lit};

    use super::*;

    #[test]
    fn only_id_lookups_filter_while_decoding() {
        for (filter, lookup) in [
            (col("run_id").eq(lit("r1")), true),
            (lit("r1").eq(col("call_id")), true),
            (col("run_id").in_list(vec![lit("a"), lit("b")], false), true),
            (col("run_id").in_list(vec![lit("a")], true), false),
            (col("kind").eq(lit("tool_call")), false),
            (col("run_id").gt(lit("r1")), false),
            (col("run_id").eq(col("parent_run_id")), false),
        ] {
            assert_eq!(is_key_lookup(&filter), lookup, "{filter}");
        }
    }
}
