//! Bulk loads on real storage: collections in file order, nothing written from a bad file
//! (and no file left behind), repeats within and across files and against stored rows
//! skipped, the commit visible in every table at once, other writers waiting for it.
#![allow(clippy::unwrap_used, clippy::panic)] // a test fails by panicking

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use support::{committed, committed_rows};
use wharf_ingest::bulk::{BulkOptions, FileReport};
use wharf_ingest::{IngestConfig, Store};
use wharf_model::{Table, parse_line};

const RUN_A: &str = "01900000-0000-7000-8000-00000000a001";
const RUN_B: &str = "01900000-0000-7000-8000-00000000b001";

fn event(run: &str, seq: u64, collection: Option<&str>) -> String {
    let c = collection.map_or(String::new(), |c| format!(r#","collection":"{c}""#));
    format!(
        r#"{{"type":"event","run_id":"{run}","seq":{seq},"ts":"2026-11-01T10:00:00Z","kind":"log","text":"event {seq}"{c}}}"#
    )
}

fn run(run: &str, collection: &str) -> String {
    format!(
        r#"{{"type":"run","run_id":"{run}","collection":"{collection}","status":"succeeded","started_at":"2026-11-01T10:00:00Z"}}"#
    )
}

fn score(run: &str, n: u64) -> String {
    format!(
        r#"{{"type":"score","score_id":"s-{run}-{n}","run_id":"{run}","grader_kind":"programmatic","grader_name":"g","criterion":"c{n}","value":1.0,"created_at":"2026-11-01T10:00:00Z"}}"#
    )
}

async fn open(dir: &Path, batch_lines: usize) -> Store {
    let config = IngestConfig {
        batch_lines,
        ..Default::default()
    };
    support::open(dir, config).await
}

fn opts(store: &Store) -> BulkOptions {
    BulkOptions {
        default_collection: "dflt".into(),
        batch_lines: store.config().batch_lines,
        max_line_bytes: store.config().max_line_bytes,
    }
}

/// Loads one text as a file of its own bulk load and commits it when it has no error.
async fn load(store: &Store, text: &str) -> FileReport {
    let mut bulk = store.bulk(opts(store)).await.unwrap();
    let report = load_into(&mut bulk, text).await;
    if report.error_count == 0 {
        bulk.commit().await.unwrap();
    } else {
        bulk.abort().await;
    }
    report
}

async fn load_into(bulk: &mut wharf_ingest::bulk::BulkLoad, text: &str) -> FileReport {
    let bytes = text.as_bytes().to_vec();
    bulk.load(
        move || Ok(std::io::Cursor::new(bytes.clone())),
        "t",
        Arc::new(|_| {}),
    )
    .await
    .unwrap()
}

/// `(seq, collection)` of the committed events, sorted.
async fn events(store: &Store) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for b in committed(store, Table::Events).await {
        let seq = b.column_by_name("seq").unwrap().as_primitive::<Int64Type>();
        // A partition column: dictionary-encoded as read back.
        let c = b.column_by_name("collection").unwrap();
        let c = arrow::compute::cast(c, &arrow::datatypes::DataType::Utf8).unwrap();
        let c = c.as_string::<i32>();
        for row in 0..b.num_rows() {
            out.push((seq.value(row), c.value(row).to_string()));
        }
    }
    out.sort();
    out
}

fn parquet_files(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                n += 1;
            }
        }
    }
    n
}

fn want(pairs: &[(i64, &str)]) -> Vec<(i64, String)> {
    pairs.iter().map(|(s, c)| (*s, c.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_follow_the_file_order_whatever_the_blocks() {
    let lines = [
        event(RUN_A, 0, None),        // before A's header: its last header's
        run(RUN_A, "first"),          //
        event(RUN_A, 1, None),        // after it: "first"
        event(RUN_A, 2, Some("own")), // its own
        run(RUN_A, "second"),         //
        event(RUN_A, 3, None),        // "second"
        event(RUN_B, 4, None),        // B has no header: the default
    ];
    let text = lines.join("\n");
    for batch_lines in [1, 2, 100] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), batch_lines).await;
        let report = load(&store, &text).await;
        assert_eq!(
            (report.error_count, report.lines, report.records),
            (0, 7, 7)
        );
        assert_eq!(report.receipt.accepted[&Table::Events], 5);
        assert_eq!(report.receipt.accepted[&Table::Runs], 1);
        let expected = want(&[
            (0, "second"),
            (1, "first"),
            (2, "own"),
            (3, "second"),
            (4, "dflt"),
        ]);
        assert_eq!(events(&store).await, expected, "batch_lines {batch_lines}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_below_defaulted_rows_is_read_again_with_every_header_known() {
    let lines = [
        run(RUN_A, "first"),
        event(RUN_A, 0, None),
        event(RUN_B, 1, None), // B's header comes later: its collection, not the default
        event(RUN_B, 2, None),
        run(RUN_B, "late"),
        event(RUN_B, 3, None),
    ];
    for batch_lines in [1, 2, 100] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path(), batch_lines).await;
        let report = load(&store, &lines.join("\n")).await;
        assert_eq!(report.error_count, 0);
        assert_eq!(report.receipt.accepted[&Table::Events], 4);
        let expected = want(&[(0, "first"), (1, "late"), (2, "late"), (3, "late")]);
        assert_eq!(events(&store).await, expected, "batch_lines {batch_lines}");
        // The first pass's files were deleted: only the committed ones remain.
        let files = parquet_files(&dir.path().join("tables").join("events"));
        let snapshot = store.snapshot().await;
        let delta = snapshot[&Table::Events].delta.clone().unwrap();
        let referenced = delta.snapshot().unwrap().log_data().num_files();
        assert_eq!(files, referenced, "batch_lines {batch_lines}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_line_writes_nothing_and_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), 100).await;
    let good: Vec<String> = (0..600).map(|s| event(RUN_A, s, None)).collect();
    let mut bad = good.clone();
    bad.insert(400, r#"{"type":"event","seq":"x"}"#.into());
    bad.insert(550, "{".into());
    let report = load(&store, &bad.join("\n")).await;
    assert_eq!(report.error_count, 2);
    assert!(report.errors[0].to_string().contains("line 401"));
    assert!(report.errors[1].to_string().contains("line 551"));
    assert_eq!(committed_rows(&store, Table::Events).await, 0);
    assert_eq!(parquet_files(&dir.path().join("tables")), 0);

    // A good file, then the same again: nothing new the second time.
    let text = good.join("\n");
    let first = load(&store, &text).await;
    assert_eq!(first.receipt.accepted[&Table::Events], 600);
    let again = load(&store, &text).await;
    assert_eq!(again.receipt.accepted_total(), 0);
    assert_eq!(again.receipt.duplicates, 600);
    assert_eq!(committed_rows(&store, Table::Events).await, 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_second_file_keeps_the_whole_load_out() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), 50).await;
    let mut bulk = store.bulk(opts(&store)).await.unwrap();
    let good: Vec<String> = (0..200).map(|s| event(RUN_A, s, Some("c"))).collect();
    let first = load_into(&mut bulk, &good.join("\n")).await;
    assert_eq!(first.error_count, 0);
    let second = load_into(&mut bulk, "{\"type\":\"nope\"}").await;
    assert_eq!(second.error_count, 1);
    bulk.abort().await;
    assert_eq!(committed_rows(&store, Table::Events).await, 0);
    assert_eq!(parquet_files(&dir.path().join("tables")), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_within_and_across_files_and_stored_rows_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), 7).await;
    // One row already stored through the write-ahead path, one still buffered.
    store
        .ingest(vec![parse_line(1, &event(RUN_A, 0, Some("c"))).unwrap()])
        .await
        .unwrap();
    store.flush().await.unwrap();
    store
        .ingest(vec![parse_line(1, &event(RUN_A, 1, Some("c"))).unwrap()])
        .await
        .unwrap();
    // The first occurrence in file order wins.
    let mut lines: Vec<String> = (0..100).map(|s| event(RUN_A, s, Some("c"))).collect();
    lines.push(event(RUN_A, 50, Some("later")));
    let mut bulk = store.bulk(opts(&store)).await.unwrap();
    let first = load_into(&mut bulk, &lines.join("\n")).await;
    assert_eq!(first.receipt.accepted[&Table::Events], 98);
    assert_eq!(first.receipt.duplicates, 3);
    let second = load_into(&mut bulk, &event(RUN_A, 99, Some("c"))).await;
    assert_eq!(second.receipt.accepted_total(), 0);
    assert_eq!(second.receipt.duplicates, 1);
    // Nothing is visible before the commit (only the two rows written before).
    assert_eq!(committed_rows(&store, Table::Events).await, 1);
    assert!(bulk.commit().await.unwrap().is_some());
    store.flush().await.unwrap();
    let all = events(&store).await;
    assert_eq!(all.len(), 100);
    assert!(all.iter().all(|(_, c)| c == "c"), "{all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_table_commits_and_other_writers_wait_for_the_load() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), 3).await;
    let mut lines = Vec::new();
    for (i, r) in [RUN_A, RUN_B].iter().enumerate() {
        lines.push(run(r, "c"));
        for seq in 0..10 {
            lines.push(event(r, seq + 10 * i as u64, None));
        }
        lines.push(score(r, 1));
        lines.push(score(r, 2));
    }
    let mut bulk = store.bulk(opts(&store)).await.unwrap();
    let report = load_into(&mut bulk, &lines.join("\n")).await;
    assert_eq!(report.records, 26);
    // A writer started now waits for the load to end.
    let waited = Arc::new(AtomicU64::new(0));
    let writer = {
        let store = store.clone();
        let waited = Arc::clone(&waited);
        tokio::spawn(async move {
            let line = event(RUN_A, 99, Some("c"));
            store
                .ingest(vec![parse_line(1, &line).unwrap()])
                .await
                .unwrap();
            waited.store(1, Ordering::SeqCst);
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        waited.load(Ordering::SeqCst),
        0,
        "a writer ran during the load"
    );
    let id = bulk.commit().await.unwrap();
    writer.await.unwrap();
    assert_eq!(waited.load(Ordering::SeqCst), 1);
    let got: BTreeMap<Table, usize> = [
        (Table::Runs, committed_rows(&store, Table::Runs).await),
        (Table::Events, committed_rows(&store, Table::Events).await),
        (Table::Scores, committed_rows(&store, Table::Scores).await),
    ]
    .into();
    let expected: BTreeMap<Table, usize> =
        [(Table::Runs, 2), (Table::Events, 20), (Table::Scores, 4)].into();
    assert_eq!(got, expected);
    // Each table records the load's id.
    let snapshot = store.snapshot().await;
    for table in [Table::Runs, Table::Events, Table::Scores] {
        let delta = snapshot[&table].delta.clone().unwrap();
        let state = delta.snapshot().unwrap();
        let recorded = state
            .transaction_version(delta.log_store().as_ref(), wharf_ingest::BULK_APP_ID)
            .await
            .unwrap();
        assert_eq!(recorded.map(|v| v as u64), id, "{table}");
    }
}
