//! Roll-ups: tables derived from one table by an aggregate that can be computed file by
//! file — `tool_usage` (tool calls and failed results per run, attempt and tool, from
//! `events`) and `run_gradings` (score rows per run and whether a criterion was graded twice,
//! from `scores`). Dashboards read them instead of decoding every event or score.
//!
//! Delta data files are immutable, so each active file is rolled up once (on the first scan
//! that needs it) and the result is kept for the process, keyed by the roll-up, the file's
//! location, size and modification time; a flush adds one file to roll up, a compaction a
//! few. Rows still in the ingest buffers (and tables read through delta-rs's fallback
//! provider) are rolled up on every scan. The parts are not merged: a run whose rows span
//! files has a row per file, so readers aggregate (`sum(calls)`), as they would over the
//! source table.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::{StreamExt, TryStreamExt};

use wharf_model::Table;

use crate::conform::conform;
use crate::files::{ActiveFiles, ScanFuture};

/// Rolled-up bytes kept for the process; past this, parts of files no longer active go.
const MAX_CACHED_BYTES: usize = 512 * 1024 * 1024;

/// A roll-up: its name, what it is made of, and its columns.
#[derive(Debug)]
pub struct Rollup {
    /// The table's name.
    pub name: &'static str,
    /// What `wharf tables` says of it.
    pub doc: &'static str,
    /// The table it rolls up.
    pub source: Table,
    /// The aggregate over one part of `source`, registered as `t`; its columns are
    /// `columns`, in order.
    sql: &'static str,
    columns: fn() -> Vec<Field>,
}

/// `tool_usage`, from `events`.
pub const TOOL_USAGE: Rollup = Rollup {
    name: "tool_usage",
    doc: "tool calls and failed tool results per run, attempt and tool name (collection, \
        date, run_id, attempt, name, calls, failures); a run may have several rows per tool: \
        aggregate with sum()",
    source: Table::Events,
    sql: "SELECT collection, date, run_id, attempt, name, \
           sum(CASE WHEN kind = 'tool_call' THEN 1 ELSE 0 END) AS calls, \
           sum(CASE WHEN kind = 'tool_result' AND (status IN ('error', 'failed') OR exit_code <> 0) \
               THEN 1 ELSE 0 END) AS failures \
         FROM t WHERE kind IN ('tool_call', 'tool_result') \
         GROUP BY collection, date, run_id, attempt, name",
    columns: || {
        vec![
            Field::new("collection", DataType::Utf8View, false),
            Field::new("date", DataType::Date32, false),
            Field::new("run_id", DataType::Utf8View, false),
            Field::new("attempt", DataType::Int32, false),
            Field::new("name", DataType::Utf8View, true),
            Field::new("calls", DataType::Int64, false),
            Field::new("failures", DataType::Int64, false),
        ]
    },
};

/// `run_gradings`, from `scores`: lets `kept_scores` skip its latest-grading pass for the
/// runs that were graded once (see `views.rs`).
pub const RUN_GRADINGS: Rollup = Rollup {
    name: "run_gradings",
    doc: "score rows per run (collection, run_id, scores, regraded: whether one criterion of \
        one attempt and grader has several rows); a run may have several rows: aggregate",
    source: Table::Scores,
    sql: "SELECT collection, run_id, sum(n) AS scores, max(n) > 1 AS regraded FROM (\
           SELECT collection, run_id, count(*) AS n FROM t \
           GROUP BY collection, run_id, attempt, grader_kind, grader_name, criterion) \
         GROUP BY collection, run_id",
    columns: || {
        vec![
            Field::new("collection", DataType::Utf8View, false),
            Field::new("run_id", DataType::Utf8View, false),
            Field::new("scores", DataType::Int64, false),
            Field::new("regraded", DataType::Boolean, false),
        ]
    },
};

/// Every roll-up.
pub const ROLLUPS: &[&Rollup] = &[&TOOL_USAGE, &RUN_GRADINGS];

impl Rollup {
    /// The roll-up table's Arrow schema: `columns`, in order.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new((self.columns)()))
    }
}

/// A roll-up's provider over one store state.
#[derive(Debug)]
pub(crate) struct RollupTable {
    rollup: &'static Rollup,
    schema: SchemaRef,
    /// Committed rows read file by file (each file's roll-up cached).
    files: Option<Arc<ActiveFiles>>,
    /// Rows rolled up on every scan: buffered rows, or a table the file reader can't serve.
    uncached: Vec<Arc<dyn TableProvider>>,
}

impl RollupTable {
    pub(crate) fn new(
        rollup: &'static Rollup,
        files: Option<Arc<ActiveFiles>>,
        uncached: Vec<Arc<dyn TableProvider>>,
    ) -> RollupTable {
        RollupTable {
            rollup,
            schema: rollup.schema(),
            files,
            uncached,
        }
    }

    /// Every part's rows: cached file roll-ups (rolling up the files not seen yet, as many
    /// at once as the session has partitions) and the uncached sources.
    async fn parts(&self, session: &dyn Session) -> DfResult<Vec<RecordBatch>> {
        let config = SessionConfig::from(session.config_options().clone());
        let runtime = session.runtime_env();
        let roll = |source| {
            roll_up(
                self.rollup,
                &self.schema,
                &config,
                Arc::clone(runtime),
                source,
            )
        };
        let mut parts = Vec::new();
        if let Some(files) = &self.files {
            let mut missing = Vec::new();
            {
                let cache = lock();
                for file in files.files() {
                    match cache.parts.get(&FileKey::of(self.rollup, files, file)) {
                        Some(part) => parts.push(part.clone()),
                        None => missing.push(file.clone()),
                    }
                }
            }
            let width = session.config().target_partitions().max(1);
            let rolled: Vec<(FileKey, RecordBatch)> = futures::stream::iter(missing)
                .map(|file| {
                    let key = FileKey::of(self.rollup, files, &file);
                    let one: Arc<dyn TableProvider> = Arc::new(files.with_files(vec![file]));
                    let part = roll(one);
                    async move { Ok::<_, DataFusionError>((key, part.await?)) }
                })
                .buffer_unordered(width)
                .try_collect()
                .await?;
            if !rolled.is_empty() {
                let active: HashSet<FileKey> = files
                    .files()
                    .iter()
                    .map(|f| FileKey::of(self.rollup, files, f))
                    .collect();
                let mut cache = lock();
                for (key, part) in rolled {
                    cache.insert(key, part.clone(), &active);
                    parts.push(part);
                }
            }
        }
        for source in &self.uncached {
            parts.push(roll(Arc::clone(source)).await?);
        }
        Ok(parts)
    }
}

/// One source's roll-up as a single batch of the roll-up's columns.
/// It runs in a context of its own, where `t` names this source only, on the session's
/// runtime (memory pool, Parquet footers).
async fn roll_up(
    rollup: &Rollup,
    schema: &SchemaRef,
    config: &SessionConfig,
    runtime: Arc<RuntimeEnv>,
    source: Arc<dyn TableProvider>,
) -> DfResult<RecordBatch> {
    let ctx = SessionContext::new_with_config_rt(config.clone(), runtime);
    ctx.register_table("t", source)?;
    let batches = ctx.sql(rollup.sql).await?.collect().await?;
    let batches = batches
        .iter()
        .map(|b| conform(b, schema))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(arrow::compute::concat_batches(schema, &batches)?)
}

impl TableProvider for RollupTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    // `TableProvider::scan` as `#[async_trait]` declares it (see `files.rs`).
    fn scan<'s, 'a, 'p, 'f, 'r>(
        &'s self,
        session: &'a dyn Session,
        projection: Option<&'p Vec<usize>>,
        _filters: &'f [Expr],
        _limit: Option<usize>,
    ) -> ScanFuture<'r>
    where
        's: 'r,
        'a: 'r,
        'p: 'r,
        'f: 'r,
        Self: 'r,
    {
        Box::pin(async move {
            let parts = self.parts(session).await?;
            // The parts spread over the session's partitions, so the readers' aggregate
            // runs on every core.
            let width = session.config().target_partitions().max(1);
            let mut partitions: Vec<Vec<RecordBatch>> = vec![Vec::new(); width];
            for (i, part) in parts.into_iter().filter(|p| p.num_rows() > 0).enumerate() {
                partitions[i % width].push(part);
            }
            partitions.retain(|p| !p.is_empty());
            if partitions.is_empty() {
                partitions.push(Vec::new());
            }
            let exec: Arc<dyn ExecutionPlan> = MemorySourceConfig::try_new_exec(
                &partitions,
                Arc::clone(&self.schema),
                projection.cloned(),
            )?;
            Ok(exec)
        })
    }
}

/// A committed file, as the cache knows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileKey {
    rollup: &'static str,
    location: String,
    size: u64,
    modified: i64,
}

impl FileKey {
    fn of(rollup: &Rollup, files: &ActiveFiles, file: &PartitionedFile) -> FileKey {
        FileKey {
            rollup: rollup.name,
            location: format!(
                "{}{}",
                files.store_url().as_str(),
                file.object_meta.location
            ),
            size: file.object_meta.size,
            modified: file.object_meta.last_modified.timestamp_micros(),
        }
    }
}

/// The roll-ups of committed files.
#[derive(Default)]
struct Cache {
    parts: HashMap<FileKey, RecordBatch>,
    bytes: usize,
}

impl Cache {
    /// Keeps `part`; past the byte budget, first drops the parts of files not in `active`.
    fn insert(&mut self, key: FileKey, part: RecordBatch, active: &HashSet<FileKey>) {
        let size = part.get_array_memory_size();
        if self.bytes + size > MAX_CACHED_BYTES {
            self.parts.retain(|k, _| active.contains(k));
            self.bytes = self
                .parts
                .values()
                .map(RecordBatch::get_array_memory_size)
                .sum();
        }
        if self.bytes + size > MAX_CACHED_BYTES {
            return;
        }
        if let Some(old) = self.parts.insert(key, part) {
            self.bytes -= old.get_array_memory_size();
        }
        self.bytes += size;
    }
}

fn lock() -> std::sync::MutexGuard<'static, Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    // A panic while holding the lock leaves a consistent map (inserts are single calls).
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many of `files` have their `rollup` cached.
#[cfg(test)]
pub(crate) fn cached_parts(rollup: &Rollup, files: &ActiveFiles) -> usize {
    let cache = lock();
    files
        .files()
        .iter()
        .filter(|f| cache.parts.contains_key(&FileKey::of(rollup, files, f)))
        .count()
}
