//! Background flushes that go wrong, on real storage: one that fails puts its rows back
//! (visible, known to the key checks, committed once by the next flush); one cancelled
//! with its runtime stops writes with a message that says so, and loses nothing.
#![allow(clippy::unwrap_used, clippy::panic)] // a test fails by panicking

mod support;

use std::path::Path;

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use wharf_ingest::{IngestConfig, IngestError, Store};
use wharf_model::{Record, Table, parse_line};

const RUN: &str = "01900000-0000-7000-8000-00000000c001";

fn events(from: u64, n: u64) -> Vec<Record> {
    (from..from + n)
        .map(|seq| {
            let line = format!(
                r#"{{"type":"event","run_id":"{RUN}","seq":{seq},"ts":"2026-11-01T10:00:00Z","kind":"log","collection":"c"}}"#
            );
            parse_line(seq + 1, &line).unwrap()
        })
        .collect()
}

/// A writer whose buffers flush once a table holds `flush_rows` rows.
async fn open(dir: &Path, flush_rows: u64) -> Store {
    let config = IngestConfig {
        flush_rows,
        ..Default::default()
    };
    support::open(dir, config).await
}

/// `seq` of the buffered events, in buffer order.
async fn buffered(store: &Store) -> Vec<i64> {
    let snapshot = store.snapshot().await;
    let mut out = Vec::new();
    for b in &snapshot[&Table::Events].buffered {
        let seq = b.column_by_name("seq").unwrap().as_primitive::<Int64Type>();
        out.extend(seq.values().iter().copied());
    }
    out
}

/// Events committed to Delta.
async fn committed(store: &Store) -> usize {
    support::committed_rows(store, Table::Events).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_background_flush_puts_its_rows_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), 100).await;
    // The events table's directory becomes a plain file: no Parquet file can be written
    // under it (even by root).
    let table = dir.path().join("tables").join("events");
    let aside = dir.path().join("events-aside");
    std::fs::rename(&table, &aside).unwrap();
    std::fs::write(&table, b"not a directory").unwrap();

    // 100 rows fill the buffers: their flush starts in the background, and fails.
    let first = store.ingest(events(0, 100)).await.unwrap();
    assert_eq!(first.accepted_total(), 100);
    // Rows acknowledged meanwhile.
    store.ingest(events(100, 50)).await.unwrap();
    let err = store.flush().await.unwrap_err();
    assert!(
        matches!(
            err,
            IngestError::Delta {
                table: "events",
                ..
            }
        ),
        "{err}"
    );

    // Both lots are buffered, the failed flush's first; the key checks still know them.
    assert_eq!(buffered(&store).await, (0..150).collect::<Vec<i64>>());
    assert_eq!(committed(&store).await, 0);
    let again = store.ingest(events(0, 150)).await.unwrap();
    assert_eq!((again.accepted_total(), again.duplicates), (0, 150));

    // The storage is back: the next flush commits every row once, and a reopened store
    // replays nothing twice.
    std::fs::remove_file(&table).unwrap();
    std::fs::rename(&aside, &table).unwrap();
    store.flush().await.unwrap();
    assert!(buffered(&store).await.is_empty());
    assert_eq!(committed(&store).await, 150);
    drop(store);
    let store = open(dir.path(), 100).await;
    assert!(buffered(&store).await.is_empty());
    assert_eq!(committed(&store).await, 150);
    let again = store.ingest(events(0, 150)).await.unwrap();
    assert_eq!(again.duplicates, 150);
}

#[test]
fn a_flush_cancelled_with_its_runtime_stops_writes_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let first = runtime();
    let store = first.block_on(async {
        let store = open(dir.path(), 100).await;
        // Full buffers: a flush task is spawned on this runtime.
        store.ingest(events(0, 100)).await.unwrap();
        store
    });
    // Shutting the runtime down cancels the task.
    drop(first);

    let second = runtime();
    second.block_on(async {
        let err = store.flush().await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, IngestError::Stopped { .. }), "{text}");
        assert!(text.contains("cancelled"), "{text}");
        assert!(!text.contains("read-only"), "{text}");
        let later = store.ingest(events(100, 1)).await.unwrap_err();
        assert!(later.to_string().contains("cancelled"), "{later}");
        assert!(
            store
                .flush()
                .await
                .unwrap_err()
                .to_string()
                .contains("cancelled")
        );
    });
    drop(store);
    // Nothing acknowledged is lost: the reopened store replays the WAL (and flushes it).
    second.block_on(async {
        let store = open(dir.path(), 100).await;
        assert!(buffered(&store).await.is_empty());
        assert_eq!(committed(&store).await, 100);
    });
}
