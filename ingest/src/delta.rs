//! Delta Lake tables on object storage: create, append with an idempotency marker, read
//! back committed keys, compact.

use std::num::NonZeroU64;
use std::sync::Arc;

use arrow::array::RecordBatch;
use datafusion::prelude::{Expr, SessionContext, col, lit};
use deltalake::kernel::transaction::CommitProperties;
use deltalake::kernel::{DataType as DeltaType, Transaction};
use deltalake::parquet::basic::{Compression, ZstdLevel};
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::parquet::schema::types::ColumnPath;
use deltalake::protocol::SaveMode;
use deltalake::{DeltaTable, DeltaTableBuilder};
use wharf_model::{ColumnType, PARTITION_COLUMNS, Table};

use crate::keys::{KeySet, batch_keys};
use crate::{IngestError, StorageRoot};

/// Application id under which the WAL transaction number is recorded in each Delta commit.
pub const APP_ID: &str = "wharf-ingest";

/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 1_000_000;

/// Free-text columns: nearly every value is distinct, so a dictionary would be built for
/// each page only to be dropped. They are written plain (and zstd-compressed).
const FREE_TEXT: &[&str] = &[
    "text",
    "raw",
    "output_text",
    "input_json",
    "parameters",
    "explanation",
];

/// Opens a table; `None` when it does not exist and `create` is false.
pub async fn open(
    root: &StorageRoot,
    table: Table,
    create: bool,
) -> Result<Option<DeltaTable>, IngestError> {
    let url = root.table_url(table)?;
    let mut delta = DeltaTableBuilder::from_url(url)
        .map_err(IngestError::delta(table))?
        .with_storage_options(root.options().clone())
        .build()
        .map_err(IngestError::delta(table))?;
    // On local disk, a missing directory is a missing table (delta-rs reports it otherwise).
    let exists = match root.local_path() {
        Some(dir) => dir
            .join("tables")
            .join(table.name())
            .join("_delta_log")
            .is_dir(),
        None => true,
    };
    let loaded = if exists {
        delta.load().await
    } else {
        Err(deltalake::DeltaTableError::NotATable(table.name().into()))
    };
    match loaded {
        Ok(()) => Ok(Some(delta)),
        Err(deltalake::DeltaTableError::NotATable(_)) if create => {
            if let Some(dir) = root.local_path() {
                let path = dir.join("tables").join(table.name());
                std::fs::create_dir_all(&path)
                    .map_err(|e| IngestError::io("creating table directory", path, e))?;
            }
            let mut builder = delta.create().with_table_name(table.name());
            for c in table.columns() {
                builder = builder.with_column(c.name, delta_type(c.ty), c.nullable, None);
            }
            let created = builder
                .with_partition_columns(PARTITION_COLUMNS)
                .with_save_mode(SaveMode::Ignore)
                .await
                .map_err(IngestError::delta(table))?;
            Ok(Some(created))
        }
        Err(deltalake::DeltaTableError::NotATable(_)) => Ok(None),
        Err(e) => Err(IngestError::delta(table)(e)),
    }
}

fn delta_type(ty: ColumnType) -> DeltaType {
    match ty {
        ColumnType::Text => DeltaType::STRING,
        ColumnType::Int32 => DeltaType::INTEGER,
        ColumnType::Int64 => DeltaType::LONG,
        ColumnType::Float64 => DeltaType::DOUBLE,
        ColumnType::Bool => DeltaType::BOOLEAN,
        ColumnType::Timestamp => DeltaType::TIMESTAMP,
        ColumnType::Date => DeltaType::DATE,
    }
}

/// The last transaction of application `app` committed into this table (0 when none):
/// [`APP_ID`] for WAL transactions, [`crate::BULK_APP_ID`] for bulk loads.
pub async fn committed_txn(
    delta: &DeltaTable,
    table: Table,
    app: &str,
) -> Result<u64, IngestError> {
    let state = delta.snapshot().map_err(IngestError::delta(table))?;
    let version = state
        .transaction_version(delta.log_store().as_ref(), app)
        .await
        .map_err(IngestError::delta(table))?;
    Ok(version.map_or(0, |v| v.max(0) as u64))
}

/// How every Parquet file of the tables is written: zstd, row groups of
/// [`ROW_GROUP_ROWS`], free-text columns without a dictionary.
pub(crate) fn writer_properties() -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for column in FREE_TEXT {
        props = props.set_column_dictionary_enabled(ColumnPath::from(*column), false);
    }
    props.build()
}

/// Appends batches in one Delta commit that also records WAL transaction `txn`.
pub async fn append(
    delta: &DeltaTable,
    table: Table,
    batches: Vec<RecordBatch>,
    txn: u64,
    target_file_bytes: u64,
) -> Result<DeltaTable, IngestError> {
    let props = writer_properties();
    let commit = CommitProperties::default()
        .with_application_transaction(Transaction::new(APP_ID, txn as i64));
    delta
        .clone()
        .write(batches)
        .with_save_mode(SaveMode::Append)
        .with_partition_columns(PARTITION_COLUMNS)
        .with_target_file_size(NonZeroU64::new(target_file_bytes))
        .with_writer_properties(props)
        .with_commit_properties(commit)
        .await
        .map_err(IngestError::delta(table))
}

/// Which committed rows to look at when checking for duplicates.
#[derive(Debug, Default)]
pub struct KeyScope {
    /// Partition values (collection).
    pub collections: Vec<String>,
    /// Partition values (date, as days since epoch).
    pub dates: Vec<i32>,
    /// Smallest and largest run id, when the table has one.
    pub run_ids: Option<(String, String)>,
}

/// Key hashes of the committed rows inside `scope`.
pub async fn committed_keys(
    ctx: &SessionContext,
    delta: &DeltaTable,
    table: Table,
    scope: &KeyScope,
) -> Result<KeySet, IngestError> {
    let df_err = |source| IngestError::DataFusion {
        table: table.name(),
        source,
    };
    if delta
        .snapshot()
        .map(|s| s.log_data().num_files())
        .unwrap_or(0)
        == 0
    {
        return Ok(KeySet::default());
    }
    delta
        .update_datafusion_session(&ctx.state())
        .map_err(IngestError::delta(table))?;
    let provider = delta.table_provider().await.map_err(df_err)?;
    let mut filter: Expr = col("collection")
        .in_list(
            scope.collections.iter().map(|c| lit(c.clone())).collect(),
            false,
        )
        .and(
            col("date").in_list(
                scope
                    .dates
                    .iter()
                    .map(|d| lit(datafusion::scalar::ScalarValue::Date32(Some(*d))))
                    .collect(),
                false,
            ),
        );
    if let Some((lo, hi)) = &scope.run_ids {
        filter = filter.and(col("run_id").between(lit(lo.clone()), lit(hi.clone())));
    }
    let keys: Vec<&str> = table.key_columns().to_vec();
    let batches = ctx
        .read_table(Arc::clone(&provider))
        .and_then(|df| df.filter(filter))
        .and_then(|df| df.select_columns(&keys))
        .map_err(df_err)?
        .collect()
        .await
        .map_err(df_err)?;
    let mut set = KeySet::default();
    for b in &batches {
        set.extend(batch_keys(table, b)?);
    }
    Ok(set)
}
