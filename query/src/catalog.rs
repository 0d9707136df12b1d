//! The tables and views a session names, built once per store state and scope and shared
//! by every session that sees that state.
//!
//! Building them walks each Delta snapshot and plans every view (milliseconds); a session
//! over a cached catalog only registers the providers. An entry is reused only while the
//! store's state is exactly the one it was built from: every Delta table at the same loaded
//! snapshot and the same buffered batches. Both are compared by identity (the snapshot's
//! schema allocation and version, each buffered batch's first array), and the entry holds
//! what it was built from, so no other data can take those identities while it is cached.
//! A write (ingest, flush, compaction) changes the state, and the next session rebuilds.
//! A scoped entry holds the scope-filtered tables, exactly as a fresh build makes them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::{DataFrame, SessionContext, col, lit};
use wharf_ingest::{Store, TableSnapshot};
use wharf_model::Table;

use crate::files::ActiveFiles;
use crate::{QueryError, Scope, views::VIEWS};

/// Scopes kept at once; beyond this the cache starts over.
const MAX_SCOPES: usize = 64;

/// The identity of a store state (see the module docs).
type Key = Vec<usize>;

/// The named tables and views of one scope over one store state.
pub(crate) struct Catalog {
    key: Key,
    tables: Vec<(String, Arc<dyn TableProvider>)>,
    /// What the key's identities point into, held so they stay unique.
    _pinned: BTreeMap<Table, TableSnapshot>,
}

impl Catalog {
    /// The catalog of `scope` over the store's current state, cached.
    pub(crate) async fn of(store: &Store, scope: &Scope) -> Result<Arc<Catalog>, QueryError> {
        let snapshot = store.snapshot().await;
        let key = key(&snapshot);
        if let Some(hit) = cache()
            .lock()
            .ok()
            .and_then(|c| c.get(scope).filter(|c| c.key == key).cloned())
        {
            return Ok(hit);
        }
        let catalog = Arc::new(build(snapshot, scope, key).await?);
        if let Ok(mut cache) = cache().lock() {
            // Entries of an older state are stale: drop them rather than keep their data.
            cache.retain(|_, c| c.key == catalog.key);
            if cache.len() >= MAX_SCOPES {
                cache.clear();
            }
            cache.insert(scope.clone(), Arc::clone(&catalog));
        }
        Ok(catalog)
    }

    /// Registers every table and view in `ctx`.
    pub(crate) fn register(&self, ctx: &SessionContext) -> Result<(), QueryError> {
        for (name, provider) in &self.tables {
            ctx.register_table(name.as_str(), Arc::clone(provider))?;
        }
        Ok(())
    }
}

fn cache() -> &'static Mutex<HashMap<Scope, Arc<Catalog>>> {
    static CACHE: std::sync::OnceLock<Mutex<HashMap<Scope, Arc<Catalog>>>> =
        std::sync::OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

fn key(snapshot: &BTreeMap<Table, TableSnapshot>) -> Key {
    let mut key = Vec::new();
    for (table, snap) in snapshot {
        key.push(*table as usize);
        match snap.delta.as_ref().and_then(|d| d.snapshot().ok()) {
            Some(state) => {
                key.push(Arc::as_ptr(&state.schema()) as *const u8 as usize);
                key.push(usize::try_from(state.version()).unwrap_or(usize::MAX));
            }
            None => key.extend([0, 0]),
        }
        for batch in &snap.buffered {
            key.push(batch_identity(batch));
            key.push(batch.num_rows());
        }
        key.push(usize::MAX);
    }
    key
}

fn batch_identity(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .first()
        .map_or(0, |c| Arc::as_ptr(c) as *const u8 as usize)
}

async fn build(
    snapshot: BTreeMap<Table, TableSnapshot>,
    scope: &Scope,
    key: Key,
) -> Result<Catalog, QueryError> {
    let ctx = SessionContext::new();
    let mut tables = Vec::new();
    for (table, snap) in &snapshot {
        let df = table_frame(&ctx, *table, snap).await?;
        let df = match scope {
            Scope::All => df,
            Scope::Collection(c) => df.filter(col("collection").eq(lit(c.clone())))?,
        };
        let view = df.into_view();
        ctx.register_table(table.name(), Arc::clone(&view))?;
        tables.push((table.name().to_string(), view));
    }
    for (name, sql) in VIEWS {
        let view = ctx.sql(sql).await?.into_view();
        ctx.register_table(*name, Arc::clone(&view))?;
        tables.push(((*name).to_string(), view));
    }
    Ok(Catalog {
        key,
        tables,
        _pinned: snapshot,
    })
}

/// One table as a DataFrame: Delta data, plus buffered rows, columns in contract order.
async fn table_frame(
    ctx: &SessionContext,
    table: Table,
    snap: &TableSnapshot,
) -> Result<DataFrame, QueryError> {
    let delta_df = match &snap.delta {
        Some(delta) if delta.snapshot().is_ok() => {
            let provider: Arc<dyn TableProvider> = match ActiveFiles::try_new(delta)? {
                Some(files) => Arc::new(files),
                // delta-rs's provider registers its object store when it plans a scan.
                None => delta.table_provider().await?,
            };
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

#[cfg(test)]
mod tests {
    use wharf_ingest::{CompactOptions, IngestConfig, OpenMode, StorageConfig, StorageRoot};

    use super::*;
    use crate::{QueryConfig, Session};

    async fn store(dir: &std::path::Path) -> Store {
        let storage = StorageConfig {
            root: dir.display().to_string(),
            ..Default::default()
        };
        let config = IngestConfig {
            wal_dir: Some(dir.join("wal")),
            ..Default::default()
        };
        Store::open(
            StorageRoot::parse(&storage).unwrap(),
            config,
            OpenMode::Write,
        )
        .await
        .unwrap()
    }

    /// Ingests native lines; a record without a collection takes its run's (as the reader does).
    async fn ingest(store: &Store, lines: &[&str]) {
        let mut runs = HashMap::new();
        for line in lines {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["type"] == "run" {
                runs.insert(
                    v["run_id"].to_string(),
                    v["collection"].as_str().unwrap().to_string(),
                );
            }
        }
        let records = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let mut r = wharf_model::parse_line(i as u64 + 1, l).unwrap();
                r.fill_collection(
                    runs.get(&v["run_id"].to_string())
                        .map_or("acme", String::as_str),
                );
                r
            })
            .collect();
        store.ingest(records).await.unwrap();
    }

    fn fixtures() -> Vec<String> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/slt/fixtures/trajectories.jsonl");
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    fn label(collection: &str, n: u32) -> String {
        format!(
            r#"{{"type":"label","run_id":"01900000-0000-7000-8000-0000000000aa","collection":"{collection}","key":"k{n}","value":"{n}","created_at":"2026-11-05T00:00:00Z"}}"#
        )
    }

    async fn count(store: &Store, scope: Scope, sql: &str) -> i64 {
        let session = Session::new(store, scope, &QueryConfig::default())
            .await
            .unwrap();
        let result = session.sql(sql).await.unwrap();
        arrow::compute::cast(
            result.batches[0].column(0),
            &arrow::datatypes::DataType::Int64,
        )
        .unwrap()
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sessions_share_a_catalog_until_the_store_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let lines = fixtures();
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        ingest(&store, &lines).await;
        store.flush().await.unwrap();
        let acme = Scope::Collection("acme".into());

        let a = Catalog::of(&store, &Scope::All).await.unwrap();
        let b = Catalog::of(&store, &Scope::All).await.unwrap();
        assert!(Arc::ptr_eq(&a, &b), "same state, same catalog");
        let scoped = Catalog::of(&store, &acme).await.unwrap();
        assert!(!Arc::ptr_eq(&a, &scoped), "a scope has its own catalog");
        let all = count(&store, Scope::All, "SELECT count(*) FROM labels").await;
        let mine = count(&store, acme.clone(), "SELECT count(*) FROM labels").await;
        assert!(all > mine, "the fixtures label runs of several collections");

        // Buffered rows: visible at once, in their scope only.
        ingest(&store, &[label("acme", 1).as_str()]).await;
        let c = Catalog::of(&store, &Scope::All).await.unwrap();
        assert!(!Arc::ptr_eq(&a, &c), "a write makes a new catalog");
        assert_eq!(
            count(&store, acme.clone(), "SELECT count(*) FROM labels").await,
            mine + 1
        );
        ingest(&store, &[label("globex", 2).as_str()]).await;
        assert_eq!(
            count(&store, acme.clone(), "SELECT count(*) FROM labels").await,
            mine + 1
        );
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM labels").await,
            all + 2
        );

        // Flushed, then compacted without vacuum (the replaced files stay on disk): the
        // same rows, read from the active files only.
        store.flush().await.unwrap();
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM labels").await,
            all + 2
        );
        let events = count(&store, Scope::All, "SELECT count(*) FROM events").await;
        let keep_files = CompactOptions {
            target_file_bytes: 64 << 20,
            retention_hours: 10_000,
        };
        store.compact(&keep_files).await.unwrap();
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM labels").await,
            all + 2
        );
        assert_eq!(
            count(&store, acme.clone(), "SELECT count(*) FROM labels").await,
            mine + 1
        );
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM events").await,
            events
        );
        assert_eq!(
            count(
                &store,
                Scope::All,
                "SELECT count(DISTINCT label_id) FROM labels"
            )
            .await,
            all + 2
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn active_files_read_what_delta_rs_reads() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).await;
        let lines = fixtures();
        // Two commits, then a compaction that keeps the replaced files on disk.
        let (first, second) = lines.split_at(lines.len() / 2);
        for part in [first, second] {
            let part: Vec<&str> = part.iter().map(String::as_str).collect();
            ingest(&store, &part).await;
            store.flush().await.unwrap();
        }
        store
            .compact(&CompactOptions {
                target_file_bytes: 64 << 20,
                retention_hours: 10_000,
            })
            .await
            .unwrap();
        for (table, snap) in store.snapshot().await {
            let Some(delta) = snap.delta else { continue };
            if delta
                .snapshot()
                .map(|s| s.log_data().num_files())
                .unwrap_or(0)
                == 0
            {
                continue;
            }
            let files = ActiveFiles::try_new(&delta).unwrap().unwrap();
            let ctx = SessionContext::new();
            let columns: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
            // Every row of a provider, in key order.
            let rows = |provider: Arc<dyn TableProvider>| {
                let df = ctx
                    .read_table(provider)
                    .unwrap()
                    .select_columns(&columns)
                    .unwrap()
                    .sort_by(vec![col(columns[0]), col(columns[1])])
                    .unwrap();
                df.collect()
            };
            let ours = rows(Arc::new(files)).await.unwrap();
            delta.update_datafusion_session(&ctx.state()).unwrap();
            let theirs = rows(delta.table_provider().await.unwrap()).await.unwrap();
            let show = |b: &[RecordBatch]| {
                let b: Vec<RecordBatch> = b
                    .iter()
                    .map(|b| {
                        let cols = b
                            .columns()
                            .iter()
                            .map(|c| {
                                arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap()
                            })
                            .collect::<Vec<_>>();
                        let fields: Vec<arrow::datatypes::Field> = b
                            .schema()
                            .fields()
                            .iter()
                            .map(|f| {
                                arrow::datatypes::Field::new(
                                    f.name(),
                                    arrow::datatypes::DataType::Utf8,
                                    true,
                                )
                            })
                            .collect();
                        RecordBatch::try_new(Arc::new(arrow::datatypes::Schema::new(fields)), cols)
                            .unwrap()
                    })
                    .collect();
                arrow::util::pretty::pretty_format_batches(&b)
                    .unwrap()
                    .to_string()
            };
            assert_eq!(show(&ours), show(&theirs), "{table}");
        }
    }
}
