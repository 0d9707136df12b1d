//! One storage suite, run on every backend: local files and a real S3-compatible server.

use std::path::Path;

use wharf_ingest::{CompactOptions, IngestConfig, OpenMode, S3Config, StorageConfig};
use wharf_model::parse_line;
use wharf_query::{QueryConfig, Scope, Session};
use wharf_tests::{bulk_file, ingest_file, open_store_with};

use crate::cli::{count_types, sample};

async fn count(store: &wharf_ingest::Store, scope: Scope, sql: &str) -> i64 {
    let session = Session::new(store, scope, &QueryConfig::default())
        .await
        .unwrap();
    let result = session.sql(sql).await.unwrap();
    let col = result.batches[0].column(0);
    arrow::compute::cast(col, &arrow::datatypes::DataType::Int64)
        .unwrap()
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .unwrap()
        .value(0)
}

async fn suite(storage: StorageConfig, wal: &Path) {
    let ingest = IngestConfig {
        wal_dir: Some(wal.to_path_buf()),
        ..Default::default()
    };
    let expected = count_types(&sample());
    let events = expected["event"] as i64;
    let runs = expected["run"] as i64;
    // Rows the bulk load below adds, in collection `bulk`.
    let bulk_events = 50;
    {
        let store = open_store_with(storage.clone(), ingest.clone(), OpenMode::Write)
            .await
            .unwrap();
        let first = ingest_file(&store, &sample()).await.unwrap();
        assert_eq!(
            first.receipt.accepted_total() as u64,
            expected.values().sum::<u64>()
        );
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM events").await,
            events
        );
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM runs").await,
            runs
        );

        // Re-ingesting is a no-op.
        let again = ingest_file(&store, &sample()).await.unwrap();
        assert_eq!(again.receipt.accepted_total(), 0);
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM events").await,
            events
        );

        // A bulk load: of the same file, nothing new; of new rows, committed on this
        // backend (staged files uploaded, then one commit per table).
        let again = bulk_file(&store, &sample()).await.unwrap();
        assert_eq!(again.receipt.accepted_total(), 0);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bulk.jsonl");
        let lines: Vec<String> = (0..bulk_events)
            .map(|seq| {
                format!(
                    r#"{{"type":"event","run_id":"01900000-0000-7000-8000-0000000000bb","collection":"bulk","seq":{seq},"ts":"2026-11-05T00:00:00Z","kind":"log","text":"bulk {seq}"}}"#
                )
            })
            .collect();
        std::fs::write(&file, lines.join("\n")).unwrap();
        let loaded = bulk_file(&store, &file).await.unwrap();
        assert_eq!(loaded.receipt.accepted_total() as i64, bulk_events);
        assert_eq!(
            count(
                &store,
                Scope::Collection("bulk".into()),
                "SELECT count(*) FROM events"
            )
            .await,
            bulk_events
        );
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM events").await,
            events + bulk_events
        );

        // Fresh rows are visible before any flush.
        let line = r#"{"type":"label","run_id":"01900000-0000-7000-8000-0000000000aa","collection":"fresh","key":"k","value":"7","created_at":"2026-11-05T00:00:00Z"}"#;
        let receipt = store
            .ingest(vec![parse_line(1, line).unwrap()])
            .await
            .unwrap();
        assert_eq!(receipt.accepted_total(), 1);
        let fresh = Scope::Collection("fresh".into());
        assert_eq!(
            count(&store, fresh.clone(), "SELECT count(*) FROM labels").await,
            1
        );
        assert_eq!(
            count(&store, fresh.clone(), "SELECT count(*) FROM events").await,
            0
        );
        assert_eq!(
            count(
                &store,
                fresh.clone(),
                "SELECT CAST(sum(value_num) AS BIGINT) FROM labels"
            )
            .await,
            7
        );
        // Unflushed when the writer goes away: the WAL keeps it.
    }
    {
        let reader = open_store_with(storage.clone(), ingest.clone(), OpenMode::Read)
            .await
            .unwrap();
        assert_eq!(
            count(&reader, Scope::All, "SELECT count(*) FROM events").await,
            events + bulk_events
        );
        assert_eq!(
            count(
                &reader,
                Scope::Collection("fresh".into()),
                "SELECT count(*) FROM labels"
            )
            .await,
            1
        );
    }
    {
        let store = open_store_with(storage.clone(), ingest.clone(), OpenMode::Write)
            .await
            .unwrap();
        store
            .compact(&CompactOptions {
                target_file_bytes: 64 << 20,
                retention_hours: 0,
            })
            .await
            .unwrap();
        assert_eq!(
            count(&store, Scope::All, "SELECT count(*) FROM events").await,
            events + bulk_events
        );
        assert_eq!(
            count(
                &store,
                Scope::All,
                "SELECT count(*) FROM labels WHERE collection = 'fresh'"
            )
            .await,
            1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_files() {
    let dir = tempfile::tempdir().unwrap();
    let storage = StorageConfig {
        root: format!("file://{}", dir.path().join("store").display()),
        ..Default::default()
    };
    suite(storage, &dir.path().join("wal")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_compatible_server() {
    let Ok(endpoint) = std::env::var("WHARF_TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must provide WHARF_TEST_S3_ENDPOINT"
        );
        eprintln!("skipping: WHARF_TEST_S3_ENDPOINT is not set (scripts/test starts a server)");
        return;
    };
    let bucket = std::env::var("WHARF_TEST_S3_BUCKET").unwrap_or_else(|_| "wharf-test".into());
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let storage = StorageConfig {
        root: format!("s3://{bucket}/{prefix}"),
        s3: S3Config {
            endpoint: Some(endpoint),
            region: Some("us-east-1".into()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            allow_http: Some(true),
            force_path_style: Some(true),
            ..Default::default()
        },
    };
    suite(storage, &dir.path().join("wal")).await;
}
