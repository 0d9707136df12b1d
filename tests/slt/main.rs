//! sqllogictest harness: every `tests/slt/*.slt` file runs against a fresh store holding
//! `fixtures/trajectories.jsonl`, ingested through the real write path. A file's first
//! line may bind its session to a collection: `# scope: acme` (default: all collections).
//! Set `WHARF_SLT_COMPLETE=1` to rewrite expectations from actual results.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)] // test code

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};
use wharf_query::{QueryConfig, Scope, Session};

struct Db {
    session: Session,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DbError(String);

#[async_trait::async_trait]
impl AsyncDB for Db {
    type Error = DbError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<Self::ColumnType>, Self::Error> {
        let result = self
            .session
            .sql(sql)
            .await
            .map_err(|e| DbError(e.to_string()))?;
        let types = vec![DefaultColumnType::Any; result.schema.fields().len()];
        let mut rows = Vec::new();
        for batch in &result.batches {
            rows.extend(render(batch).map_err(|e| DbError(e.to_string()))?);
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    async fn sleep(dur: std::time::Duration) {
        tokio::time::sleep(dur).await;
    }
}

fn render(batch: &RecordBatch) -> Result<Vec<Vec<String>>, arrow::error::ArrowError> {
    let options = FormatOptions::default().with_null("NULL");
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let mut cells = Vec::with_capacity(formatters.len());
        for (f, col) in formatters.iter().zip(batch.columns()) {
            let cell = f.value(row).to_string();
            cells.push(if cell.is_empty() && !col.is_null(row) {
                "(empty)".into()
            } else {
                cell
            });
        }
        rows.push(cells);
    }
    Ok(rows)
}

fn scope_of(path: &Path) -> Scope {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# scope: "))
    {
        Some("all") | None => Scope::All,
        Some(c) => Scope::Collection(c.trim().to_string()),
    }
}

fn main() -> std::process::ExitCode {
    let mut args = libtest_mimic::Arguments::from_args();
    let complete = std::env::var("WHARF_SLT_COMPLETE").is_ok();
    args.test_threads = Some(1);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("slt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "slt"));
    files.sort();
    let trials = files
        .into_iter()
        .map(|file| {
            let name = file
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            libtest_mimic::Trial::test(name, move || {
                run_file(&file, complete).map_err(|e| format!("{e:#}").into())
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// Runs one file against a fresh store holding the fixtures.
fn run_file(file: &Path, complete: bool) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let fixtures =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("slt/fixtures/trajectories.jsonl");
        let tmp = tempfile::tempdir()?;
        let store = Arc::new(wharf_tests::store_with_file(tmp.path(), &fixtures).await?);
        let scope = scope_of(file);
        let make = move || {
            let store = store.clone();
            let scope = scope.clone();
            async move {
                let session = Session::new(&store, scope, &QueryConfig::default())
                    .await
                    .map_err(|e| DbError(e.to_string()))?;
                Ok::<Db, DbError>(Db { session })
            }
        };
        let mut runner = sqllogictest::Runner::new(make);
        if complete {
            runner
                .update_test_file(
                    file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::default_column_validator,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        } else {
            runner.run_file_async(file).await?;
        }
        Ok(())
    })
}
