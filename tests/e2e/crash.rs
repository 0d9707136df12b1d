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
