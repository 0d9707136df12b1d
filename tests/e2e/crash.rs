//! Crash safety: the ingesting process dies (SIGKILL from outside, or an abort at a named
//! point inside the write path); after a restart every acknowledged record is stored
//! exactly once, and re-sending everything still leaves exactly one copy of each.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Stdio};

use crate::support::{sql_json, stderr, wharf};

const RUN: &str = "01900000-0000-7000-8000-00000000c001";
const TOTAL: u64 = 60;
const BATCH: u64 = 5;

fn line(seq: u64) -> String {
    format!(
        r#"{{"type":"event","run_id":"{RUN}","seq":{seq},"ts":"2026-11-01T10:00:{:02}Z","kind":"log","text":"event {seq}"}}"#,
        seq % 60
    )
}

fn spawn(root: &Path, failpoint: Option<&str>) -> Child {
    let mut cmd = wharf(root);
    cmd.args(["ingest", "--ack", "--batch-lines", &BATCH.to_string(), "-"])
        .env("WHARF__INGEST__FLUSH_ROWS", "20")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(fp) = failpoint {
        cmd.env("WHARF_FAILPOINT", fp);
    }
    cmd.spawn().unwrap()
}

/// Streams batches, waiting for each ack; stops after `kill_after` acks (SIGKILL) or when
/// the process dies by itself. Returns the highest acknowledged line.
fn stream(root: &Path, failpoint: Option<&str>, kill_after: Option<u64>) -> u64 {
    let mut child = spawn(root, failpoint);
    let mut stdin = child.stdin.take().unwrap();
    let mut acks = BufReader::new(child.stdout.take().unwrap());
    let mut acked_line = 0;
    let mut acks_seen = 0;
    for start in (0..TOTAL).step_by(BATCH as usize) {
        let batch: String = (start..start + BATCH).map(|s| line(s) + "\n").collect();
        if stdin
            .write_all(batch.as_bytes())
            .and_then(|()| stdin.flush())
            .is_err()
        {
            break;
        }
        let mut ack = String::new();
        if acks.read_line(&mut ack).unwrap_or(0) == 0 {
            break; // died
        }
        let n: u64 = ack
            .split("line=")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        acked_line = n;
        acks_seen += 1;
        if kill_after == Some(acks_seen) {
            child.kill().unwrap(); // SIGKILL
            break;
        }
    }
    drop(stdin);
    let _ = child.wait();
    acked_line
}

fn stored(root: &Path) -> Vec<(u64, u64)> {
    sql_json(
        root,
        &format!(
            "SELECT seq, count(*) AS n FROM events WHERE run_id = '{RUN}' GROUP BY seq ORDER BY seq"
        ),
    )
    .iter()
    .map(|r| (r["seq"].as_u64().unwrap(), r["n"].as_u64().unwrap()))
    .collect()
}

fn check_exactly_once(root: &Path, acked_lines: u64, label: &str) {
    let rows = stored(root);
    assert!(
        rows.iter().all(|(_, n)| *n == 1),
        "{label}: duplicates {rows:?}"
    );
    let seqs: Vec<u64> = rows.iter().map(|(s, _)| *s).collect();
    for seq in 0..acked_lines {
        assert!(
            seqs.contains(&seq),
            "{label}: acknowledged seq {seq} lost; stored {seqs:?}"
        );
    }
}

fn scenario(failpoint: Option<&str>, kill_after: Option<u64>) {
    let label = format!("{failpoint:?}/{kill_after:?}");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let acked = stream(&root, failpoint, kill_after);
    assert!(
        acked > 0 && acked < TOTAL,
        "{label}: the crash happened mid-stream (acked {acked})"
    );
    // A reader right after the crash sees committed data plus the WAL.
    check_exactly_once(&root, acked, &format!("{label} read-only"));
    // A writer recovers (replays the WAL into Delta).
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = wharf(&root).arg("ingest").arg(&empty).output().unwrap();
    assert!(
        out.status.success(),
        "{label}: recovery failed: {}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_dir(root.join("wal"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "wal")
            })
            .count(),
        0,
        "{label}: WAL truncated after recovery"
    );
    check_exactly_once(&root, acked, &format!("{label} recovered"));
    // The producer retries everything: still one copy each.
    let acked_all = stream(&root, None, None);
    assert_eq!(acked_all, TOTAL);
    check_exactly_once(&root, TOTAL, &format!("{label} resent"));
    assert_eq!(stored(&root).len() as u64, TOTAL);
}

#[test]
fn sigkill_mid_stream_at_several_points() {
    for kill_after in [1, 3, 4, 7] {
        scenario(None, Some(kill_after));
    }
}

#[test]
fn abort_between_wal_write_and_fsync() {
    scenario(Some("wal.before_fsync@3"), None);
}

#[test]
fn abort_after_delta_commit_before_wal_truncation() {
    scenario(Some("flush.after_commit@1"), None);
}

#[test]
fn abort_right_after_wal_truncation() {
    scenario(Some("flush.after_truncate@1"), None);
}

/// A file of two runs over three tables: each a header, 20 events and 2 scores.
fn bulk_file(dir: &Path) -> std::path::PathBuf {
    let mut lines = Vec::new();
    for r in 1..=2 {
        let run = format!("01900000-0000-7000-8000-00000000d00{r}");
        lines.push(format!(
            r#"{{"type":"run","run_id":"{run}","collection":"crash","status":"succeeded","started_at":"2026-11-01T10:00:00Z"}}"#
        ));
        for seq in 0..20 {
            lines.push(format!(
                r#"{{"type":"event","run_id":"{run}","seq":{seq},"ts":"2026-11-01T10:00:00Z","kind":"log","text":"e{seq}"}}"#
            ));
        }
        for n in 0..2 {
            lines.push(format!(
                r#"{{"type":"score","score_id":"s{r}{n}","run_id":"{run}","grader_kind":"programmatic","grader_name":"g","criterion":"c{n}","value":1,"created_at":"2026-11-01T10:00:00Z"}}"#
            ));
        }
    }
    let file = dir.join("bulk.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    file
}

/// Rows and distinct keys per table: (runs, events, scores), each as (rows, distinct).
fn bulk_counts(root: &Path) -> Vec<(u64, u64)> {
    let row = &sql_json(
        root,
        "SELECT (SELECT count(*) FROM runs) AS r, (SELECT count(DISTINCT run_id) FROM runs) AS rd, \
         (SELECT count(*) FROM events) AS e, \
         (SELECT count(DISTINCT concat(run_id, '/', CAST(seq AS VARCHAR))) FROM events) AS ed, \
         (SELECT count(*) FROM scores) AS s, (SELECT count(DISTINCT score_id) FROM scores) AS sd",
    )[0];
    let n = |k: &str| row[k].as_u64().unwrap();
    vec![(n("r"), n("rd")), (n("e"), n("ed")), (n("s"), n("sd"))]
}

/// A bulk load that dies at `failpoint` is, after the next writer opens the store, either
/// whole (`whole`) or absent; loading the file again leaves one copy of each row.
fn bulk_scenario(failpoint: &str, whole: bool) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let file = bulk_file(dir.path());
    let out = wharf(&root)
        .env("WHARF_FAILPOINT", failpoint)
        .env("WHARF__INGEST__BATCH_LINES", "4")
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{failpoint}: the load was not stopped"
    );
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = wharf(&root).arg("ingest").arg(&empty).output().unwrap();
    assert!(out.status.success(), "{failpoint}: {}", stderr(&out));
    let full = vec![(2, 2), (40, 40), (4, 4)];
    let none = vec![(0, 0), (0, 0), (0, 0)];
    let expected = if whole { &full } else { &none };
    assert_eq!(&bulk_counts(&root), expected, "{failpoint}: after recovery");
    let manifests = std::fs::read_dir(root.join("wal"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("bulk-")
        })
        .count();
    assert_eq!(manifests, 0, "{failpoint}: manifest left after recovery");
    let out = wharf(&root).arg("ingest").arg(&file).output().unwrap();
    assert!(out.status.success(), "{failpoint}: {}", stderr(&out));
    assert_eq!(bulk_counts(&root), full, "{failpoint}: loaded again");
}

#[test]
fn a_bulk_load_is_in_every_table_or_in_none_across_crashes() {
    // Mid-load (nothing committed), after the manifest (nothing committed yet), after the
    // first and the second of three table commits.
    bulk_scenario("bulk.after_block@3", false);
    bulk_scenario("bulk.after_manifest", true);
    bulk_scenario("bulk.after_commit@1", true);
    bulk_scenario("bulk.after_commit@2", true);
}
